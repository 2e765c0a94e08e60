import Testing
import Vault

@Suite("Hashes, MACs, encodings and randomness")
struct PrimitivesTests {
    @Test("SHA-256 matches FIPS 180-2 examples")
    func sha256() {
        #expect(Hex.encode(SHA256Digest.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hexHash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("HMAC-SHA256 matches RFC 4231 test cases 1 and 2, and verifies in constant time")
    func hmac() {
        let case1 = HMACSHA256.authenticationCode(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8))
        #expect(Hex.encode(case1) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        let case2 = HMACSHA256.authenticationCode(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(Hex.encode(case2) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(HMACSHA256.isValid(code: case2, key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
        var wrong = case2
        wrong[31] ^= 1
        #expect(!HMACSHA256.isValid(code: wrong, key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
        #expect(!HMACSHA256.isValid(code: Array(case2.prefix(16)), key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
    }

    @Test("constant-time comparison compares length and every byte")
    func constantTime() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(ConstantTime.equals([], []))
    }

    @Test("base64url matches RFC 4648 vectors and rejects malformed input")
    func base64url() throws {
        let vectors = ["": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
            #expect(try Base64URL.decode(encoded) == Array(plain.utf8))
        }
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
        #expect(Base64.encode([0xfb, 0xff]) == "+/8=")
        for bad in ["Zm9v!", "Z", "Zm9v+", "Zh"] {
            #expect(throws: VaultError.self) { try Base64URL.decode(bad) }
        }
    }

    @Test("RFC 7636 appendix B: the S256 challenge of the example verifier")
    func pkceVector() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        #expect(Base64URL.encode(SHA256Digest.hash(Array(verifier.utf8))) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }

    @Test("random tokens are 256-bit, base64url and never repeat in 10,000 draws")
    func randomTokens() throws {
        var seen = Set<String>()
        for _ in 0..<10_000 {
            let token = try SecureRandom.token()
            #expect(token.count == 43)
            seen.insert(token)
        }
        #expect(seen.count == 10_000)
    }

    @Test("hex decoding rejects odd lengths and non-hex digits")
    func hex() throws {
        #expect(try Hex.decode("00ffAB") == [0, 255, 171])
        #expect(throws: VaultError.self) { try Hex.decode("abc") }
        #expect(throws: VaultError.self) { try Hex.decode("zz") }
    }
}
