public import Sensitive

extension PGPool {
    /// How the pool connects and how many connections it keeps.
    public struct Configuration: Sendable {
        /// A libpq URI (`postgresql://user@host:port/db?sslmode=…`) or `key=value` string. Empty means
        /// libpq's defaults and the standard `PG*` environment variables.
        public var connectionString: Secret
        /// The most connections open at once; also the number of threads libpq calls run on. Default 10.
        public var maximumConnections: Int = 10
        /// How long a caller waits for a free connection before ``PGError/Code/poolTimeout``. Default 10 s.
        public var acquireTimeout: Duration = .seconds(10)
        /// libpq's `connect_timeout` in seconds (libpq's minimum is 2), unless the connection string sets one.
        /// Default 5 s.
        public var connectTimeoutSeconds: Int = 5
        /// Reported to the server as `application_name`, visible in `pg_stat_activity`. Default `tether`.
        public var applicationName: String = "tether"
        /// How long any transaction of the pool may sit idle between statements before PostgreSQL ends it
        /// (unless its ``PGTransactionOptions`` say otherwise): a process frozen or stopped inside a
        /// transaction releases its row and advisory locks after this, instead of holding them until it
        /// resumes or dies. Default 10 s; `nil` keeps the server's setting.
        public var transactionIdleTimeout: Duration? = .seconds(10)

        /// A configuration with the defaults above.
        public init(connectionString: Secret) {
            self.connectionString = connectionString
        }
    }
}
