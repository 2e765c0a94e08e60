import Foundation
import Postgres

/// The queue's state across every tenant, for `/metrics`.
public struct QueueStatistics: Sendable, Hashable {
    /// Runs waiting whose time has come.
    public var due: Int
    /// Runs waiting, due or scheduled later (retries, rate-limit waits).
    public var queued: Int
    /// Runs a worker holds.
    public var running: Int
    /// Running runs whose lease has expired and that the reaper has not requeued yet.
    public var expiredLeases: Int
    /// How long the oldest due run has waited, in seconds (0 when none is due): the fairness signal.
    public var oldestDueSeconds: Double
}

extension SyncRuns {
    /// Counts the queue in one statement, waiting at most `timeout` for a connection and for the answer.
    public func statistics(timeout: Duration) async throws -> QueueStatistics {
        let milliseconds = Int(timeout / .milliseconds(1))
        return try await pool.withTransaction(timeout: timeout) { connection in
            try connection.execute("SELECT set_config('statement_timeout', \(String(milliseconds)), true)")
            try Self.asQueue(connection)
            let row = try connection.query(
                """
                SELECT count(*) FILTER (WHERE status = 'queued' AND run_at <= now()),
                       count(*) FILTER (WHERE status = 'queued'),
                       count(*) FILTER (WHERE status = 'running'),
                       count(*) FILTER (WHERE status = 'running' AND locked_until < now()),
                       coalesce(extract(epoch FROM now() - min(run_at) FILTER (WHERE status = 'queued' AND run_at <= now())), 0)::float8
                FROM sync_runs WHERE status IN ('queued', 'running')
                """)[0].decode((Int, Int, Int, Int, Double).self)
            return QueueStatistics(due: row.0, queued: row.1, running: row.2, expiredLeases: row.3, oldestDueSeconds: row.4)
        }
    }
}
