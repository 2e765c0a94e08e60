public import Foundation
public import Logging
public import Postgres
public import ServiceLifecycle
import Store

/// Keeps connections' tokens fresh in the background, so an idle connection does not lose its refresh
/// token (providers forget unused ones) and a sync never starts with an expired token. It visits each
/// tenant in turn, because row-level security shows one tenant per transaction.
public struct TokenRefresher: Service {
    let tokens: TokenProvider
    let tenants: Tenants
    let connections: Connections
    let logger: Logger
    /// Pause between passes.
    public var interval: Duration = .seconds(60)
    /// Refresh a connection that has not been refreshed for this long, even if its token is valid.
    public var idleAfter: TimeInterval = 7 * 24 * 3600

    public init(tokens: TokenProvider, pool: PGPool, logger: Logger) {
        self.tokens = tokens
        self.tenants = Tenants(pool: pool)
        self.connections = Connections(pool: pool)
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                _ = try await runOnce()
            } catch {
                logger.warning("token refresh pass failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
        }
    }

    /// One pass over every tenant: refreshes what expires before the next pass (plus the usual margin) or
    /// has been idle too long. Returns how many connections were refreshed.
    @discardableResult
    public func runOnce() async throws -> Int {
        let horizon = 300 + Double(interval.components.seconds)
        var refreshed = 0
        for tenant in try await tenants.allIDs() {
            for connection in try await connections.dueForRefresh(tenantID: tenant, expiringWithin: horizon, idleAfter: idleAfter) {
                do {
                    _ = try await tokens.refresh(tenantID: tenant, connectionID: connection, force: true)
                    refreshed += 1
                } catch {
                    logger.warning(
                        "background refresh failed", metadata: ["tenant": "\(tenant)", "connection": "\(connection)", "error": "\(error)"])
                }
            }
        }
        return refreshed
    }
}
