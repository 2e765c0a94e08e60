import Connectors
import Credentials
import Foundation
import Logging
import Store

/// Syncs one stream of a run, page by page. Each page is written in one transaction together with the
/// stream's progress and cursor, after the fencing check, so a crash loses at most the page in flight and
/// a worker that lost its lease writes nothing.
struct StreamExecutor {
    let run: ClaimedRun
    var stream: SyncRunStream
    let description: StreamDescription
    let state: StreamState?
    let connection: Connection
    let connector: any Connector
    let client: ProviderClient
    let dependencies: SyncDependencies

    /// Cursor restarts allowed per attempt when the provider no longer accepts a paging token.
    static let cursorRestarts = 3

    func execute() async throws -> SyncRunStream {
        var stream = self.stream
        let started = ContinuousClock.now
        let elapsedBefore = stream.durationMilliseconds
        func elapsed() -> Int { elapsedBefore + Int((ContinuousClock.now - started).seconds * 1_000) }

        guard state?.permitted ?? description.isPermitted(granted: Set(connection.grantedScopes)) else {
            let missing = state?.missingScopes ?? description.missingScopes(granted: Set(connection.grantedScopes))
            return try await finish(stream, status: .missingScope, error: Self.missingScopeMessage(missing), elapsed: elapsed())
        }
        // A plan Tether knows (detected at connect, or set) that lacks the feature: asking would only spend the
        // account's budget (the dashboard's lists are Resource-intensive: 10 a minute on Pro).
        if let plans = description.plans, connection.rateLimitPlanSource != "default", !plans.contains(connection.rateLimitPlan) {
            return try await finish(
                stream, status: .notAvailable,
                error:
                    "the account's \(connection.rateLimitPlan) plan lacks this stream's feature (it needs \(plans.sorted().joined(separator: " or ")))",
                elapsed: elapsed())
        }
        stream.status = .running
        do {
            // `stream` follows every committed page, so a failure below reports the progress the database holds.
            switch description.kind {
            case .snapshot:
                try await snapshot(&stream, elapsed: elapsed)
            case .windowed(let backfillDays, let trailingDays):
                try await windowed(&stream, backfillDays: backfillDays, trailingDays: trailingDays, elapsed: elapsed)
            }
            return stream
        } catch let error as ConnectorError where error.kind == .missingScope {
            let missing = description.missingScopes(granted: [])
            return try await finish(stream, status: .missingScope, error: Self.missingScopeMessage(Array(missing.prefix(1))), elapsed: elapsed())
        } catch let error as ConnectorError where error.kind == .notAvailable {
            return try await finish(stream, status: .notAvailable, error: error.reason, elapsed: elapsed())
        } catch let error as ConnectorError {
            count(&stream)
            stream.durationMilliseconds = elapsed()
            // A refusal or broken paging will be the same next time: retrying it only spends the account's budget.
            if error.kind == .rejected || error.kind == .providerError {
                throw StreamInterruption.failedForGood(error.description, progress: stream)
            }
            throw StreamInterruption.failed(error.description, progress: stream)
        } catch let quota as QuotaExhausted {
            // Only this stream's category is held back: the run goes on with the others.
            count(&stream)
            stream.durationMilliseconds = elapsed()
            throw StreamInterruption.deferred(until: quota.until, progress: stream)
        } catch let error as StreamInterruption {
            throw error
        } catch {
            throw StreamInterruption.abortRun(error)
        }
    }

    static func missingScopeMessage(_ scopes: [String]) -> String {
        scopes.isEmpty ? "the connection's app lacks a scope this stream needs" : "add the scope \(scopes.joined(separator: ", ")) to the app"
    }

    // MARK: - Snapshots

    private func snapshot(_ stream: inout SyncRunStream, elapsed: () -> Int) async throws {
        var likelyNew = false
        try await follow(from: stream.cursor, window: nil) { page, encoded in
            // The ids seen so far stay valid when the listing starts over: it sees them again.
            stream = try await commit(
                page, encoded, into: stream, completing: page.next == nil ? .snapshot : .none, likelyNew: &likelyNew, elapsed: elapsed)
        }
    }

    // MARK: - Windows

    private func windowed(_ stream: inout SyncRunStream, backfillDays: Int, trailingDays: Int, elapsed: () -> Int) async throws {
        let resumed = WindowCursor.decode(stream.cursor)
        var windows = StreamWindows.plan(today: Date(), watermark: state?.watermark, backfillDays: backfillDays, trailingDays: trailingDays)
        if let resumed {
            windows.removeAll { $0.to < resumed.from }
            if let first = windows.first, first.from == resumed.from { windows[0] = DateWindow(from: resumed.from, to: first.to) }
        }
        let today = StreamWindows.text(StreamWindows.day(Date()))
        var likelyNew = false
        for window in windows {
            let cursor = resumed.flatMap { $0.from == window.from ? $0.page : nil }
            try await follow(from: cursor, window: window) { page, encoded in
                let windowDone = page.next == nil
                let next = windowDone ? nil : WindowCursor(from: window.from, to: window.to, page: page.next).text
                let finished = windowDone && window == windows.last
                // Today's data is still growing: the watermark stops at yesterday.
                let complete = window.to < today ? window.to : StreamWindows.text(StreamWindows.day(Date()) - 1)
                stream = try await commit(
                    page, encoded, into: stream, cursor: next, finished: finished, completing: windowDone ? .window(day: complete) : .none,
                    likelyNew: &likelyNew, elapsed: elapsed)
            }
        }
        if windows.isEmpty { stream = try await finish(stream, status: .succeeded, error: nil, elapsed: elapsed()) }
    }

