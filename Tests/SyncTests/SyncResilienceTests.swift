import Connectors
import Credentials
import CurlHTTP
import Foundation
import OAuth
import Postgres
import Sensitive
import Store
import Sync
import TestSupport
import Testing
import ZoomConnector
import ZoomSandbox

@Suite("Sync under failures", .enabled(if: TestDatabase.isAvailableOrRequired))
struct SyncResilienceTests {
    @Test("a 429 storm and 5xx bursts slow the sync down but lose nothing")
    func rateLimitStormAndServerErrors() async throws {
        try await withSyncHarness(sandbox: { $0.users = 400 }) { h in
            #expect(try await h.control("POST", "/faults", ["rate_limit_storm": 6, "error_rate": 0.15, "error_status": 503]).status == 200)
            let run = try await h.sync(["users", "groups", "group_members"])
            #expect(run.status == .succeeded)
            let users = try #require(run.streams.first { $0.name == "users" })
            #expect(users.fetched == h.sandbox.userCount(h.account))
            #expect(run.streams.reduce(0) { $0 + $1.rateLimited } > 0)
            #expect(run.streams.reduce(0) { $0 + $1.retries } > 0)
            #expect(try await h.count("SELECT count(*) FROM users") == h.sandbox.userCount(h.account))
            #expect(try await h.count("SELECT count(*) - count(DISTINCT remote_id) FROM users") == 0)
        }
    }

    @Test("a stream that gives up in one attempt keeps that attempt's 429s in the run's history")
    func failedAttemptKeepsItsCounts() async throws {
        try await withSyncHarness(sandbox: { $0.users = 50 }, sync: { $0.retry.rateLimitedAttempts = 3 }) { h in
            // Three 429s in a row: the first attempt gives up on the users stream, the second succeeds.
            #expect(try await h.control("POST", "/faults", ["rate_limit_storm": 3]).status == 200)
            let run = try await h.sync(["users"])
            #expect(run.status == .succeeded)
            #expect(run.attempt == 2)
            let users = try #require(run.streams.first { $0.name == "users" })
            #expect(users.rateLimited == 3)
            #expect(users.fetched == h.sandbox.userCount(h.account))
        }
    }

    @Test("malformed and truncated pages commit nothing and are fetched again")
    func malformedPages() async throws {
        try await withSyncHarness(sandbox: { $0.users = 300 }) { h in
            #expect(try await h.control("POST", "/faults", ["malformed_rate": 0.2, "truncated_rate": 0.1]).status == 200)
            let run = try await h.sync(["users"])
            #expect(run.status == .succeeded, "\(run.streams.map { "\($0.name) \($0.status) \($0.error ?? "")" })")
            #expect(try await h.count("SELECT count(*) FROM users") == h.sandbox.userCount(h.account))
        }
    }

    @Test("a worker whose lease expired commits nothing once another worker took the run over")
    func fencedWorkerCommitsNothing() async throws {
        try await withSyncHarness(sandbox: { $0.users = 60 }) { h in
            let (runID, _) = try await h.runs.enqueue(tenantID: h.tenantID, connectionID: h.connectionID, streams: ["users"], trigger: .manual)
            // Worker A claims the run with a short lease and then stalls (as under SIGSTOP).
            let zombie = try #require(try await h.runs.claim(workerID: "zombie", lease: .milliseconds(300), limit: 1).first)
            #expect(zombie.runID == runID)
            try await Task.sleep(for: .milliseconds(400))
            // The reaper hands the run back; worker B finishes it.
            try await h.runs.reapExpired { _ in .zero }
            let worker = SyncWorker(dependencies: h.dependencies)
            let working = Task { try await worker.run() }
            var finished: SyncRun?
            for _ in 0..<400 {
                if let run = try await h.runs.find(tenantID: h.tenantID, id: runID), run.status == .succeeded { finished = run; break }
                try await Task.sleep(for: .milliseconds(50))
            }
            working.cancel()
            #expect(finished?.attempt == 2)
            // A wakes up: every write it tries is refused.
            let zombieWrite = await #expect(throws: LeaseLost.self) {
                try await h.pool.withTenant(h.tenantID) { connection in
                    try SyncRuns.fence(connection, zombie)
                    try connection.execute("UPDATE users SET email = 'zombie@example.com'")
                }
            }
            _ = zombieWrite
            #expect(try await h.count("SELECT count(*) FROM users WHERE email = 'zombie@example.com'") == 0)
            await #expect(throws: LeaseLost.self) { try await h.runs.finish(zombie, status: .failed, error: "zombie") }
            #expect(try await h.runs.find(tenantID: h.tenantID, id: runID)?.status == .succeeded)
        }
    }
}

@Suite("Queueing syncs", .enabled(if: TestDatabase.isAvailableOrRequired))
struct SyncQueueTests {
    @Test("connecting an account queues its first full sync at once, and a second request returns that same run")
    func connectQueuesTheFirstSync() async throws {
        try await withSyncHarness { h in
            // The harness removed the run its connect queued; connecting again (same account) queues a new one.
            let s2s = h.sandbox.world.apps.first { $0.kind == .serverToServer(accountIndex: 0) }!
            let connect = try #require(h.connect)
            _ = try await connect.connectServerToServer(
                tenantID: h.tenantID, provider: "zoom", accountID: h.account.id,
                client: ClientCredentials(clientID: s2s.clientID, clientSecret: Secret(s2s.clientSecret)), name: nil)
            let queued = try await h.runs.list(tenantID: h.tenantID, connectionID: h.connectionID, limit: 10)
            #expect(queued.count == 1)
            #expect(queued.first?.trigger == .connect && queued.first?.status == .queued)
            #expect(queued.first?.streams.count == ZoomCatalog.streams.count)
            let again = try await h.runs.enqueue(tenantID: h.tenantID, connectionID: h.connectionID, streams: ["users"], trigger: .manual)
            #expect(!again.created && again.id == queued.first?.id)
        }
    }
}
