public import Foundation
public import Postgres
import Store

/// A writer frozen between two statements of its transaction, the way a stopped or swapped-out worker
/// leaves one: it holds `tenant`'s change order of `tables` and of its events, then idles for `idle`.
/// - Parameters:
///   - transactionIdle: the transaction's idle timeout; `nil` takes the pool's.
///   - held: yields once the lock is held; finishes without yielding if the writer failed before it held it
///     (so a test waiting for the lock never waits forever).
/// - Returns: the writer's task; its error is what the frozen transaction met when it woke up.
public func freezeWriter(
    _ pool: PGPool, tenant: UUID, tables: [String] = ["groups", "users"], idle: Duration, transactionIdle: Duration? = nil,
    held: AsyncStream<Void>.Continuation
) -> Task<Void, any Error> {
    Task {
        defer { held.finish() }
        try await pool.withLease { lease in
            try await lease.withTransaction(PGTransactionOptions(idleTimeout: transactionIdle)) { lease in
                try await lease.run { sql in
                    try sql.scope(to: tenant)
                    for table in tables { try sql.orderChanges(of: tenant, in: table) }
                    // What migration 0006's record_event takes before it appends an event.
                    try sql.execute("SELECT pg_advisory_xact_lock(1415922536, hashtext(\(tenant.uuidString.lowercased())))")
                }
                held.yield()
                try await Task.sleep(for: idle)
                try await lease.run { sql in _ = try sql.execute("SELECT 1") }
            }
        }
    }
}
