/// An error from the PostgreSQL wrapper.
///
/// Like postgres-nio's `PSQLError`, the `description` is deliberately terse: it names the kind of failure,
/// the SQLSTATE and the constraint, never bind values, the server's message text (which can quote a value,
/// as in `invalid input syntax for type uuid: "…"`) or the connection string. The detail lives in
/// `debugDescription` for local debugging only.
public struct PGError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The kind of failure, comparable with `==`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case connectionFailed = "connection_failed"
            case connectionLost = "connection_lost"
            case server = "server_error"
            case poolTimeout = "pool_timeout"
            case poolClosed = "pool_closed"
            case cancelled = "cancelled"
            case decoding = "decoding_failed"
            case invalidQuery = "invalid_query"
            case copyFailed = "copy_failed"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The server could not be reached or refused the login.
        public static let connectionFailed = Code(.connectionFailed)
        /// The connection broke while a statement was running (server restart, network failure).
        public static let connectionLost = Code(.connectionLost)
        /// The server answered with an error; ``PGError/sqlState`` says which.
        public static let server = Code(.server)
        /// No connection became free within the pool's acquire timeout.
        public static let poolTimeout = Code(.poolTimeout)
        /// The pool has been shut down.
        public static let poolClosed = Code(.poolClosed)
        /// The statement was cancelled because the calling task was cancelled.
        public static let cancelled = Code(.cancelled)
        /// A column could not be decoded into the requested Swift type.
        public static let decoding = Code(.decoding)
        /// The query itself is malformed before it reaches the server (e.g. a NUL byte in a bind).
        public static let invalidQuery = Code(.invalidQuery)
        /// A COPY stream failed.
        public static let copyFailed = Code(.copyFailed)

        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// The five-character SQLSTATE the server reported, when it reported one.
    public let sqlState: String?
    /// The constraint the server named (for unique and foreign-key violations), safe to show.
    public let constraint: String?
    /// A safe summary: written by this module, never containing values.
    public let summary: String
    /// The server's primary message and detail; may quote values, so it appears only in `debugDescription`.
    public let serverMessage: String?

    /// Creates an error. `summary` must not contain values or secrets.
    public init(_ code: Code, summary: String, sqlState: String? = nil, constraint: String? = nil, serverMessage: String? = nil) {
        self.code = code
        self.summary = summary
        self.sqlState = sqlState
        self.constraint = constraint
        self.serverMessage = serverMessage
    }

    /// SQLSTATE 23505: a unique constraint rejected the row.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// SQLSTATE 40001: a serializable transaction must be retried.
    public var isSerializationFailure: Bool { sqlState == "40001" }
    /// SQLSTATE 40P01: the server broke a deadlock by aborting this transaction.
    public var isDeadlock: Bool { sqlState == "40P01" }
    /// SQLSTATE 23503: a foreign key rejected the row.
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    /// The connection is gone: the statement may or may not have run, and the connection cannot be reused.
    public var isConnectionLost: Bool {
        code == .connectionLost || code == .connectionFailed || (sqlState?.hasPrefix("08") ?? false)
            || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03"
    }

    /// The database could not be reached, or every connection was busy for the pool's whole wait: the same
    /// work may well succeed shortly, so callers answer 503 or try again rather than fail for good.
    public var isDatabaseUnavailable: Bool { isConnectionLost || code == .poolTimeout }

    public var description: String {
        var text = "PGError(\(code)"
        if let sqlState { text += ", sqlstate: \(sqlState)" }
        if let constraint { text += ", constraint: \(constraint)" }
        return text + "): \(summary)"
    }

    public var debugDescription: String {
        description + (serverMessage.map { " [server: \($0)]" } ?? "")
    }
}
