import Foundation
import TestSupport
import Testing
import Vault

@Suite("Sealed values (vault v1 format)")
struct SealerTests {
    let ring = try! KeyRing(
        parsing: "old:\(Base64.encode([UInt8](repeating: 1, count: 32))),new:\(Base64.encode([UInt8](repeating: 2, count: 32)))", primaryID: "new")
    let context = SealContext(table: "connection_credentials", column: "refresh_token", tenantID: UUID(), connectionID: UUID())

    @Test("values of 0 bytes, 1 byte and 64 KiB open back; equal plaintexts seal differently", arguments: [0, 1, 65_536])
    func roundTrip(length: Int) throws {
        let sealer = Sealer(keyRing: ring)
        let plaintext = try SecureRandom.bytes(count: length)
        let a = try sealer.seal(plaintext, for: context)
        let b = try sealer.seal(plaintext, for: context)
        #expect(a != b)
        #expect(try sealer.open(a, for: context) == plaintext)
        #expect(try Sealer.keyID(of: a) == "new")
        #expect(a.count == 1 + 1 + 3 + 12 + length + 16)
    }

    @Test("a value moved to another tenant, connection, table or column does not open")
    func swapsFail() throws {
        let sealer = Sealer(keyRing: ring)
        let sealed = try sealer.seal("refresh-token-sentinel", for: context)
        var otherTenant = context
        otherTenant.tenantID = UUID()
        var otherConnection = context
        otherConnection.connectionID = UUID()
        var otherColumn = context
        otherColumn.column = "access_token"
        var otherTable = context
        otherTable.table = "oauth_tx"
        for moved in [otherTenant, otherConnection, otherColumn, otherTable] {
            let error = #expect(throws: VaultError.self) { try sealer.open(sealed, for: moved) }
            #expect(error?.code == .authenticationFailed)
        }
        #expect(try sealer.openString(sealed, for: context) == "refresh-token-sentinel")
        Figures.count("crypto.tampered_opens", 4)
    }

    @Test("flipping any single bit anywhere, header included, makes the value fail to open")
    func everyBitFlipFails() throws {
        let sealer = Sealer(keyRing: ring)
        let sealed = try sealer.seal(Array("token".utf8), for: context)
        for bit in 0..<(sealed.count * 8) {
            var tampered = sealed
            tampered[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(throws: VaultError.self) { try sealer.open(tampered, for: context) }
        }
        Figures.count("crypto.tampered_opens", sealed.count * 8)
    }

    @Test("short, empty or foreign-format inputs are errors, never crashes")
    func malformedInputs() {
        let sealer = Sealer(keyRing: ring)
        for input in [
            [], [1], [1, 3], [2, 3, 110, 101, 119] + [UInt8](repeating: 0, count: 40), [1, 0] + [UInt8](repeating: 0, count: 40),
            [1, 40] + [UInt8](repeating: 65, count: 40), [UInt8](repeating: 1, count: 32),
        ] as [[UInt8]] {
            #expect(throws: VaultError.self) { try sealer.open(input, for: context) }
        }
    }

    @Test("a value sealed with a key that left the ring names the key id; a rotated ring still opens old values")
    func rotation() throws {
        let oldOnly = try KeyRing(parsing: "old:\(Base64.encode([UInt8](repeating: 1, count: 32)))")
        let sealedOld = try Sealer(keyRing: oldOnly).seal("secret", for: context)
        let rotated = Sealer(keyRing: ring)
        #expect(try rotated.openString(sealedOld, for: context) == "secret")
        let resealed = try #require(try rotated.resealed(sealedOld, for: context))
        #expect(try Sealer.keyID(of: resealed) == "new")
        #expect(try rotated.resealed(resealed, for: context) == nil)
        let newOnly = Sealer(keyRing: try KeyRing(parsing: "new:\(Base64.encode([UInt8](repeating: 2, count: 32)))"))
        let error = #expect(throws: VaultError.self) { try newOnly.open(sealedOld, for: context) }
        #expect(error?.code == .invalidKeyRing)
        #expect(error?.description.contains("old") == true)
        #expect(try newOnly.openString(resealed, for: context) == "secret")
    }

    @Test("a value sealed under one key id does not open when its header is rewritten to name another key")
    func keyIDIsAuthenticated() throws {
        let same = [UInt8](repeating: 7, count: 32)
        let twins = try KeyRing(parsing: "aaa:\(Base64.encode(same)),bbb:\(Base64.encode(same))")
        let sealer = Sealer(keyRing: twins)
        var sealed = try sealer.seal("secret", for: context)
        sealed[2...4] = ArraySlice(Array("bbb".utf8))
        #expect(throws: VaultError.self) { try sealer.open(sealed, for: context) }
    }
}
