import Credentials
import Foundation
import Postgres
import TestSupport
import Testing
import Vault

/// `tether vault rotate` when a stored secret does not open (issue 18, finding 11).
@Suite("Key rotation past an unreadable row", .enabled(if: TestDatabase.isAvailableOrRequired))
struct KeyRotationFailureTests {
    @Test("a row that does not open is named and left as it is; every other row is still re-sealed, and a rerun ends")
    func unreadableRowIsSkipped() async throws {
        let k1 = try SymmetricKey.generate()
        try await withHarness(keyRing: try KeyRing(keys: [(id: "k1", key: k1)])) { h in
            var connections: [(tenant: UUID, connection: UUID)] = []
            for index in 0..<3 { connections.append(try await TokenLifecycleTests.connected(h, "tenant-\(index)", account: index)) }
            let broken = connections[1]
            // A refresh token that no key of the ring sealed (restored from elsewhere, or damaged).
            try await h.owner.withConnection { sql in
                _ = try sql.execute(
                    """
                    UPDATE connection_credentials SET refresh_token = \(Data(try SecureRandom.bytes(count: 80)))
                    WHERE tenant_id = \(broken.tenant) AND connection_id = \(broken.connection)
                    """)
            }
            let ring = try KeyRing(keys: [(id: "k1", key: k1), (id: "k2", key: try SymmetricKey.generate())], primaryID: "k2")
            let rotation = KeyRotation(pool: h.app, vault: CredentialVault(keyRing: ring), logger: TestDatabase.logger)
            let report = try await rotation.run(batchSize: 1)
            #expect(report.resealed == 2)
            #expect(report.failed == ["connection_credentials tenant \(broken.tenant) owner \(broken.connection)"])
            #expect(try await rotation.status() == ["k2": 2, "k1": 1])
            let again = try await rotation.run(batchSize: 1)
            #expect(again.resealed == 0 && again.failed.count == 1, "a rerun names the row again and re-seals nothing twice")
        }
    }
}
