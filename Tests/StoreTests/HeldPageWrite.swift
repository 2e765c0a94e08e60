import Connectors
import Dispatch
import Foundation
import Postgres
import Store

/// A page write whose transaction stays open once the page is written, until ``release()`` (30 s at
/// most): what another writer, a reader or a deletion does meanwhile is what a test looks at.
struct HeldPageWrite: Sendable {
    private let task: Task<(counts: PageCounts, released: Bool), any Error>
    private let gate: DispatchSemaphore

    /// Starts the write and returns once its page is written (or the write failed).
    static func start(_ app: PGPool, tenant: UUID, connection: UUID, table: RecordTable, rows: [RecordRow]) async -> HeldPageWrite {
        let (written, signal) = AsyncStream.makeStream(of: Void.self)
        let gate = DispatchSemaphore(value: 0)
        let task = Task { () async throws -> (counts: PageCounts, released: Bool) in
            defer { signal.finish() }
            // Longer than the pool's 10 s idle limit allows, when a loaded machine (ThreadSanitizer) delays
            // the rest of the test.
            return try await app.withTenant(tenant, PGTransactionOptions(idleTimeout: .seconds(60))) { sql in
                let counts = try SyncedRecords.writePage(sql, tenantID: tenant, connectionID: connection, table: table, rows: rows, seen: nil)
                signal.yield()
                return (counts, gate.wait(timeout: .now() + 30) == .success)
            }
        }
        var iterator = written.makeAsyncIterator()
        _ = await iterator.next()
        return HeldPageWrite(task: task, gate: gate)
    }

    func release() { gate.signal() }

    /// The page's counts once committed, and whether the test released it (rather than its 30 s running out).
    var committed: (counts: PageCounts, released: Bool) {
        get async throws { try await task.value }
    }
}
