import ArgumentParser
import Foundation
import Vault

/// `tether vault …`: key management.
struct VaultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vault",
        abstract: "Manage the vault's encryption keys.",
        subcommands: [GenerateKey.self])

    struct GenerateKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate-key",
            abstract: "Print a new random 256-bit key as a TETHER_VAULT_KEYS entry (id:base64).")

        @Option(help: "The key id (letters, digits, _ and -, at most 32). Default: key-YYYYMMDD.")
        var id: String?

        func run() throws {
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyyMMdd"
            formatter.timeZone = TimeZone(identifier: "UTC")
            let keyID = id ?? "key-" + formatter.string(from: Date())
            guard KeyRing.isValidID(keyID) else { throw ValidationError("--id must match \(KeyRing.idPattern)") }
            print(KeyRing.entry(id: keyID, key: try SymmetricKey.generate()))
        }
    }
}
