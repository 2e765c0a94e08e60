import ArgumentParser
import Credentials
import Foundation
import Store
import TetherSettings
import Vault

/// `tether vault …`: key management.
struct VaultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vault",
        abstract: "Manage the vault's encryption keys.",
        subcommands: [GenerateKey.self, Status.self, Verify.self, Rotate.self])

    /// Runs `body` with key rotation over the configured database and key ring (what status, verify and
    /// rotate share).
    static func withRotation<Result>(_ body: (KeyRotation, KeyRing) async throws -> Result) async throws -> Result {
        let settings = try Runtime.loadSettings()
        let keyRing = try settings.requireKeyRing()
        let logger = Runtime.makeLogger(settings)
        return try await Runtime.withPool(settings, logger: logger) { pool in
            // A rotation seals every stored value again: those seals count against the new key (K5).
            let tally = SealTally()
            let result = try await body(KeyRotation(pool: pool, vault: CredentialVault(keyRing: keyRing, tally: tally), logger: logger), keyRing)
            try await VaultKeyUsage(pool: pool).add(tally.drain())
            return result
        }
    }

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

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Count stored secrets per key id.")

        func run() async throws {
            let (counts, seals, keyRing) = try await VaultCommand.withRotation { rotation, keyRing in
                (try await rotation.status(), try await rotation.sealsPerKey(), keyRing)
            }
            print("primary key: \(keyRing.primaryID)")
            for id in Set(counts.keys).union(keyRing.ids).sorted() {
                let role = id == keyRing.primaryID ? "primary" : keyRing.ids.contains(id) ? "in ring" : "NOT IN RING"
                print("\(id)\t\(counts[id] ?? 0) rows\t\(seals[id] ?? 0) seals (rotate before 2147483648)\t\(role)")
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open every stored secret with the key ring; exits 1, naming the rows, when any does not open.")

        func run() async throws {
            let result = try await VaultCommand.withRotation { rotation, _ in try await rotation.verify() }
            for row in result.failed { print("does not open: \(row)") }
            print("\(result.opened) row(s) open with the key ring; \(result.failed.count) do not")
            if !result.failed.isEmpty { throw ExitCode.failure }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-seal every stored secret under the primary key, online and in batches; safe to rerun after a crash.",
            discussion: "A row that does not open with the key ring is left as it is and named; the command then exits 1.")

        @Option(help: "Rows per batch.")
        var batchSize = 100

        func run() async throws {
            let batchSize = batchSize
            let (report, keyRing) = try await VaultCommand.withRotation { rotation, keyRing in (try await rotation.run(batchSize: batchSize), keyRing)
            }
            print("re-sealed \(report.resealed) row(s) under \(keyRing.primaryID); \(report.retried) changed concurrently and were redone")
            guard report.failed.isEmpty else {
                for row in report.failed { print("does not open with the key ring, left as it is: \(row)") }
                throw ExitCode(1)
            }
        }
    }
}
