public import Credentials
public import EventDelivery
public import OAuth
public import Sensitive
public import Server
public import Store
public import Sync
public import Vault

/// Everything a Tether process is built from, typed and validated once: `tether serve`, `tether worker`
/// and the test harnesses fill one of these and hand it to ``TetherComponents``, so no two of them wire
/// the object graph differently.
public struct TetherConfiguration: Sendable {
    /// Where each provider lives and which app Tether itself registered there.
    public struct Providers: Sendable {
        /// Zoom's OAuth host (`ZOOM_OAUTH_BASE_URL`).
        public var zoomOAuthBaseURL = "https://zoom.us"
        /// Zoom's REST base (`ZOOM_API_BASE_URL`).
        public var zoomAPIBaseURL = "https://api.zoom.us/v2"
        /// Tether's own OAuth apps by provider (platform mode); a provider without one has platform mode off.
        public var platformApps: [String: ClientCredentials] = [:]
        /// Each provider's webhook secret (`ZOOM_WEBHOOK_SECRET_TOKEN` for `zoom`); without one, that
        /// provider's webhooks answer 503.
        public var webhookSecrets: [String: Secret] = [:]

        public init() {}
    }

    /// The runtime database (`DATABASE_URL`).
    public var databaseURL: Secret
    /// The data API's read role (`DATABASE_API_URL`); nil reads with ``databaseURL``.
    public var apiDatabaseURL: Secret?
    /// Connections in the process's pool.
    public var databaseConnections = 10
    /// The vault's key ring.
    public var keyRing: KeyRing
    /// The external base URL and the allowed return-URL origins.
    public var connect: ConnectConfiguration
    /// The providers Tether connects to.
    public var providers = Providers()
    /// The migrations this binary expects; `/readyz` answers 503 until the database has them all.
    public var migrations: [Migration] = []
    /// The HTTP server; `nil` runs no server (`tether worker`).
    public var server: ServerConfiguration?
    /// The scheduler, sync workers and event deliverer; `nil` runs none (`tether serve --no-workers`).
    public var sync: SyncConfiguration?
    /// The event deliverer's retry schedule.
    public var eventDelivery = EventDeliveryConfiguration()
    /// How long finished sync runs, events no longer due and old connect links are kept
    /// (`TETHER_RETENTION_DAYS`); abandoned OAuth flows go an hour after they expire, whatever this says.
    public var retention: Duration = .seconds(90 * 86_400)
    /// What the operator should hear at start (an unverified database connection, say).
    public var startupWarnings: [String] = []

    public init(databaseURL: Secret, keyRing: KeyRing, connect: ConnectConfiguration) {
        self.databaseURL = databaseURL
        self.keyRing = keyRing
        self.connect = connect
    }
}
