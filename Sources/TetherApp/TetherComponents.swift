public import Credentials
import EventDelivery
public import Hummingbird
public import Logging
public import Postgres
public import Server
public import ServiceLifecycle
import Store
public import Sync
public import Transport
public import Vault
import ZoomConnector

/// The object graph of one Tether process, built in one place from a ``TetherConfiguration``.
///
/// The pool and the outbound transport are given, not made here: a process makes its own (see
/// ``TetherApp/build(_:logger:onServerRunning:)``), tests hand in a migrated test database and the
/// loopback client. Everything above them (vault, connectors, connect flows, token lifecycle, sync,
/// events, HTTP routes) comes from here alone.
public struct TetherComponents: Sendable {
    public let configuration: TetherConfiguration
    public let pool: PGPool
    /// The data API's read pool (`DATABASE_API_URL`), when there is one: a role that cannot read tokens.
    public let apiPool: PGPool?
    /// Outbound HTTP for token endpoints and provider APIs.
    public let http: any HTTPTransport
    /// Outbound HTTP for tenants' webhooks: a pool of its own, so a slow or hostile endpoint cannot hold the
    /// threads that OAuth, refreshes and syncs need.
    public let deliveryHTTP: any HTTPTransport
    public let vault: CredentialVault
    /// What ``vault`` seals, per key, until ``VaultKeyUsageRecorder`` records it.
    public let sealTally = SealTally()
    public let registry: ConnectorRegistry
    public let connect: ConnectService
    public let tokens: TokenProvider
    public let logger: Logger

    /// Builds the graph over `pool` and `http` (and `deliveryHTTP` for webhooks; `http` when not given).
    public init(
        configuration: TetherConfiguration, pool: PGPool, apiPool: PGPool? = nil, http: any HTTPTransport,
        deliveryHTTP: (any HTTPTransport)? = nil, logger: Logger
    ) {
        self.configuration = configuration
        self.pool = pool
        self.apiPool = apiPool
        self.http = http
        self.deliveryHTTP = deliveryHTTP ?? http
        self.logger = logger
        vault = CredentialVault(keyRing: configuration.keyRing, tally: sealTally)
        let zoom = ZoomConnector(
            configuration: .init(oauthBaseURL: configuration.providers.zoomOAuthBaseURL, apiBaseURL: configuration.providers.zoomAPIBaseURL),
            http: http)
        registry = ConnectorRegistry([zoom], platformApps: configuration.providers.platformApps)
        connect = ConnectService(pool: pool, vault: vault, registry: registry, http: http, configuration: configuration.connect, logger: logger)
        tokens = TokenProvider(connections: Connections(pool: pool), vault: vault, registry: registry, http: http, logger: logger)
    }

    /// What the scheduler and workers share, with `sync` (the configuration's by default).
    public func syncDependencies(_ sync: SyncConfiguration? = nil) -> SyncDependencies {
        SyncDependencies(
            pool: pool, registry: registry, tokens: tokens, http: http, configuration: sync ?? configuration.sync ?? SyncConfiguration(),
            logger: logger)
    }

    /// The HTTP application with every route, listening as `server` says.
    /// - Parameter onServerRunning: called with the bound port once the server accepts connections.
    public func httpServer(
        _ server: ServerConfiguration, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        buildApplication(
            configuration: server, pool: pool, readPool: apiPool,
            migrator: Migrator(pool: pool, migrations: configuration.migrations, logger: logger),
            connect: ConnectRoutesDependencies(
                connect: connect, webhookSecrets: configuration.providers.webhookSecrets,
                webhooksMayReachPrivateAddresses: configuration.eventDelivery.allowsPrivateAddresses),
            logger: logger, onServerRunning: onServerRunning)
    }

    /// The scheduler, one sync worker, the action worker, the event deliverer and the retention sweep: the
    /// background work of a process.
    public func backgroundServices(_ sync: SyncConfiguration) -> [any Service] {
        let dependencies = syncDependencies(sync)
        return [
            SyncScheduler(dependencies: dependencies), SyncWorker(dependencies: dependencies), ActionWorker(dependencies: dependencies),
            EventDeliverer(pool: pool, vault: vault, http: deliveryHTTP, configuration: configuration.eventDelivery, logger: logger),
            RetentionSweeper(pool: pool, retention: configuration.retention, logger: logger),
        ]
    }

    /// Every long-lived service the configuration asks for, in dependency order (shutdown runs in reverse):
    /// the vault's usage recorder, the HTTP server and token refresher when there is a server, then the
    /// background work when there is a sync configuration. The pool and the transport are their owner's to run.
    public func services(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> [any Service] {
        var services: [any Service] = [VaultKeyUsageRecorder(tally: sealTally, pool: pool, logger: logger)]
        if let server = configuration.server {
            services += [httpServer(server, onServerRunning: onServerRunning), TokenRefresher(tokens: tokens, pool: pool, logger: logger)]
        }
        if let sync = configuration.sync { services += backgroundServices(sync) }
        return services
    }
}
