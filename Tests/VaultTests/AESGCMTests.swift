import Foundation
import TestSupport
import Testing
import Vault

@Suite("AES-256-GCM")
struct AESGCMTests {
    let key = try! SymmetricKey(bytes: Array(0..<32))

    @Test("seal then open returns the plaintext for 0 bytes, 1 byte and 64 KiB", arguments: [0, 1, 65_536])
    func roundTrip(length: Int) throws {
        let plaintext = try SecureRandom.bytes(count: length)
        let sealed = try AESGCM.seal(plaintext, key: key, associatedData: Array("context".utf8))
        #expect(sealed.ciphertext.count == length)
        #expect(sealed.tag.count == 16)
        #expect(try AESGCM.open(sealed, key: key, associatedData: Array("context".utf8)) == plaintext)
    }

    @Test("the same plaintext sealed twice gives different nonces and ciphertexts")
    func freshNonces() throws {
        let a = try AESGCM.seal(Array("token".utf8), key: key)
        let b = try AESGCM.seal(Array("token".utf8), key: key)
        #expect(a.nonce != b.nonce)
        #expect(a.ciphertext != b.ciphertext)
    }

    @Test("a million seals under one key draw a million distinct nonces (SECURITY.md: duplicate nonces in 10^6)")
    func noncesNeverRepeat() throws {
        let count = TestScale.cases(1_000_000)
        var nonces = Set<[UInt8]>(minimumCapacity: count)
        for _ in 0..<count { nonces.insert(try AESGCM.seal([0], key: key).nonce) }
        #expect(nonces.count == count)
        Figures.record("crypto.nonces_drawn", count)
        Figures.record("crypto.duplicate_nonces", count - nonces.count)
    }

    @Test("McGrew-Viega GCM test cases 13 and 14 (AES-256, zero key and IV)")
    func publishedVectors() throws {
        let zeroKey = try SymmetricKey(bytes: [UInt8](repeating: 0, count: 32))
        let nonce = [UInt8](repeating: 0, count: 12)
        let empty = try AESGCM.seal([], key: zeroKey, nonce: nonce)
        #expect(Hex.encode(empty.tag) == "530f8afbc74536b9a963b4f1c4cb738b")
        let block = try AESGCM.seal([UInt8](repeating: 0, count: 16), key: zeroKey, nonce: nonce)
        #expect(Hex.encode(block.ciphertext) == "cea7403d4d606b6e074ec5d3baf39d18")
        #expect(Hex.encode(block.tag) == "d0d1c8a799996bf0265b98b5d48ab919")
    }

    @Test("flipping any single bit of nonce, ciphertext or tag makes open fail")
    func everyBitFlipIsRejected() throws {
        let sealed = try AESGCM.seal(Array("refresh-token-value".utf8), key: key, associatedData: [1, 2, 3])
        var attempts = 0
        for part in 0..<3 {
            let length = [sealed.nonce.count, sealed.ciphertext.count, sealed.tag.count][part]
            for bit in 0..<(length * 8) {
                var tampered = sealed
                switch part {
                case 0: tampered.nonce[bit / 8] ^= 1 << UInt8(bit % 8)
                case 1: tampered.ciphertext[bit / 8] ^= 1 << UInt8(bit % 8)
                default: tampered.tag[bit / 8] ^= 1 << UInt8(bit % 8)
                }
                #expect(throws: VaultError.self) { try AESGCM.open(tampered, key: key, associatedData: [1, 2, 3]) }
                attempts += 1
            }
        }
        #expect(attempts == (12 + 19 + 16) * 8)
        Figures.count("crypto.tampered_opens", attempts)
    }

    @Test("different associated data, a different key or a short tag cannot open the value")
    func wrongContextIsRejected() throws {
        let sealed = try AESGCM.seal(Array("secret".utf8), key: key, associatedData: Array("tenant-a".utf8))
        let failure = #expect(throws: VaultError.self) {
            try AESGCM.open(sealed, key: key, associatedData: Array("tenant-b".utf8))
        }
        #expect(failure?.code == .authenticationFailed)
        #expect(throws: VaultError.self) { try AESGCM.open(sealed, key: try SymmetricKey.generate(), associatedData: Array("tenant-a".utf8)) }
        var short = sealed
        short.tag.removeLast()
        #expect(throws: VaultError.self) { try AESGCM.open(short, key: key, associatedData: Array("tenant-a".utf8)) }
        #expect(throws: VaultError.self) { try AESGCM.seal([1], key: key, nonce: [0, 1, 2]) }
    }
}
