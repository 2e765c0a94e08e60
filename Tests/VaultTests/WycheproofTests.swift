import Foundation
import Testing
import Vault

/// Project Wycheproof's AES-GCM vectors (C2SP/wycheproof, `aes_gcm_test.json`), restricted to what the
/// vault uses: 256-bit keys, 96-bit nonces and 128-bit tags.
@Suite("Wycheproof AES-256-GCM vectors")
struct WycheproofTests {
    struct File: Decodable {
        let tests: [Case]
    }

    struct Case: Decodable, CustomStringConvertible {
        let tcId: Int
        let comment: String
        let key: String
        let iv: String
        let aad: String
        let msg: String
        let ct: String
        let tag: String
        let result: String
        var description: String { "tcId \(tcId) (\(comment))" }
    }

    /// The vectors, or none when the file is missing or unreadable (which ``fileIsComplete()`` reports).
    static let cases: [Case] = {
        guard let url = Bundle.module.url(forResource: "wycheproof_aes_gcm_256", withExtension: "json", subdirectory: "Resources"),
            let data = try? Data(contentsOf: url)
        else { return [] }
        return (try? JSONDecoder().decode(File.self, from: data).tests) ?? []
    }()

    @Test("the vector file holds valid and invalid cases")
    func fileIsComplete() {
        #expect(Self.cases.count > 20)
        #expect(Self.cases.contains { $0.result == "valid" })
        #expect(Self.cases.contains { $0.result == "invalid" })
    }

    @Test("valid cases seal to the expected ciphertext and tag and open back; invalid cases do not open",
          arguments: WycheproofTests.cases)
    func vector(_ test: Case) throws {
        let key = try SymmetricKey(bytes: Hex.decode(test.key))
        let nonce = try Hex.decode(test.iv)
        let aad = try Hex.decode(test.aad)
        let message = try Hex.decode(test.msg)
        let sealed = AESGCM.SealedParts(nonce: nonce, ciphertext: try Hex.decode(test.ct), tag: try Hex.decode(test.tag))
        if test.result == "invalid" {
            #expect(throws: VaultError.self) { try AESGCM.open(sealed, key: key, associatedData: aad) }
        } else {
            let ours = try AESGCM.seal(message, key: key, nonce: nonce, associatedData: aad)
            #expect(ours == sealed)
            #expect(try AESGCM.open(sealed, key: key, associatedData: aad) == message)
        }
    }
}
