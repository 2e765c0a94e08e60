public import Foundation
public import Postgres

/// Deletes what Tether no longer needs (issue 18, finding 11): OAuth flows abandoned at the provider, whose
/// sealed PKCE verifier and custom-app secret would otherwise stay forever, and, past the retention period,
/// connect links, finished sync runs and actions, and events no longer due for delivery. Per tenant, so row-level
/// security applies as everywhere; safe to run from any number of processes at once.
public struct Retention: Sendable {
    /// What one sweep of a tenant deleted.
    public struct Swept: Sendable, Hashable {
        public var abandonedFlows = 0
        public var connectSessions = 0
        public var syncRuns = 0
        public var events = 0
        public var actions = 0

        public init() {}
    }

    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// Deletes `tenantID`'s abandoned flows (expired an hour ago and never completed) and everything
    /// older than `cutoff` that nothing waits on.
    public func sweep(tenantID: UUID, olderThan cutoff: Date) async throws -> Swept {
        try await pool.withTenant(tenantID) { connection in
            var swept = Swept()
            swept.abandonedFlows = try connection.execute(
                """
                DELETE FROM oauth_flows WHERE tenant_id = \(tenantID) AND consumed_at IS NULL AND expires_at < now() - interval '1 hour'
                """)
            swept.connectSessions = try connection.execute(
                "DELETE FROM connect_sessions WHERE tenant_id = \(tenantID) AND expires_at < \(cutoff)")
            swept.syncRuns = try connection.execute(
                """
                DELETE FROM sync_runs WHERE tenant_id = \(tenantID) AND finished_at < \(cutoff)
                  AND status IN (\(RunStatus.succeeded), \(RunStatus.partial), \(RunStatus.failed))
                """)
            swept.events = try connection.execute(
                "DELETE FROM events WHERE tenant_id = \(tenantID) AND created_at < \(cutoff) AND delivery_status <> \(DeliveryStatus.pending)")
            swept.actions = try connection.execute("DELETE FROM actions WHERE tenant_id = \(tenantID) AND finished_at < \(cutoff)")
            return swept
        }
    }
}
