import Connectors
import Credentials
import Foundation
import Logging
import Store

/// Where a windowed stream stands inside a run: the window being fetched and the connector's cursor in it.
struct WindowCursor: Codable {
    var from: String
    var to: String
    var page: String?

    static func decode(_ text: String?) -> WindowCursor? {
        text.flatMap { try? JSONDecoder().decode(WindowCursor.self, from: Data($0.utf8)) }
    }

    var text: String { String(decoding: try! JSONEncoder().encode(self), as: UTF8.self) }
}

/// Why a stream's attempt ended without finishing it.
enum StreamInterruption: Error {
    /// Stop the whole run now (lease lost, reauthorization needed, quota used up, cancelled).
    case abortRun(any Error)
    /// This stream failed in this attempt; the others go on, and a later attempt retries it from `progress`:
    /// the stream as its last committed page left it, with the attempt's 429s, retries and time added.
    case failed(String, progress: SyncRunStream)
    /// The provider holds this stream's rate-limit category back until `until` (its daily quota is used up,
    /// or it asked to wait longer than a run should block): the stream waits, the other streams go on.
    case deferred(until: Date, progress: SyncRunStream)
    /// This stream failed in a way no later attempt changes (the provider refused the request, or its
    /// paging broke its contract): it ends failed now, and no attempt is spent on it again.
    case failedForGood(String, progress: SyncRunStream)
}

/// Carries out one claimed run: every stream that is not finished yet, each page committed together with
/// the run's progress and fenced by its lease, then the run's outcome.
struct RunExecutor {
    let run: ClaimedRun
    let dependencies: SyncDependencies
    var configuration: SyncConfiguration { dependencies.configuration }
    var runs: SyncRuns { SyncRuns(pool: dependencies.pool) }
    var logger: Logger {
        var logger = dependencies.logger
        logger[metadataKey: "run_id"] = "\(run.runID.uuidString.lowercased())"
        return logger
    }

    func execute() async {
        do {
            try await executeStreams()
        } catch is LeaseLost {
            logger.warning("lost the lease on a sync run; its writes since then were rolled back")
        } catch let error where DatabaseFailure.isUnavailable(error) {
            await handBack(after: error)
        } catch {
            logger.error("sync run could not be recorded", metadata: ["error": "\(error)"])
        }
    }

