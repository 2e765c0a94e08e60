import Testing
import Vault

@Suite("Key ring")
struct KeyRingTests {
    let keyA = Base64.encode([UInt8](repeating: 7, count: 32))
    let keyB = Base64.encode([UInt8](repeating: 9, count: 32))

    @Test("parses id:base64 entries; the first key is primary unless another is named")
    func parsesEntries() throws {
        let ring = try KeyRing(parsing: "k1:\(keyA), k2:\(keyB)")
        #expect(ring.ids == ["k1", "k2"])
        #expect(ring.primaryID == "k1")
        #expect(ring.key(id: "k2")?.unsafeBytes == [UInt8](repeating: 9, count: 32))
        #expect(try KeyRing(parsing: "k1:\(keyA),k2:\(keyB)", primaryID: "k2").primaryID == "k2")
    }

    @Test(
        "malformed rings are refused with a reason that never contains key material",
        arguments: [
            ("", "not of the form"),
            ("k1", "not of the form"),
            ("bad id!:AAAA", "does not match"),
            ("k1:not-base64!!", "not valid base64"),
            ("k1:\(Base64.encode([UInt8](repeating: 1, count: 16)))", "32 bytes"),
        ])
    func refusesMalformedRings(definition: String, reason: String) {
        let error = #expect(throws: VaultError.self) { try KeyRing(parsing: definition) }
        #expect(error?.code == .invalidKeyRing)
        #expect(error?.reason.contains(reason) == true)
        if let colon = definition.firstIndex(of: ":") {
            let material = String(definition[definition.index(after: colon)...])
            #expect(material.count < 4 || error?.description.contains(material) == false)
        }
    }

    @Test("a repeated id or an unknown primary is refused")
    func refusesInconsistentRings() {
        #expect(throws: VaultError.self) { try KeyRing(parsing: "k1:\(keyA),k1:\(keyB)") }
        #expect(throws: VaultError.self) { try KeyRing(parsing: "k1:\(keyA)", primaryID: "k9") }
    }

    @Test("keys and rings print no key bytes")
    func redaction() throws {
        let ring = try KeyRing(parsing: "k1:\(keyA)")
        for text in ["\(ring)", "\(ring.primaryKey)", String(reflecting: ring.primaryKey)] {
            #expect(!text.contains(keyA))
            #expect(!text.contains("7, 7"))
        }
        #expect(KeyRing.entry(id: "k1", key: ring.primaryKey) == "k1:\(keyA)")
    }
}
