import Foundation
import TestSupport
import Testing
import Vault

/// Published AES-GCM vectors, restricted to what the vault uses (256-bit keys, 96-bit nonces, 128-bit
/// tags): NIST's CAVP GCM files (`gcmEncryptExtIV256.rsp`, `gcmDecrypt256.rsp`), converted to JSON by
/// `scripts/dev/nist-gcm-vectors.py`, including the decrypt cases NIST marks FAIL.
@Suite("Published AES-256-GCM vectors")
struct PublishedGCMVectorTests {
    struct File: Decodable {
        let source: String
        let tests: [Case]
    }

    struct Case: Decodable {
        let tcId: Int
        let comment: String
        let key: String
        let iv: String
        let aad: String
        let msg: String
        let ct: String
        let tag: String
        let result: String
    }

    static func load(_ name: String) throws -> File {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Resources"))
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
    }

    @Test("NIST CAVP: valid cases seal to the published ciphertext and tag and open back; FAIL cases never open")
    func nistVectors() throws {
        let file = try Self.load("nist_cavp_aes_gcm_256")
        #expect(file.tests.count == 750)
        let (valid, rejected) = try Self.check(file)
        #expect(valid == 559)
        #expect(rejected == 191)
        Figures.record("crypto.nist_cases", "\(valid) valid + \(rejected) FAIL")
    }

    /// SECURITY.md K2: Wycheproof's AES-GCM cases with a 256-bit key, 12-byte IV and 16-byte tag (from
    /// `C2SP/wycheproof` `aes_gcm_test.json`), including its modified-tag and edge-case ciphertexts.
    @Test("Wycheproof: valid cases seal and open exactly; invalid cases are rejected")
    func wycheproofVectors() throws {
        let file = try Self.load("wycheproof_aes_gcm_256")
        #expect(file.tests.count == 66)
        let (valid, rejected) = try Self.check(file)
        #expect(valid == 39)
        #expect(rejected == 27)
        Figures.record("crypto.wycheproof_cases", "\(valid) valid + \(rejected) invalid")
    }

    /// Runs every case: valid ones must seal to the published ciphertext and tag and open back; invalid
    /// ones must not open. Returns how many of each were checked.
    static func check(_ file: File) throws -> (valid: Int, rejected: Int) {
        var valid = 0
        var rejected = 0
        for test in file.tests {
            let key = try SymmetricKey(bytes: Hex.decode(test.key))
            let nonce = try Hex.decode(test.iv)
            let aad = try Hex.decode(test.aad)
            let sealed = AESGCM.SealedParts(nonce: nonce, ciphertext: try Hex.decode(test.ct), tag: try Hex.decode(test.tag))
            if test.result == "invalid" {
                #expect(throws: VaultError.self, "case \(test.tcId) (\(test.comment)) opened") {
                    try AESGCM.open(sealed, key: key, associatedData: aad)
                }
                rejected += 1
            } else {
                let message = try Hex.decode(test.msg)
                #expect(try AESGCM.seal(message, key: key, nonce: nonce, associatedData: aad) == sealed, "case \(test.tcId) (\(test.comment))")
                #expect(try AESGCM.open(sealed, key: key, associatedData: aad) == message, "case \(test.tcId) (\(test.comment))")
                valid += 1
            }
        }
        return (valid, rejected)
    }
}
