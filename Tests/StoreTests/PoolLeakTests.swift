import Foundation
import Postgres
import Store
import TestSupport
import Testing

/// SECURITY.md T6: the tenant is set per transaction, so a pooled connection never carries one tenant's
/// scope into the next transaction, whether that transaction committed, threw, or hit an SQL error.
@Suite("Tenant scope never leaks through the pool (T6)", .enabled(if: TestDatabase.isAvailableOrRequired))
struct PoolLeakTests {
    struct Injected: Error {}

    @Test(
        "10,000 interleaved transactions for random tenants over 2 connections, 5% failing midway: no setting left behind, no other tenant's row seen"
    )
    func interleavedTransactions() async throws {
        // Eight workers share two connections on purpose; while the whole suite loads the machine a wait can pass
        // 10 s, and this test is about what a connection carries, not how soon one is free.
        try await TestDatabase.withMigratedDatabase(maximumConnections: 2, acquireTimeout: .seconds(120)) { app, owner, _ in
            var tenants: [UUID] = []
            for index in 0..<5 {
                let tenant = try await Tenants(pool: app).create(slug: "t\(index)", name: "T\(index)").id
                try await owner.withConnection { sql in
                    let connection = UUID()
                    try sql.execute(
                        """
                        INSERT INTO connections (tenant_id, id, provider, mode, status, external_account_id, client_id)
                        VALUES (\(tenant), \(connection), 'zoom', 'server_to_server', 'active', \(connection.uuidString), 'client')
                        """)
                    try sql.execute(
                        """
                        INSERT INTO groups (tenant_id, connection_id, remote_id, name, raw, content_hash)
                        SELECT \(tenant), \(connection), 'g' || i, 'Group ' || i, '{}', '\\x00' FROM generate_series(1, 3) i
                        """)
                }
                tenants.append(tenant)
            }
            let known = tenants
            let perWorker = TestScale.cases(10_000) / 8
            let outcomes = try await withThrowingTaskGroup(of: (leaks: Int, foreign: Int, failed: Int).self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        var (leaks, foreign, failed) = (0, 0, 0)
                        for _ in 0..<perWorker {
                            let tenant = known.randomElement()!
                            let failure = Int.random(in: 0..<40)  // 0: throw from Swift, 1: an SQL error, midway
                            do {
                                let seen = try await app.withTenant(tenant) { sql -> Set<UUID> in
                                    let seen = Set(try sql.query("SELECT tenant_id FROM groups").map { try $0.decode(UUID.self, at: 0) })
                                    if failure == 0 { throw Injected() }
                                    if failure == 1 { try sql.execute("SELECT 1 / 0") }
                                    return seen
                                }
                                if seen != [tenant] { foreign += 1 }
                            } catch is Injected {
                                failed += 1
                            } catch let error as PGError where error.sqlState == "22012" {
                                failed += 1
                            }
                            let left = try await app.withConnection { sql in
                                try sql.query("SELECT coalesce(current_setting('app.tenant_id', true), '')")[0].decode(String.self, at: 0)
                            }
                            if !left.isEmpty { leaks += 1 }
                        }
                        return (leaks, foreign, failed)
                    }
                }
                return try await group.reduce(into: [(leaks: Int, foreign: Int, failed: Int)]()) { $0.append($1) }
            }
            #expect(outcomes.map(\.leaks).reduce(0, +) == 0, "a transaction's tenant outlived it")
            #expect(outcomes.map(\.foreign).reduce(0, +) == 0, "a transaction saw another tenant's rows")
            let failed = outcomes.map(\.failed).reduce(0, +)
            let expected = Double(perWorker * 8) / 20
            #expect(Double(failed) > expected / 2 && Double(failed) < expected * 1.5, "about 5% of the transactions failed midway: \(failed)")
            Figures.record("rls.pool_leak_transactions", perWorker * 8)
            Figures.record("rls.pool_leaks", outcomes.map(\.leaks).reduce(0, +) + outcomes.map(\.foreign).reduce(0, +))
        }
    }
}
