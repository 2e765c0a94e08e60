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

    /// Options for `BEGIN`.
    public init(isolation: Isolation = .readCommitted, readOnly: Bool = false) {
        self.isolation = isolation
        self.readOnly = readOnly
    }
}

extension PGConnection {
    /// Runs `body` between `BEGIN` and `COMMIT`. If `body` throws, a statement failed inside it (even one
    /// whose error `body` swallowed), or cancellation was requested, the transaction is rolled back and
    /// an error is thrown: a transaction never commits half of its work.
    public func withTransaction<Result>(
        _ options: PGTransactionOptions = .init(),
        _ body: (PGConnection) throws -> Result
    ) throws -> Result {
        try executeScript("BEGIN ISOLATION LEVEL \(options.isolation.rawValue)\(options.readOnly ? " READ ONLY" : "")")
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
