import NIOPosix

/// A pooled connection held across `await`s. Most work fits ``PGPool/withTransaction(_:timeout:_:)``,
/// whose body cannot suspend; a lease is for the rare transaction that must wait on something outside
/// the database while it holds a lock (a token refresh holds its row lock while the token endpoint
/// answers, so that no other process refreshes the same token). Every statement still runs on the
/// pool's threads.
public struct PGLease: Sendable {
    let connection: PGConnection
    let pool: PGPool

    /// Runs `body` on one of the pool's threads with the leased connection.
    public func run<Result: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> Result) async throws -> Result {
        let connection = self.connection
        do {
            return try await withTaskCancellationHandler {
                try await pool.threads.runHandingOff { try body(connection) }
            } onCancel: {
                connection.markCancelled()
                pool.cancelThread.submit { _ in connection.sendCancelRequest() }
            }
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw PGError(.poolClosed, summary: "the pool is closed")
        } catch {
            guard Task.isCancelled, (error as? PGError)?.code != .cancelled else { throw error }
            throw PGError(.cancelled, summary: "the statement was cancelled")
        }
    }

    /// Runs `body` inside `BEGIN … COMMIT`; an error (or a failed statement inside) rolls everything back.
    public func withTransaction<Result: Sendable>(
        _ options: PGTransactionOptions = .init(),
        _ body: (PGLease) async throws -> Result
    ) async throws -> Result {
        let begin = options.beginScript(defaultIdleTimeout: pool.configuration.transactionIdleTimeout)
        try await run { try $0.executeScript(begin) }
        do {
            let result = try await body(self)
            try await run { try $0.commitOrFail() }
            return result
        } catch {
            _ = try? await run { $0.rollbackQuietly() }
            throw error
        }
    }
}

extension PGPool {
    /// Leases a connection for `body`, which may suspend between statements. The connection returns to
    /// the pool afterwards (or is closed, if `body` left it inside a transaction or broken).
    @discardableResult
    public func withLease<Result: Sendable>(timeout: Duration? = nil, _ body: (PGLease) async throws -> Result) async throws -> Result {
        let connection: PGConnection
        do {
            connection = try await acquire(timeout: timeout ?? configuration.acquireTimeout)
        } catch {
            guard Task.isCancelled, (error as? PGError)?.code != .cancelled else { throw error }
            throw PGError(.cancelled, summary: "the statement was cancelled")
        }
        do {
            let result = try await body(PGLease(connection: connection, pool: self))
            release(connection)
            return result
        } catch {
            release(connection)
            throw error
        }
    }
}
