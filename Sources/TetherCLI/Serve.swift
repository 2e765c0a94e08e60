import ArgumentParser
import CoreMetrics
import Credentials
import CurlHTTP
import EventDelivery
import Foundation
import Hummingbird
import Logging
import Postgres
import Prometheus
import Server
import ServiceLifecycle
import Store
import Sync
import TetherSettings
import UnixSignals

/// `tether serve`: the HTTP server, the background token refresher, the sync scheduler and workers and the
/// database pool, in one `ServiceGroup` that drains on SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP server, the sync scheduler and sync workers.")

    @Option(help: "Database connections in the pool.")
    var databaseConnections = 10

    @Flag(help: "Serve HTTP only; leave syncing to `tether worker` processes.")
    var noWorkers = false

    @Option(help: "Sync runs this process works on at once.")
    var syncConcurrency = 4

    func run() async throws {
        let settings = try Runtime.loadSettings()
        let keyRing = try settings.requireKeyRing()
        let logger = Runtime.makeLogger(settings)
        let migrations = try Migration.load(from: URL(fileURLWithPath: settings.migrationsDirectory))
        let pool = Runtime.makePool(settings.databaseURL, maximumConnections: databaseConnections, logger: logger)
        do {
            try await RuntimeRole.check(pool, logger: logger)
        } catch {
            await pool.close()
            throw error
        }
        let migrator = Migrator(pool: pool, migrations: migrations, logger: logger)
        if !((try? await migrator.isCurrent()) ?? false) {
            logger.warning("the database has pending migrations; /readyz answers 503 until `tether migrate up` runs")
        }
        let http = CurlHTTPClient()
        let vault = CredentialVault(keyRing: keyRing)
        let registry = Runtime.makeRegistry(settings, http: http)
        let connect = ConnectService(
            pool: pool, vault: vault, registry: registry, http: http,
            configuration: ConnectConfiguration(publicURL: settings.publicURL, returnURLOrigins: settings.returnURLOrigins), logger: logger)
        let tokens = TokenProvider(connections: Connections(pool: pool), vault: vault, registry: registry, http: http, logger: logger)
        var serverConfiguration = ServerConfiguration(host: settings.listenHost, port: settings.listenPort)
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: serverConfiguration.metrics))
        serverConfiguration.rateLimits = RateLimits(
            perAPIKey: settings.apiRateLimit.map { RateLimit(perSecond: $0.perSecond, burst: $0.burst) },
            perAddress: settings.browserRateLimit.map { RateLimit(perSecond: $0.perSecond, burst: $0.burst) })
        let app = buildApplication(
            configuration: serverConfiguration,
            pool: pool, migrator: migrator,
            connect: ConnectRoutesDependencies(
                connect: connect, webhookSecrets: settings.zoomWebhookSecretToken.map { ["zoom": $0] } ?? [:]),
            logger: logger,
            onServerRunning: { port in logger.info("listening", metadata: ["address": "\(settings.listenHost):\(port)"]) })
        let refresher = TokenRefresher(tokens: tokens, pool: pool, logger: logger)
        var services: [any Service] = [pool, http, app, refresher]
        if !noWorkers {
            var sync = SyncConfiguration()
            sync.concurrency = syncConcurrency
            let dependencies = SyncDependencies(pool: pool, registry: registry, tokens: tokens, http: http, configuration: sync, logger: logger)
            services += [
                SyncScheduler(dependencies: dependencies), SyncWorker(dependencies: dependencies),
                EventDeliverer(pool: pool, vault: vault, http: http, logger: logger),
            ]
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// The runtime database role must be subject to row-level security: a superuser or a BYPASSRLS role
/// would silently see every tenant's rows, so Tether refuses to serve with one. A role that owns tables is
/// still confined (every tenant table forces RLS, DESIGN §5) but could lift that, so it gets a warning.
enum RuntimeRole {
    static func check(_ pool: PGPool, logger: Logger) async throws {
        let (user, superuser, bypassesRLS, owned) = try await pool.withConnection { connection in
            try connection.query("""
                SELECT current_user::text, rolsuper, rolbypassrls,
                       (SELECT count(*) FROM pg_class WHERE relowner = r.oid AND relkind = 'r' AND relnamespace = 'public'::regnamespace)
                FROM pg_roles r WHERE rolname = current_user
                """)[0].decode((String, Bool, Bool, Int).self)
        }
        if owned > 0, !superuser {
            logger.warning(
                "DATABASE_URL's role owns Tether's tables: row-level security still applies, but the role could turn it off; use a separate DATABASE_MIGRATION_URL role",
                metadata: ["role": "\(user)", "tables": "\(owned)"])
        }
        if superuser || bypassesRLS {
            throw ValidationError(
                "DATABASE_URL: role \(user) is \(superuser ? "a superuser" : "BYPASSRLS"); row-level security would not apply. "
                    + "Use a role without SUPERUSER and BYPASSRLS (scripts/run creates one).")
        }
    }
}
