public import Credentials
public import Logging
public import Postgres
public import Transport

/// What workers and the scheduler share in a process.
public struct SyncDependencies: Sendable {
    public let pool: PGPool
    public let registry: ConnectorRegistry
    public let tokens: TokenProvider
    public let http: any HTTPTransport
    /// Every run against a provider account, in every process, shares its pace through it.
    public let limiter: RateLimiter
    public let configuration: SyncConfiguration
    public let logger: Logger

    public init(
        pool: PGPool, registry: ConnectorRegistry, tokens: TokenProvider, http: any HTTPTransport, limiter: RateLimiter? = nil,
        configuration: SyncConfiguration, logger: Logger
    ) {
        self.pool = pool
        self.registry = registry
        self.tokens = tokens
        self.http = http
        self.limiter = limiter ?? RateLimiter(pool: pool)
        self.configuration = configuration
        self.logger = logger
    }
}
