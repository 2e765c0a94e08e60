import Foundation
import Postgres
import Store
import Sync
import TestSupport
import Testing
import Transport
import ZoomSandbox

/// The sync engine keeps the provider, the worker and PostgreSQL busy at once: a stream fetches its next
/// page while the current one is written, and the streams of a run proceed side by side.
@Suite("Pipelined sync", .enabled(if: TestDatabase.isAvailableOrRequired))
struct PipelinedSyncTests {
    @Test("while a page's write waits, its stream has fetched exactly one page more; once the write goes through, the sync completes exactly")
    func onePageAhead() async throws {
        try await withSyncHarness(sandbox: { $0.users = 1_500 }) { h in
            let (runID, worker) = try await withHeldWrites(h, into: "users") {
                let (runID, worker) = try await h.start(["users"])
                try await eventually("the worker asked for the second page") { h.sandbox.requestCounts["/v2/users", default: 0] >= 2 }
                // Long enough for a third request to go out if the lookahead were unbounded.
                try await Task.sleep(for: .milliseconds(500))
                #expect(h.sandbox.requestCounts["/v2/users", default: 0] == 2, "one page ahead, no more")
                let waiting = try #require(try await h.runs.find(tenantID: h.tenantID, id: runID)?.stream("users"))
                #expect(waiting.pages == 0 && waiting.fetched == 0, "nothing counts as stored before it is")
                return (runID, worker)
            }
            defer { worker.cancel() }

            let run = try await h.waitFor(runID) { $0.isOver }
            let users = try #require(run.stream("users"))
            #expect(run.status == .succeeded)
            #expect(users.fetched == h.sandbox.userCount(h.account) && users.inserted == users.fetched)
            #expect(try await h.count("SELECT count(*) FROM users WHERE deleted_at IS NULL") == h.sandbox.userCount(h.account))
            #expect(users.updated == 0 && users.unchanged == 0, "no page was written twice")
        }
    }

    @Test("the streams of one run proceed at once: groups, one slow request, finish while users are still paging")
    func streamsSideBySide() async throws {
        try await withSyncHarness(sandbox: { $0.users = 1_500 }) { h in
            // Every answer takes half a second: the users need at least seven, the groups one.
            #expect(try await h.control("POST", "/faults", ["latency_ms": 500]).status == 200)
            let (runID, worker) = try await h.start(["users", "groups"])
            defer { worker.cancel() }
            let during = try await h.waitFor(runID) { $0.stream("groups")?.status == .succeeded }
            #expect(during.stream("users")?.isFinished == false, "the users were still paging")
            #expect(try await h.count("SELECT count(*) FROM groups") == h.sandbox.groups(h.account).count)
            let run = try await h.waitFor(runID) { $0.isOver }
            #expect(run.status == .succeeded)
            #expect(run.stream("users")?.fetched == h.sandbox.userCount(h.account))
        }
    }

    @Test("a stream that needs the account reauthorized stops the run's other streams, which keep exactly what they stored")
    func oneStreamStopsTheRun() async throws {
        try await withSyncHarness(login: .platformApp(named: "platform app"), sandbox: { $0.users = 1_500 }) { h in
            let (runID, worker) = try await withHeldWrites(h, into: "users") {
                let (runID, worker) = try await h.start(["users", "groups"])
                try await eventually("the users' first page is waiting to be written") { h.sandbox.requestCounts["/v2/users", default: 0] >= 2 }
                // The admin removes the app: every token it holds dies at once.
                #expect(try await h.control("POST", "/tokens/revoke", ["client_id": h.app.clientID, "account_id": h.account.id]).status == 200)
                return (runID, worker)
            }
            defer { worker.cancel() }
            let run = try await h.waitFor(runID) { $0.isOver }
            #expect(run.status == .failed)
            #expect(run.lastError?.contains("needs to be reconnected") == true, "\(run.lastError ?? "")")
            let users = try #require(run.stream("users"))
            #expect(users.status != .succeeded)
            let stored = try await h.count("SELECT count(*) FROM users")
            #expect(users.fetched > 0 && users.fetched == stored, "the history counts exactly the rows stored")
        }
    }
}

/// Runs `body` while another session holds an exclusive lock on `table`, so a page's write into it waits;
/// the lock goes when `body` ends, however it ends (and after a minute at the latest).
private func withHeldWrites<Result>(_ h: SyncHarness, into table: String, _ body: () async throws -> Result) async throws -> Result {
    try await h.owner.withConnection { _ = try $0.execute("CREATE TABLE IF NOT EXISTS hold_released (table_name text)") }
    let quoted = PGQuery.quoteIdentifier(table)
    let holding = Task {
        try await h.owner.withTransaction { sql in
            try sql.execute(PGQuery(unsafeSQL: "LOCK TABLE \(quoted) IN EXCLUSIVE MODE"))
            try sql.execute(
                PGQuery(
                    unsafeSQL: """
                        DO $$ DECLARE deadline timestamptz := clock_timestamp() + interval '1 minute'; BEGIN
                          WHILE clock_timestamp() < deadline AND NOT EXISTS (SELECT FROM hold_released WHERE table_name = '\(table)') LOOP
                            PERFORM pg_sleep(0.02);
                          END LOOP;
                        END $$
                        """))
        }
    }
    func release() async throws {
        try await h.owner.withConnection { _ = try $0.execute("INSERT INTO hold_released VALUES (\(table))") }
        try await holding.value
    }
    do {
        try await eventually("the lock on \(table) is held") {
            (try? await h.count(
                """
                SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                WHERE c.relname = '\(table)' AND l.mode = 'ExclusiveLock' AND l.granted
                """)) == 1
        }
        let result = try await body()
        try await release()
        return result
    } catch {
        try? await release()
        throw error
    }
}

/// Polls `condition` until it holds, for at most a minute.
private func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(60)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw SyncHarnessError("\(what) did not happen within a minute")
}
