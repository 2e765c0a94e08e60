import Connectors
import Credentials
import Foundation
import Logging
import NIOConcurrencyHelpers
public import ServiceLifecycle
import Store

/// Queues scheduled runs: every ``SyncConfiguration/scheduleInterval`` it looks at each tenant's
/// connections and queues one run per connection with the streams whose interval has passed. Several
/// schedulers may run at once; the one-active-run-per-connection index keeps them from queuing twice.
/// First it brings each connection's streams up to its connector's catalogue, so a stream added in a
/// release reaches connections authorized before it (permitted or not by the scopes they were granted).
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
                    try await adoptCatalogues(tenantID: tenantID)
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

    /// Gives every connection of `tenantID` exactly its connector's streams.
    func adoptCatalogues(tenantID: UUID) async throws {
        let connections = Connections(pool: dependencies.pool)
        for provider in dependencies.registry.providers {
            guard let connector = dependencies.registry.connector(provider) else { continue }
            let catalogue = connector.streams.map(\.name)
            for drifted in try await connections.streamCatalogueDrift(tenantID: tenantID, provider: provider, catalogue: catalogue) {
                let granted = Set(drifted.grantedScopes)
                let streams = connector.streams.map { stream in
                    StreamState(
                        name: stream.name, permitted: stream.isPermitted(granted: granted), missingScopes: stream.missingScopes(granted: granted))
                }
                try await connections.adoptStreams(tenantID: tenantID, connectionID: drifted.id, streams)
                dependencies.logger.info(
                    "a connection's streams follow its connector's catalogue",
                    metadata: ["tenant_id": "\(tenantID)", "connection_id": "\(drifted.id)"])
            }
        }
    }
}
