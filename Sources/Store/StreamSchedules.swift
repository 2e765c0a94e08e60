public import Foundation
public import Postgres

/// When each stream of each connection syncs next, and where windowed streams stand.
public struct StreamSchedules: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// Queues a scheduled run for every connection of `tenantID` that is active, enabled, has no run in
    /// flight and has permitted streams whose time has come. Returns the runs queued.
    @discardableResult
    public func enqueueDue(tenantID: UUID) async throws -> [UUID] {
        try await pool.withTenant(tenantID) { connection in
            let due = try connection.query(
                """
                SELECT c.id, array_agg(s.name ORDER BY s.name)
                FROM connections c JOIN connection_streams s ON s.tenant_id = c.tenant_id AND s.connection_id = c.id
                WHERE c.tenant_id = \(tenantID) AND c.status = 'active' AND c.enabled AND s.permitted
                  AND (s.next_sync_at IS NULL OR s.next_sync_at <= now())
                  AND NOT EXISTS (
                    SELECT 1 FROM sync_runs r
                    WHERE r.tenant_id = c.tenant_id AND r.connection_id = c.id AND r.status IN ('queued', 'running'))
                GROUP BY c.id
                """
            ).map { try $0.decode((UUID, [String]).self) }
            return try due.map { connectionID, streams in
                try SyncRuns.enqueue(
                    connection, tenantID: tenantID, connectionID: connectionID, streams: streams, trigger: .schedule, maxAttempts: 5
                ).id
            }
        }
    }

    /// Records how a stream's run ended and when it is due next (`interval_seconds`, else `defaultInterval`).
    public static func recordOutcome(
        _ connection: PGConnection, tenantID: UUID, connectionID: UUID, stream: String, status: StreamStatus, error: String?, defaultInterval: Int
    ) throws {
        try connection.execute(
            """
            UPDATE connection_streams SET state = \(status), last_status = \(status), last_error = \(error), last_run_at = now(),
                next_sync_at = now() + make_interval(secs => coalesce(interval_seconds, \(defaultInterval)))
            WHERE tenant_id = \(tenantID) AND connection_id = \(connectionID) AND name = \(stream)
            """)
    }

    /// Moves a windowed stream's watermark to `day` (`yyyy-mm-dd`), the last day now fetched completely.
    public static func advanceWatermark(_ connection: PGConnection, tenantID: UUID, connectionID: UUID, stream: String, day: String) throws {
        try connection.execute(
            """
            UPDATE connection_streams SET watermark = \(day)::date
            WHERE tenant_id = \(tenantID) AND connection_id = \(connectionID) AND name = \(stream)
            """)
    }
}
