import Logging
import NIOConcurrencyHelpers
public import ServiceLifecycle
import Store

/// Queues scheduled runs: every ``SyncConfiguration/scheduleInterval`` it looks at each tenant's
/// connections and queues one run per connection with the streams whose interval has passed. Several
/// schedulers may run at once; the one-active-run-per-connection index keeps them from queuing twice.
public final class SyncScheduler: Service, Sendable {
    let dependencies: SyncDependencies

    public init(dependencies: SyncDependencies) { self.dependencies = dependencies }

    public func run() async throws {
        let interval = dependencies.configuration.scheduleInterval
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.tick()
                try await Task.sleep(for: interval)
            }
        }
    }

    /// One pass over every tenant. Returns the number of runs queued.
    @discardableResult
    public func tick() async -> Int {
        let schedules = StreamSchedules(pool: dependencies.pool)
        var queued = 0
        do {
            for tenantID in try await Tenants(pool: dependencies.pool).allIDs() {
                do {
                    queued += try await schedules.enqueueDue(tenantID: tenantID).count
                } catch {
                    dependencies.logger.warning("could not schedule a tenant's syncs", metadata: ["tenant_id": "\(tenantID)", "error": "\(error)"])
                }
            }
        } catch {
            dependencies.logger.warning("could not list tenants to schedule syncs", metadata: ["error": "\(error)"])
        }
        return queued
    }
}
