internal import CLibPQ

/// How a transaction starts.
public struct PGTransactionOptions: Sendable {
    /// The SQL isolation level.
    public enum Isolation: String, Sendable {
        case readCommitted = "READ COMMITTED"
        case repeatableRead = "REPEATABLE READ"
        case serializable = "SERIALIZABLE"
    }

    /// Default `READ COMMITTED`.
    public var isolation: Isolation
    /// `READ ONLY` transactions can run on replicas and can never write. Default false.
    public var readOnly: Bool
    /// How long the transaction may sit idle between statements before PostgreSQL ends it and its session
    /// (`idle_in_transaction_session_timeout`): a client frozen inside a transaction then releases its
    /// locks. `nil` takes the pool's ``PGPool/Configuration/transactionIdleTimeout``.
    public var idleTimeout: Duration?
    /// The longest any statement of the transaction may run (`statement_timeout`); `nil` keeps the server's.
    public var statementTimeout: Duration?
    /// The longest a statement waits for a lock, advisory locks included (`lock_timeout`); `nil` keeps the
    /// server's.
    public var lockTimeout: Duration?

    /// Options for `BEGIN`.
    public init(
        isolation: Isolation = .readCommitted, readOnly: Bool = false, idleTimeout: Duration? = nil, statementTimeout: Duration? = nil,
        lockTimeout: Duration? = nil
    ) {
        self.isolation = isolation
        self.readOnly = readOnly
        self.idleTimeout = idleTimeout
        self.statementTimeout = statementTimeout
        self.lockTimeout = lockTimeout
    }

    /// `BEGIN` and the transaction-local settings, in one round trip. `SET LOCAL` ends with the transaction,
    /// so a pooled connection (or PgBouncer in transaction mode) never carries it into another.
    func beginScript(defaultIdleTimeout: Duration?) -> String {
        var script = "BEGIN ISOLATION LEVEL \(isolation.rawValue)\(readOnly ? " READ ONLY" : "")"
        for (setting, value) in [
            ("idle_in_transaction_session_timeout", idleTimeout ?? defaultIdleTimeout), ("statement_timeout", statementTimeout),
            ("lock_timeout", lockTimeout),
        ] {
            if let value { script += "; SET LOCAL \(setting) = \(Self.milliseconds(value))" }
        }
        return script
    }

    /// Whole milliseconds, at least 1 (0 would turn the timeout off).
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(1, seconds * 1_000 + attoseconds / 1_000_000_000_000_000)
    }
}

extension PGConnection {
    /// Runs `body` between `BEGIN` and `COMMIT`. If `body` throws, a statement failed inside it (even one
    /// whose error `body` swallowed), or cancellation was requested, the transaction is rolled back and
    /// an error is thrown: a transaction never commits half of its work.
    /// - Parameter defaultIdleTimeout: the idle timeout when `options` names none (the pool passes its own).
    public func withTransaction<Result>(
        _ options: PGTransactionOptions = .init(),
        defaultIdleTimeout: Duration? = nil,
        _ body: (PGConnection) throws -> Result
    ) throws -> Result {
        try executeScript(options.beginScript(defaultIdleTimeout: defaultIdleTimeout))
        do {
            let result = try body(self)
            try commitOrFail()
            return result
        } catch {
            rollbackQuietly()
            throw error
        }
    }

    /// Commits, unless cancellation was requested or a statement inside failed: then it throws, and the
    /// caller rolls back.
    func commitOrFail() throws {
        try checkNotCancelled()
        guard PQtransactionStatus(handle) == PQTRANS_INTRANS else {
            throw PGError(.server, summary: "a statement inside the transaction failed, so it was rolled back")
        }
        try executeScript("COMMIT")
    }

    /// Rolls back an open transaction, ignoring errors: the pool discards a connection it cannot clean.
    func rollbackQuietly() {
        guard PQstatus(handle) == CONNECTION_OK, PQtransactionStatus(handle) != PQTRANS_IDLE else { return }
        if let result = PQexec(handle, "ROLLBACK") { PQclear(result) }
    }
}
