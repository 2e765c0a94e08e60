import Foundation
import Postgres
import Sensitive
import Store
import TestSupport
import Testing

/// A process frozen inside a transaction (stopped, swapped out, stuck in a C call) must not hold its
/// tenant's locks for as long as it stays frozen, and reads that wait on those locks must give up in time
/// (issue 18, finding 8: the zombie fault's open finding).
@Suite("Transaction timeouts", .enabled(if: TestDatabase.isAvailableOrRequired))
struct TransactionTimeoutTests {
    static func pool(_ url: String, idleTimeout: Duration?) -> PGPool {
        var configuration = PGPool.Configuration(connectionString: Secret(url))
        configuration.transactionIdleTimeout = idleTimeout
        return PGPool(configuration: configuration, logger: TestDatabase.logger)
    }

    @Test("a writer frozen inside its transaction loses it after the idle timeout, and its tenant's change order is free again")
    func frozenWriterReleasesTheLock() async throws {
        try await TestDatabase.withMigratedDatabase { app, _, ownerURL in
            let tenant = try await Tenants(pool: app).create(slug: "frozen", name: "Frozen").id
            // Long enough that a loaded machine gets from BEGIN to the lock well within it (under ThreadSanitizer,
            // with the whole suite on two cores, 8 s was not).
            let frozenPool = Self.pool(TestDatabase.asRole(ownerURL, TestDatabase.appRole), idleTimeout: TestScale.bound(.seconds(8)))
            defer { Task { await frozenPool.close() } }
            let (held, signal) = AsyncStream.makeStream(of: Void.self)
            let frozen = freezeWriter(frozenPool, tenant: tenant, idle: TestScale.bound(.seconds(120)), held: signal)
            defer { frozen.cancel() }
            var iterator = held.makeAsyncIterator()
            try #require(await iterator.next() != nil, "the writer never held the lock")

            let started = ContinuousClock.now
            try await app.withTenant(tenant) { sql in try sql.orderChanges(of: tenant, in: "users") }
            let waited = ContinuousClock.now - started
            // Without the idle timeout the next writer waits for the frozen one's two minutes (six under ThreadSanitizer).
            #expect(waited < TestScale.bound(.seconds(60)), "the next writer waited \(waited)")
            frozen.cancel()
            await #expect(throws: (any Error).self, "the frozen transaction cannot commit after it was ended") { try await frozen.value }
        }
    }

    @Test("a data-API read waiting for a tenant's writer gives up after its lock timeout, as a database timeout")
    func readGivesUpWaiting() async throws {
        try await TestDatabase.withMigratedDatabase { app, _, _ in
            let tenant = try await Tenants(pool: app).create(slug: "busy", name: "Busy").id
            let (held, signal) = AsyncStream.makeStream(of: Void.self)
            let writer = freezeWriter(app, tenant: tenant, idle: .seconds(120), transactionIdle: .seconds(180), held: signal)
            defer { writer.cancel() }
            var iterator = held.makeAsyncIterator()
            try #require(await iterator.next() != nil, "the writer never held the lock")

            let started = ContinuousClock.now
            let error = await #expect(throws: (any Error).self) {
                _ = try await SyncedData(pool: app).list(tenantID: tenant, RecordListQuery(table: "users", columns: [ListedColumn("email", .plain)]))
            }
            let waited = ContinuousClock.now - started
            #expect(error.map(DatabaseFailure.isTimeout) == true, "\(String(describing: error))")
            #expect(!(error.map(DatabaseFailure.isUnavailable) ?? true), "a busy database is not an unreachable one")
            #expect(waited < .seconds(60), "the read waited \(waited) instead of giving up after 5 s")
        }
    }

    @Test("transaction settings are local: the next transaction on the same connection runs with the server's own")
    func settingsDoNotLeak() async throws {
        try await TestDatabase.withMigratedDatabase { _, _, ownerURL in
            let pool = Self.pool(TestDatabase.asRole(ownerURL, TestDatabase.appRole), idleTimeout: .seconds(7))
            defer { Task { await pool.close() } }
            let inside = try await pool.withTransaction(PGTransactionOptions(statementTimeout: .seconds(3), lockTimeout: .milliseconds(1500))) {
                sql in
                try ["idle_in_transaction_session_timeout", "statement_timeout", "lock_timeout"].map {
                    try sql.query(PGQuery(unsafeSQL: "SHOW \($0)"))[0].decode(String.self, at: 0)
                }
            }
            #expect(inside == ["7s", "3s", "1500ms"])
            let outside = try await pool.withConnection { sql in
                try ["statement_timeout", "lock_timeout"].map { try sql.query(PGQuery(unsafeSQL: "SHOW \($0)"))[0].decode(String.self, at: 0) }
            }
            #expect(outside == ["0", "0"])
        }
    }
}
