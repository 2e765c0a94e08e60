public import Foundation
public import Logging
public import Postgres
public import ServiceLifecycle
import Store

/// Runs ``Retention`` over every tenant once an hour, in every `serve` and `worker` process that does
/// background work (sweeps are idempotent, so several at once do no harm).
public struct RetentionSweeper: Service {
    let pool: PGPool
    /// How long finished runs, delivered events and old connect links are kept (`TETHER_RETENTION_DAYS`).
    let retention: Duration
    let interval: Duration
    let logger: Logger

    public init(pool: PGPool, retention: Duration, interval: Duration = .seconds(3_600), logger: Logger) {
        self.pool = pool
        self.retention = retention
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await sweep()
                try await Task.sleep(for: interval)
            }
        }
    }

    /// One pass over every tenant.
    public func sweep(now: Date = Date()) async {
        let cutoff = now.addingTimeInterval(-Double(retention.components.seconds))
        let retention = Retention(pool: pool)
        do {
            for tenantID in try await Tenants(pool: pool).allIDs() {
                do {
                    let swept = try await retention.sweep(tenantID: tenantID, olderThan: cutoff)
                    if swept != Retention.Swept() {
                        logger.info(
                            "retention sweep",
                            metadata: [
                                "tenant_id": "\(tenantID)", "abandoned_flows": "\(swept.abandonedFlows)",
                                "connect_sessions": "\(swept.connectSessions)", "sync_runs": "\(swept.syncRuns)", "events": "\(swept.events)",
                                "actions": "\(swept.actions)",
                            ])
                    }
                } catch {
                    logger.warning("retention sweep of a tenant failed", metadata: ["tenant_id": "\(tenantID)", "error": "\(error)"])
                }
            }
        } catch {
            logger.warning("could not list tenants for the retention sweep", metadata: ["error": "\(error)"])
        }
    }
}
