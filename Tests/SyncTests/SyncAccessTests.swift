import CurlHTTP
import Foundation
import Store
import Sync
import TestSupport
import Testing
import ZoomSandbox

/// What the account lets a sync do, and what happens when that changes during a run: tokens expiring and
/// revoked, scopes not granted, a plan without a feature, page tokens that time out.
@Suite("Sync and the account's tokens, scopes and plan", .enabled(if: TestDatabase.isAvailableOrRequired))
struct SyncAccessTests {
    static let directory = ["users", "groups", "group_members"]

    @Test("access tokens that expire during a run are refreshed (rotating the refresh token) and the run loses nothing")
    func tokenExpiryMidSync() async throws {
        try await withSyncHarness(
            login: .platformApp(named: "platform app"),
            sandbox: {
                $0.users = 900
                $0.accessTokenLifetime = .seconds(4)
            }
        ) { h in
            // Each request takes a while, so the run outlives several access tokens.
            #expect(try await h.control("POST", "/faults", ["latency_ms": 250]).status == 200)
            let before = try await h.counters()
            let run = try await h.sync(Self.directory)
            #expect(run.status == .succeeded, "\(run.streams.map { "\($0.name) \($0.status) \($0.error ?? "")" })")
            let after = try await h.counters()
            #expect(after["refreshes"]! - before["refreshes"]! >= 2)
            #expect(after["rejected_token_requests"] == before["rejected_token_requests"])
            #expect(try await h.count("SELECT count(*) FROM users WHERE deleted_at IS NULL") == h.sandbox.userCount(h.account))
            #expect(try await h.connections.find(tenantID: h.tenantID, id: h.connectionID)?.status == .active)
        }
    }

    @Test("a refresh token revoked during a run: the connection needs re-authorization, the run fails once and is not retried")
    func invalidGrantMidSync() async throws {
        try await withSyncHarness(login: .platformApp(named: "platform app"), sandbox: { $0.users = 1500 }) { h in
            #expect(try await h.control("POST", "/faults", ["latency_ms": 150]).status == 200)
            let (runID, worker) = try await h.start(Self.directory)
            defer { worker.cancel() }
            _ = try await h.waitFor(runID) { ($0.stream("users")?.pages ?? 0) >= 1 }
            // The admin removes the app: every token it holds dies at once.
            #expect(try await h.control("POST", "/tokens/revoke", ["client_id": h.app.clientID, "account_id": h.account.id]).status == 200)
            let run = try await h.waitFor(runID) { $0.isOver }
            #expect(run.status == .failed)
            #expect(run.attempt == 1)
            #expect(run.lastError?.contains("needs to be reconnected") == true, "\(run.lastError ?? "")")
            let connection = try #require(try await h.connections.find(tenantID: h.tenantID, id: h.connectionID))
            #expect(connection.status == .needsReauth)
            // Nothing comes back for another try while the connection cannot be used.
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await h.runs.list(tenantID: h.tenantID, connectionID: h.connectionID, limit: 10).map(\.status) == [.failed])
            #expect(try await h.counters()["rejected_token_requests"] == 1)
            // What was committed before the revocation stays; the secret never reached a row or an error.
            #expect(try await h.count("SELECT count(*) FROM users") > 0)
        }
    }

    @Test("streams whose scopes were not granted end as missing_scope naming the scope, without calling Zoom or failing the run")
    func missingScopes() async throws {
        try await withSyncHarness(login: .platformApp(named: "limited")) { h in
            let before = try await h.counters()["api_requests"]
            let run = try await h.sync(Self.directory + ["report_daily"])
            #expect(run.status == .succeeded)
            for stream in run.streams {
                #expect(stream.status == .missingScope, "\(stream.name): \(stream.status)")
                #expect(stream.error?.contains(":read:") == true, "\(stream.name) names no scope: \(stream.error ?? "")")
            }
            #expect(run.stream("users")?.error?.contains("user:read:list_users:admin") == true, "\(run.stream("users")?.error ?? "")")
            #expect(try await h.counters()["api_requests"] == before)
            #expect(try await h.count("SELECT count(*) FROM users") == 0)
        }
    }

    @Test("on a Free account, reports end as not_available while the directory syncs; the run succeeds")
    func planGating() async throws {
        try await withSyncHarness(login: .serverToServer(account: 1)) { h in
            let free = h.sandbox.world.accounts[1]
            let reports = ["report_daily", "report_users", "report_activities", "report_operation_logs", "report_billing"]
            let run = try await h.sync(Self.directory + reports)
            #expect(run.status == .succeeded)
            for name in reports { #expect(run.stream(name)?.status == .notAvailable, "\(name): \(run.stream(name)?.status.rawValue ?? "-")") }
            #expect(run.stream("users")?.status == .succeeded)
            #expect(try await h.count("SELECT count(*) FROM users") == h.sandbox.userCount(free))
            #expect(try await h.count("SELECT count(*) FROM report_daily_usage") == 0)
        }
    }

    @Test("page tokens that expire during a slow listing restart it; every user is there exactly once")
    func pageTokensExpireMidListing() async throws {
        try await withSyncHarness(sandbox: { $0.users = 900 }) { h in
            #expect(try await h.control("POST", "/faults", ["latency_ms": 300]).status == 200)
            let (runID, worker) = try await h.start(["users"])
            defer { worker.cancel() }
            _ = try await h.waitFor(runID) { ($0.stream("users")?.pages ?? 0) >= 1 }
            // Sixteen minutes pass between two pages: Zoom's tokens live fifteen.
            #expect(try await h.control("POST", "/clock/advance", ["seconds": 960]).status == 200)
            let run = try await h.waitFor(runID) { $0.isOver }
            #expect(run.status == .succeeded, "\(run.streams.map { "\($0.name) \($0.status) \($0.error ?? "")" })")
            let users = try #require(run.stream("users"))
            #expect(users.fetched > h.sandbox.userCount(h.account), "the listing started over")
            #expect(try await h.count("SELECT count(*) FROM users WHERE deleted_at IS NULL") == h.sandbox.userCount(h.account))
            #expect(try await h.count("SELECT count(*) - count(DISTINCT remote_id) FROM users") == 0)
        }
    }
}