    /// Gives the run back to the queue, without using up an attempt, as soon as the database answers again
    /// (SECURITY.md W4): a database restart then delays the run by seconds, not by the rest of its lease.
    /// Gives up when the lease would have run out anyway; the reaper takes over from there.
    private func handBack(after error: any Error) async {
        logger.warning("the database went away during a sync run; handing the run back when it returns", metadata: ["error": "\(error)"])
        let deadline = ContinuousClock.now + configuration.lease
        var delay = Duration.milliseconds(100)
        while ContinuousClock.now < deadline, !Task.isCancelled {
            do {
                try await runs.finish(run, status: nil, countAttempt: false, error: "the database connection was lost: \(error)")
                return
            } catch is LeaseLost {
                return
            } catch {
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
        logger.error("sync run could not be handed back; the reaper will after its lease", metadata: ["error": "\(error)"])
    }

    private func executeStreams() async throws {
        let started = ContinuousClock.now
        guard let connection = try await Connections(pool: dependencies.pool).find(tenantID: run.tenantID, id: run.connectionID),
            connection.status == .active, connection.enabled,
            let connector = dependencies.registry.connector(connection.provider)
        else {
            try await failRemaining(error: "the connection is not active and enabled")
            return
        }
        var streams = try await runs.streams(of: run)
        var attemptFailed = false
        var deferredUntil: Date?
        var abortReason: (any Error)?
        var bookkeepingFailure: (any Error)?
        // Streams of a run proceed at once, each with its own client (its own counts), all within the
        // account's pace per rate-limit category: a category the other streams do not use is not left idle
        // while they wait for theirs.
        let pending = streams.indices.filter { !streams[$0].isFinished }
        let outcomes = await withTaskGroup(of: StreamResult.self) { group in
            var outcomes: [StreamResult] = []
            var started = 0
            var running = 0
            var stopping = false
            while true {
                while !stopping, running < max(1, configuration.streamsPerRun), started < pending.count {
                    let (index, stream) = (pending[started], streams[pending[started]])
                    started += 1
                    running += 1
                    group.addTask {
                        do {
                            return StreamResult(index: index, outcome: try await execute(stream, connection: connection, connector: connector))
                        } catch {
                            return StreamResult(index: index, outcome: .unrecorded(error))
                        }
                    }
                }
                guard let outcome = await group.next() else { return outcomes }
                running -= 1
                outcomes.append(outcome)
                switch outcome.outcome {
                case .aborted, .unrecorded:
                    // The first stop decides: what the streams cancelled because of it report is its consequence.
                    stopping = true
                    group.cancelAll()
                case .ended, .failed, .deferred:
                    break
                }
            }
        }
        for result in outcomes {
            let index = result.index
            switch result.outcome {
            case .ended(let stream):
                streams[index] = stream
            case .failed(let stream):
                streams[index] = stream
                attemptFailed = true
            case .deferred(let stream, let until):
                streams[index] = stream
                deferredUntil = min(deferredUntil ?? until, until)
            case .aborted(let reason):
                if abortReason == nil, bookkeepingFailure == nil { abortReason = reason }
            case .unrecorded(let error):
                if abortReason == nil, bookkeepingFailure == nil { bookkeepingFailure = error }
            }
            if streams[index].isFinished { SyncMetrics.streamFinished(streams[index]) }
        }
        if let bookkeepingFailure { throw bookkeepingFailure }
        if let abortReason {
            try await abort(because: abortReason)
            return
        }
        switch RunState.ending(
            of: streams, attemptFailed: attemptFailed, deferredUntil: deferredUntil, attempt: run.attempt, maxAttempts: run.maxAttempts)
        {
        case .waitForQuota(let until):
            try await runs.finish(
                run, status: nil, retryAt: until, countAttempt: false, error: "waiting until \(until) for the provider's quota of some streams")
        case .retryFailedStreams:
            try await runs.finish(
                run, status: nil, retryAt: Date().addingTimeInterval(configuration.runBackoff(run.attempt).seconds),
                error: "retrying streams that failed in attempt \(run.attempt)")
        case .finish(let outcome):
            try await runs.finish(run, status: outcome, error: outcome == .succeeded ? nil : "some streams failed")
            SyncMetrics.runFinished(status: outcome, attemptStarted: started)
            logger.info("sync run finished", metadata: ["status": "\(outcome)"])
        }
    }

    /// A stream's attempt as its task hands it back: the stream's position in the run and how it ended.
    /// A struct on purpose: Swift 6.3's release build returned an `(Int, StreamOutcome)` tuple from the task
    /// group with the index out of range (the debug build never did).
    private struct StreamResult: Sendable {
        let index: Int
        let outcome: StreamOutcome
    }

    /// How one stream's attempt ended, once its bookkeeping is saved.
    private enum StreamOutcome: Sendable {
        /// Finished, or interrupted without a failure of its own.
        case ended(SyncRunStream)
        /// Failed in this attempt: a later attempt retries it unless it failed for good.
        case failed(SyncRunStream)
        /// Waits for its rate-limit category until the date.
        case deferred(SyncRunStream, until: Date)
        /// The whole run stops (``StreamInterruption/abortRun(_:)``).
        case aborted(any Error)
        /// Saving the stream's state failed (the lease is lost, the database went away): the run stops.
        case unrecorded(any Error)
    }

    /// Runs one stream's attempt and saves what it left: its outcome when it ended, its progress otherwise.
    private func execute(_ start: SyncRunStream, connection: Connection, connector: any Connector) async throws -> StreamOutcome {
        var stream = start
        guard let description = connector.stream(named: stream.name) else {
            stream.status = .skipped
            stream.error = "\(connector.displayName) has no stream named \(stream.name)"
            try await saveOutcome(stream, description: nil)
            return .ended(stream)
        }
        let client = ProviderClient(
            connector: connector, connection: connection, tokens: dependencies.tokens, http: dependencies.http, limiter: dependencies.limiter,
            quotas: ProviderQuotas(pool: dependencies.pool), configuration: configuration)
        let state = connection.streams.first { $0.name == description.name }
        do {
            return .ended(
                try await StreamExecutor(
                    run: run, stream: stream, description: description, state: state, connection: connection, connector: connector,
                    client: client, dependencies: dependencies
                ).execute())
        } catch StreamInterruption.failed(let reason, let progress) {
            stream = progress
            stream.error = reason
            stream.status = RunState.statusAfterFailure(attempt: run.attempt, maxAttempts: run.maxAttempts)
            if stream.status == .failed {
                try await saveOutcome(stream, description: description)
            } else {
                try await runs.saveStream(run, stream)
            }
            return .failed(stream)
        } catch StreamInterruption.deferred(let until, let progress) {
            stream = progress
            stream.status = .pending
            try await runs.saveStream(run, stream)
            logger.notice("a stream waits for its rate-limit category", metadata: ["stream": "\(progress.name)", "until": "\(until)"])
            return .deferred(stream, until: until)
        } catch StreamInterruption.failedForGood(let reason, let progress) {
            stream = progress
            stream.error = reason
            stream.status = .failed
            try await saveOutcome(stream, description: description)
            return .ended(stream)
        } catch StreamInterruption.abortRun(let reason) {
            return .aborted(reason)
        }
    }

    private func abort(because reason: any Error) async throws {
        switch RunState.interruption(reason) {
        case .leaseLost:
            throw reason
        case .waitForQuota(let until):
            logger.notice("sync run waits for the provider's daily quota", metadata: ["until": "\(until)"])
            try await runs.finish(run, status: nil, retryAt: until, countAttempt: false, error: "\(reason)")
        case .failRemaining(let error):
            try await failRemaining(error: error)
        case .handBack(let countAttempt):
            // Bookkeeping during shutdown must still land, so it runs outside this task's cancellation.
            try await detached { try await runs.finish(run, status: nil, countAttempt: countAttempt, error: "\(reason)") }
        }
    }

    /// Ends the run as failed, with every stream not yet finished failed for `error`.
    private func failRemaining(error: String) async throws {
        var streams = try await runs.streams(of: run)
        for index in streams.indices where !streams[index].isFinished {
            streams[index].status = .failed
            streams[index].error = error
            try await runs.saveStream(run, streams[index], finished: true)
        }
        try await runs.finish(run, status: .failed, error: error)
        logger.warning("sync run failed", metadata: ["error": "\(error)"])
    }

    private func saveOutcome(_ stream: SyncRunStream, description: StreamDescription?) async throws {
        try await runs.finishStream(run, stream, defaultInterval: description?.defaultInterval)
    }

    /// Runs `body` in a task that does not inherit cancellation: bookkeeping during shutdown must still land.
    private func detached(_ body: @escaping @Sendable () async throws -> Void) async throws {
        try await Task.detached(operation: body).value
    }
}
