public import Credentials
public import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore
public import Postgres
public import Prometheus
public import Sensitive
public import Store

/// Where and how the HTTP server listens.
public struct ServerConfiguration: Sendable {
    /// The interface to bind (default loopback).
    public var host: String = "127.0.0.1"
    /// The port; 0 picks a free one (reported through `onServerRunning`).
    public var port: Int = 8080
    /// How long `/readyz` waits for the database before answering 503. Default 2 s.
    public var readinessTimeout: Duration = .seconds(2)
    /// Size caps and the header-read timeout.
    public var limits = RequestLimits()
    /// Per-key and per-address request rates.
    public var rateLimits = RateLimits.standard
    /// Where `/metrics` reads from and HTTP metrics go. `tether serve` bootstraps swift-metrics with the same
    /// registry, so sync and token-refresh counters appear beside them.
    public var metrics = PrometheusCollectorRegistry()

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}

/// What the connect and API routes need. Absent, the server serves health checks only (tests of the
/// HTTP layer alone).
public struct ConnectRoutesDependencies: Sendable {
    public var connect: ConnectService
    /// Each provider's webhook secret (`ZOOM_WEBHOOK_SECRET_TOKEN` for `zoom`).
    public var webhookSecrets: [String: Secret]
    /// Lets tenant webhook URLs reach loopback and private addresses (`TETHER_WEBHOOK_ALLOW_PRIVATE=1`).
    public var webhooksMayReachPrivateAddresses: Bool

    public init(connect: ConnectService, webhookSecrets: [String: Secret], webhooksMayReachPrivateAddresses: Bool = false) {
        self.connect = connect
        self.webhookSecrets = webhookSecrets
        self.webhooksMayReachPrivateAddresses = webhooksMayReachPrivateAddresses
    }
}

/// Builds Tether's HTTP application. The CLI runs it; tests run the same function on port 0.
/// - Parameters:
///   - readPool: the data API's read pool (a role that cannot read tokens, SECURITY.md T8); `pool` when nil.
///   - onServerRunning: called with the bound port once the server accepts connections.
public func buildApplication(
    configuration: ServerConfiguration,
    pool: PGPool,
    readPool: PGPool? = nil,
    migrator: Migrator,
    connect: ConnectRoutesDependencies? = nil,
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router(context: TetherRequestContext.self)
    router.add(middleware: AccessLogMiddleware())
    router.add(middleware: NoSniffMiddleware())
    router.add(middleware: HTTPMetricsMiddleware(registry: configuration.metrics))
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: RequestLimitsMiddleware(limits: configuration.limits))
    router.add(middleware: RateLimitMiddleware(configuration.rateLimits))
    HealthRoutes(migrator: migrator, readinessTimeout: configuration.readinessTimeout).register(on: router)
    OpenAPIRoute().register(on: router)
    MetricsRoutes(registry: configuration.metrics, runs: SyncRuns(pool: pool), queryTimeout: configuration.readinessTimeout).register(on: router)
    if let connect {
        let tenants = Tenants(pool: pool)
        let apiKeys = APIKeys(pool: pool)
        let auth = Authentication(apiKeys: apiKeys, tenants: tenants)
        TenantRoutes(auth: auth, tenants: tenants, apiKeys: apiKeys).register(on: router)
        ConnectionRoutes(auth: auth, connect: connect.connect, connections: Connections(pool: pool)).register(on: router)
        SyncRoutes(auth: auth, connections: Connections(pool: pool), runs: SyncRuns(pool: pool)).register(on: router)
        DataRoutes(auth: auth, data: SyncedData(pool: readPool ?? pool)).register(on: router)
        EventRoutes(
            auth: auth, events: Events(pool: pool), vault: connect.connect.vault,
            allowsPrivateAddresses: connect.webhooksMayReachPrivateAddresses
        ).register(on: router)
        ActionRoutes(
            auth: auth, registry: connect.connect.registry, connections: Connections(pool: pool), ledger: ActionLedger(pool: pool), apiKeys: apiKeys,
            vault: connect.connect.vault
        ).register(on: router)
        ConnectPages(connect: connect.connect).register(on: router)
        WebhookRoutes(connect: connect.connect, secrets: connect.webhookSecrets).register(on: router)
        let overview = OperatorOverview(pool: pool)
        ConsoleRoutes(
            auth: ConsoleAuthentication(sessions: ConsoleSessions(pool: pool), apiKeys: apiKeys, isSecure: connect.connect.configuration.isSecure),
            views: ConsoleViews(
                overview: overview, connections: Connections(pool: pool), runs: SyncRuns(pool: pool), apiKeys: apiKeys,
                ledger: ActionLedger(pool: pool), registry: connect.connect.registry),
            connect: connect.connect, tenants: tenants, connections: Connections(pool: pool), runs: SyncRuns(pool: pool), apiKeys: apiKeys
        ).register(on: router)
    }
    return Application(
        router: router,
        server: .http1(configuration: configuration.limits.channelConfiguration),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "tether",
            availableConnectionsDelegate: MaximumAvailableConnections(configuration.limits.maximumConnections, logger: logger)),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}
