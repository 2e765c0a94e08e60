import CoreMetrics
public import CurlHTTP
public import EventDelivery
public import Logging
import Postgres
import Prometheus
import Server
public import ServiceLifecycle
import Store
import UnixSignals

/// Builds and runs a whole Tether process: the database pool, the libcurl transport and every service of
/// ``TetherComponents``, in one `ServiceGroup` that drains on SIGTERM and SIGINT.
public enum TetherApp {
    /// A process's services, ready to run.
    public struct Process: Sendable {
        public let components: TetherComponents
        /// The pool and transport first, so they outlive everything that uses them at shutdown.
        public let services: [any Service]
    }

    /// Opens the pool, refuses a runtime role that row-level security would not confine, warns about
    /// pending migrations, and assembles the services.
    /// - Throws: ``StartupError`` when the runtime role is a superuser or BYPASSRLS; the database's error
    ///   when it cannot be reached.
    public static func build(
        _ configuration: TetherConfiguration, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> Process {
        for warning in configuration.startupWarnings { logger.warning("\(warning)") }
        var poolConfiguration = PGPool.Configuration(connectionString: configuration.databaseURL)
        poolConfiguration.maximumConnections = configuration.databaseConnections
        let pool = PGPool(configuration: poolConfiguration, logger: logger)
        do {
            try await checkRuntimeRole(pool)
            if configuration.server != nil,
                !((try? await Migrator(pool: pool, migrations: configuration.migrations, logger: logger).isCurrent()) ?? false)
            {
                logger.warning("the database has pending migrations; /readyz answers 503 until `tether migrate up` runs")
            }
        } catch {
            await pool.close()
            throw error
        }
        var apiPool: PGPool?
        if let apiURL = configuration.apiDatabaseURL, configuration.server != nil {
            var apiConfiguration = PGPool.Configuration(connectionString: apiURL)
            apiConfiguration.maximumConnections = configuration.databaseConnections
            let readers = PGPool(configuration: apiConfiguration, logger: logger)
            do {
                try await checkAPIRole(readers)
            } catch {
                await readers.close()
                await pool.close()
                throw error
            }
            apiPool = readers
        }
        let http = CurlHTTPClient()
        let deliveryHTTP = CurlHTTPClient(configuration: deliveryClientConfiguration(configuration.eventDelivery))
        let components = TetherComponents(
            configuration: configuration, pool: pool, apiPool: apiPool, http: http, deliveryHTTP: deliveryHTTP, logger: logger)
        return Process(
            components: components,
            services: [pool] + (apiPool.map { [$0] } ?? []) + [http, deliveryHTTP] + components.services(onServerRunning: onServerRunning))
    }

    /// The webhook client's settings: its own threads and connections (a slow endpoint cannot delay OAuth,
    /// refreshes or syncs), public addresses only unless private ones are allowed for local development.
    public static func deliveryClientConfiguration(_ delivery: EventDeliveryConfiguration) -> CurlHTTPClient.Configuration {
        var client = CurlHTTPClient.Configuration()
        client.publicAddressesOnly = !delivery.allowsPrivateAddresses
        client.allowsPlainHTTPToLoopback = delivery.allowsPrivateAddresses
        return client
    }

    /// Builds the process and runs it until SIGTERM or SIGINT has drained it. With an HTTP server, the
    /// process's metrics go to the server's Prometheus registry, so `/metrics` shows sync and token-refresh
    /// counters beside the HTTP ones.
    public static func run(
        _ configuration: TetherConfiguration, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        if let server = configuration.server {
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: server.metrics))
        }
        let process = try await build(configuration, logger: logger, onServerRunning: onServerRunning)
        let group = ServiceGroup(
            configuration: .init(services: process.services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// The runtime role must be subject to row-level security (SECURITY.md T2): a superuser or a BYPASSRLS
    /// role would silently see every tenant's rows, and a role that owns Tether's tables could turn row-level
    /// security off with one statement. Any of these stops the process before it serves or works.
    static func checkRuntimeRole(_ pool: PGPool) async throws {
        let role = try await DatabaseRole.current(pool)
        if role.isSuperuser || role.bypassesRLS {
            throw StartupError(
                "DATABASE_URL: role \(role.name) is \(role.isSuperuser ? "a superuser" : "BYPASSRLS"); row-level security would not apply. "
                    + "Use a role without SUPERUSER and BYPASSRLS (scripts/run creates one).")
        }
        if role.ownedTables > 0 {
            throw StartupError(
                "DATABASE_URL: role \(role.name) owns \(role.ownedTables) of Tether's tables and could turn row-level security off. "
                    + "Run with a role that owns nothing (DATABASE_MIGRATION_URL's role owns the tables; scripts/run creates both).")
        }
    }
}

extension TetherApp {
    /// The data API's read role (`DATABASE_API_URL`) must be confined by row-level security like the runtime
    /// role, and must not be able to read a single token, secret or key hash (SECURITY.md T8):
    /// `tether sql-access grant ROLE` gives it exactly what it needs.
    static func checkAPIRole(_ pool: PGPool) async throws {
        let role = try await DatabaseRole.current(pool)
        if role.isSuperuser || role.bypassesRLS || role.ownedTables > 0 {
            throw StartupError("DATABASE_API_URL: role \(role.name) is not confined by row-level security (superuser, BYPASSRLS or table owner)")
        }
        let readable = try await DatabaseRole.readableSecretTables(pool)
        guard readable.isEmpty else {
            throw StartupError(
                "DATABASE_API_URL: role \(role.name) can read \(readable.joined(separator: ", ")); the data API's role must not read tokens or "
                    + "secrets. Give it only `tether sql-access grant \(role.name)`.")
        }
    }
}

/// A process that must not start, with the reason for the operator.
public struct StartupError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