    // MARK: - Pages

    /// Follows a listing from `cursor` to its end, handing each page to `commit` while the next one is
    /// already being fetched: the provider, this worker and PostgreSQL work at once instead of waiting for
    /// each other. One page ahead at most, so memory stays flat, and pages are committed in order, so the
    /// stored cursor and counts always match what is stored. A paging token the provider no longer accepts
    /// starts the listing over (``cursorRestarts`` times per attempt).
    private func follow(from cursor: String?, window: DateWindow?, commit: (StreamPage, EncodedPage) async throws -> Void) async throws {
        var restarts = 0
        var trail = PageTrail()
        var fetched = await fetch(cursor, window: window)
        while true {
            let (page, encoded): (StreamPage, EncodedPage)
            switch fetched {
            case .success(let value):
                (page, encoded) = value
            case .failure(let error as ConnectorError) where error.kind == .expiredCursor && restarts < Self.cursorRestarts:
                restarts += 1
                trail = PageTrail()
                fetched = await fetch(nil, window: window)
                continue
            case .failure(let error):
                throw error
            }
            try trail.check(page, connector: connector)
            guard let next = page.next else { return try await commit(page, encoded) }
            // Cancelled and awaited if the commit throws: nothing is fetched for a stream that stopped.
            async let following = fetch(next, window: window)
            try await commit(page, encoded)
            fetched = await following
        }
    }

    /// Reads a page and encodes its records for their table, so its commit only talks to the database.
    private func fetch(_ cursor: String?, window: DateWindow?) async -> Result<(StreamPage, EncodedPage), any Error> {
        do {
            let page = try await read(cursor, window: window)
            let encoded = try EncodedPage(table: description.table, records: page.records, tenantID: run.tenantID, connectionID: run.connectionID)
            return .success((page, encoded))
        } catch {
            return .failure(error)
        }
    }

    /// Reads a page, trying again when the answer broke the provider's contract (a malformed page commits
    /// nothing and is fetched again).
    private func read(_ cursor: String?, window: DateWindow?) async throws -> StreamPage {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await connector.readPage(stream: description.name, cursor: cursor, window: window, api: client)
            } catch let error as ConnectorError where error.kind == .invalidResponse && attempt < dependencies.configuration.pageAttempts {
                dependencies.logger.notice("a page broke the provider's contract; fetching it again", metadata: ["stream": "\(description.name)"])
                try await Task.sleep(for: dependencies.configuration.retry.backoff(attempt))
            }
        }
    }

    /// Writes a page, the stream's progress and (for the last page) its outcome in one fenced transaction.
    /// `likelyNew` follows whether the previous page's records were all new (an account's first sync).
    private func commit(
        _ page: StreamPage, _ encoded: EncodedPage, into start: SyncRunStream, cursor explicitCursor: String?? = .none,
        finished explicitFinished: Bool? = nil,
        completing completion: PageCommit.Completion, likelyNew: inout Bool, elapsed: () -> Int
    ) async throws -> SyncRunStream {
        var stream = start
        let finished = explicitFinished ?? (page.next == nil)
        stream.cursor = explicitCursor ?? page.next
        stream.pages += 1
        stream.fetched += page.records.count
        stream.skipped += page.skipped
        count(&stream)
        stream.durationMilliseconds = elapsed()
        if finished {
            stream.status = .succeeded
            stream.error = nil
            stream.cursor = nil
        }
        let prepared = stream
        do {
            var commit = PageCommit(
                records: page.records, table: description.table, isSnapshot: description.kind == .snapshot, completion: completion,
                stream: prepared, finished: finished, defaultInterval: description.defaultInterval)
            commit.likelyNew = likelyNew
            commit.encoded = encoded
            let written = try await SyncRuns(pool: dependencies.pool).commitPage(run, commit)
            if !page.records.isEmpty { likelyNew = written.allNew }
            return written.stream
        } catch let error as LeaseLost {
            throw StreamInterruption.abortRun(error)
        } catch let error where DatabaseFailure.isDatabaseError(error) {
            // Nothing of the page was stored; what the attempt counted (429s, retries, time) still was spent.
            var progress = start
            progress.rateLimited = prepared.rateLimited
            progress.retries = prepared.retries
            progress.durationMilliseconds = prepared.durationMilliseconds
            throw StreamInterruption.failed("writing a page failed: \(error)", progress: progress)
        }
    }

    private func finish(_ start: SyncRunStream, status: StreamStatus, error: String?, elapsed: Int) async throws -> SyncRunStream {
        var stream = start
        stream.status = status
        stream.error = error
        stream.cursor = nil
        stream.durationMilliseconds = elapsed
        count(&stream)
        do {
            try await SyncRuns(pool: dependencies.pool).finishStream(run, stream, defaultInterval: description.defaultInterval)
        } catch let error as LeaseLost {
            throw StreamInterruption.abortRun(error)
        }
        return stream
    }

    private func count(_ stream: inout SyncRunStream) {
        let counters = client.takeCounters()
        stream.rateLimited += counters.rateLimited
        stream.retries += counters.retries
    }
}
