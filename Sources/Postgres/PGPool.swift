public import Logging
import NIOConcurrencyHelpers
import NIOPosix
public import ServiceLifecycle

/// A pool of libpq connections that runs every blocking libpq call on its own threads.
///
/// - A caller that finds every connection busy waits (without blocking a thread) for up to
///   ``Configuration/acquireTimeout``, then gets ``PGError/Code/poolTimeout``.
/// - A connection that broke, was left inside a transaction, or had a statement cancelled is closed
///   instead of reused; an idle connection whose server went away (for example after a restart) is
///   noticed on checkout without a round trip, so the pool recovers by itself.
/// - Cancelling the calling task sends `PQcancel` for the statement that is running; the call then fails with
///   ``PGError/Code/cancelled``, also when it was cancelled while still waiting for a connection.
///
/// The pool is a `Service`: `run()` waits for graceful shutdown and then closes it.
public final class PGPool: Service, Sendable {
    /// How the pool connects and how many connections it keeps.
    public let configuration: Configuration
    private let logger: Logger
    let threads: NIOThreadPool
    let cancelThread: NIOThreadPool
    private let state = NIOLockedValueBox(State())

    private struct State {
        var idle: [PGConnection] = []
        var open = 0
        var closed = false
        var nextWaiterID = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Handoff, any Error>)] = []
    }

    /// What a waiting caller receives: a connection, or permission to open one (a slot was freed).
    private enum Handoff: Sendable {
        case connection(PGConnection)
        case permitToOpen
    }

    /// Creates the pool; no connection is opened until one is needed.
    public init(configuration: Configuration, logger: Logger) {
        precondition(configuration.maximumConnections > 0, "maximumConnections must be positive")
        self.configuration = configuration
        self.logger = logger
        self.threads = NIOThreadPool(numberOfThreads: configuration.maximumConnections)
        self.cancelThread = NIOThreadPool(numberOfThreads: 1)
        threads.start()
        cancelThread.start()
    }

    /// Waits for graceful shutdown (or cancellation), then closes every connection and stops the threads.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Closes the pool: waiters fail with `poolClosed`, idle connections close now, busy ones when released.
    public func close() async {
        let (idle, waiters) = state.withLockedValue { state -> ([PGConnection], [CheckedContinuation<Handoff, any Error>]) in
            guard !state.closed else { return ([], []) }
            state.closed = true
            let idle = state.idle
            state.open -= idle.count
            state.idle = []
            let waiters = state.waiters.map(\.continuation)
            state.waiters = []
            return (idle, waiters)
        }
        for waiter in waiters { waiter.resume(throwing: PGError(.poolClosed, summary: "the pool is closed")) }
        _ = idle  // releasing the references closes the connections
        try? await threads.shutdownGracefully()
        try? await cancelThread.shutdownGracefully()
    }

    /// Leases a connection and runs `body` on one of the pool's threads with exclusive use of it.
    ///
    /// `body` is synchronous on purpose: it runs where blocking is allowed, and no `await` can hold the
    /// connection while waiting for something else.
    /// - Parameter timeout: how long to wait for a free connection; `nil` uses the configured default.
    @discardableResult
    public func withConnection<Result: Sendable>(
        timeout: Duration? = nil,
        _ body: @escaping @Sendable (PGConnection) throws -> Result
    ) async throws -> Result {
        do {
            return try await leased(timeout: timeout ?? configuration.acquireTimeout, body)
        } catch {
            // However the cancellation surfaced (while waiting, before the pool thread started, or inside
            // the statement), the caller sees one error for it.
            guard Task.isCancelled, (error as? PGError)?.code != .cancelled else { throw error }
            throw PGError(.cancelled, summary: "the statement was cancelled")
        }
    }

    private func leased<Result: Sendable>(
        timeout: Duration,
        _ body: @escaping @Sendable (PGConnection) throws -> Result
    ) async throws -> Result {
        let connection = try await acquire(timeout: timeout)
        do {
            let result = try await withTaskCancellationHandler {
                try await threads.runHandingOff { try body(connection) }
            } onCancel: {
                // The flag is set before this handler returns, so `release` below always sees it.
                connection.markCancelled()
                cancelThread.submit { _ in connection.sendCancelRequest() }
            }
            release(connection)
            return result
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            release(connection)
            throw PGError(.poolClosed, summary: "the pool is closed")
        } catch {
            release(connection)
            throw error
        }
    }

    /// Runs `body` inside `BEGIN … COMMIT` on one connection. A thrown error or a cancelled task rolls the
    /// transaction back; nothing `body` wrote is kept.
    @discardableResult
    public func withTransaction<Result: Sendable>(
        _ options: PGTransactionOptions = .init(),
        timeout: Duration? = nil,
        _ body: @escaping @Sendable (PGConnection) throws -> Result
    ) async throws -> Result {
        let idle = configuration.transactionIdleTimeout
        return try await withConnection(timeout: timeout) { connection in
            try connection.withTransaction(options, defaultIdleTimeout: idle, body)
        }
    }

    /// Runs one statement on any connection and returns its rows.
    @discardableResult
    public func query(_ query: PGQuery) async throws -> PGResult {
        try await withConnection { try $0.query(query) }
    }

    /// Connections open now, and how many of them are idle (for metrics and tests).
    public var statistics: (open: Int, idle: Int, waiting: Int) {
        state.withLockedValue { ($0.open, $0.idle.count, $0.waiters.count) }
    }

    // MARK: - Acquire and release

    private enum Decision {
        case use(PGConnection)
        case open
        case wait(Int)
        case closed
    }

    func acquire(timeout: Duration) async throws -> PGConnection {
        while true {
            let decision = state.withLockedValue { state -> Decision in
                if state.closed { return .closed }
                if let connection = state.idle.popLast() { return .use(connection) }
                if state.open < configuration.maximumConnections {
                    state.open += 1
                    return .open
                }
                state.nextWaiterID += 1
                return .wait(state.nextWaiterID)
            }
            switch decision {
            case .closed:
                throw PGError(.poolClosed, summary: "the pool is closed")
            case .use(let connection):
                if connection.isReusable { return connection }
                logger.debug("discarding a pooled PostgreSQL connection the server closed")
                discard()
            case .open:
                return try await openConnection()
            case .wait(let id):
                switch try await waitForHandoff(id: id, timeout: timeout) {
                case .connection(let connection):
                    if connection.isReusable { return connection }
                    discard()
                case .permitToOpen:
                    return try await openConnection()
                }
            }
        }
    }

    /// Opens a connection in a slot already counted in `open`; on failure the slot is given back.
    private func openConnection() async throws -> PGConnection {
        let configuration = self.configuration
        do {
            return try await threads.runHandingOff {
                try PGConnection.connect(
                    connectionString: configuration.connectionString,
                    connectTimeoutSeconds: configuration.connectTimeoutSeconds,
                    applicationName: configuration.applicationName)
            }
        } catch {
            discard()
            if error is NIOThreadPoolError.ThreadPoolInactive { throw PGError(.poolClosed, summary: "the pool is closed") }
            logger.warning("could not open a PostgreSQL connection", metadata: ["error": "\(error)"])
            throw error
        }
    }

    func release(_ connection: PGConnection) {
        let reusable = connection.isReusable
        let waiter = state.withLockedValue { state -> CheckedContinuation<Handoff, any Error>? in
            if !reusable || state.closed {
                state.open -= 1
                guard !state.closed, !state.waiters.isEmpty else { return nil }
                state.open += 1
                return state.waiters.removeFirst().continuation
            }
            guard !state.waiters.isEmpty else {
                state.idle.append(connection)
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: reusable ? .connection(connection) : .permitToOpen)
    }

    /// Forgets a connection that will not be reused, handing its slot to a waiter if there is one.
    private func discard() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Handoff, any Error>? in
            state.open -= 1
            guard !state.closed, !state.waiters.isEmpty else { return nil }
            state.open += 1
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: .permitToOpen)
    }

    private func waitForHandoff(id: Int, timeout: Duration) async throws -> Handoff {
        try await withThrowingTaskGroup(of: Handoff?.self) { group in
            group.addTask { try await self.enqueueWaiter(id: id) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            if let handoff = try await group.next()! {
                group.cancelAll()
                return handoff
            }
            // The timer fired first. Cancelling the waiter removes it, unless a handoff raced in,
            // in which case the connection is ours after all.
            group.cancelAll()
            if let handoff = try? await group.next() ?? nil { return handoff }
            if Task.isCancelled { throw CancellationError() }
            throw PGError(
                .poolTimeout,
                summary: "no PostgreSQL connection became free within \(timeout) (pool size \(configuration.maximumConnections))")
        }
    }

    /// Registers the caller as a waiter, unless a connection or a free slot appeared since it decided to
    /// wait: the check and the registration share one critical section, so a release in between is never lost.
    private func enqueueWaiter(id: Int) async throws -> Handoff {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Handoff, any Error>) in
                let immediate = state.withLockedValue { state -> Result<Handoff, any Error>? in
                    if state.closed { return .failure(PGError(.poolClosed, summary: "the pool is closed")) }
                    // The flag is set before the cancellation handler runs, so a handler that found nothing to
                    // remove is always seen here.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let connection = state.idle.popLast() { return .success(.connection(connection)) }
                    if state.open < configuration.maximumConnections {
                        state.open += 1
                        return .success(.permitToOpen)
                    }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let continuation = state.withLockedValue { state -> CheckedContinuation<Handoff, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            continuation?.resume(throwing: CancellationError())
        }
    }
}
