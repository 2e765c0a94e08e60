import Connectors
import Credentials
import Foundation
import Logging
import Postgres
import Store
import Sync
import TestSupport
import Testing
import Transport
import ZoomSandbox

/// A tenant's connection to act on: its API key and connection id.
struct ActionSetup {
    let key: String
    let connectionID: String
    var path: String { "/v1/tenants/acme/connections/\(connectionID)" }
}

/// What the action suites share: a connection to the sandbox's Pro account with its directory synced, an
/// action worker, and requests to the actions API.
protocol ActionTesting {}

extension ActionTesting {
    /// A tenant with a server-to-server connection to the sandbox's Pro account, its users and groups synced.
    func setUp(_ h: Harness) async throws -> ActionSetup {
        let (_, key) = try await h.makeTenant("acme")
        let app = h.serverToServerApp(account: 0)
        let created = try h.object(
            try await h.api(
                "POST", "/v1/tenants/acme/connections", key: key,
                json: [
                    "provider": "zoom", "mode": "server_to_server", "account_id": h.account.id, "client_id": app.clientID,
                    "client_secret": app.clientSecret,
                ]))
        let connectionID = try #require(created["id"] as? String)
        // Connecting queued a full first sync; these tests need the directory only.
        try await h.owner.withConnection { _ = try $0.execute("DELETE FROM sync_runs WHERE trigger = 'connect'") }
        let queued = try h.object(
            try await h.api(
                "POST", "/v1/tenants/acme/connections/\(connectionID)/syncs", key: key,
                json: ["streams": ["users", "groups", "group_members", "roles", "role_members"]]))
        let runID = try #require(queued["run_id"] as? String)
        try await h.runSyncWorker {
            let run = try h.object(try await h.api("GET", "/v1/tenants/acme/connections/\(connectionID)/sync-runs/\(runID)", key: key))
            return ["succeeded", "partial", "failed"].contains(run["status"] as? String ?? "")
        }
        return ActionSetup(key: key, connectionID: connectionID)
    }

    /// Runs an action worker while `body` runs.
    func withActionWorker<Result>(_ h: Harness, _ body: () async throws -> Result) async throws -> Result {
        var configuration = SyncConfiguration()
        configuration.pollInterval = .milliseconds(20)
        // The worker logs into the harness's capture, which sentinel scans read.
        var logger = Logger(label: "tether.tests.actions") { _ in CapturingLogHandler(capture: h.logs) }
        logger.logLevel = .trace
        let worker = ActionWorker(
            dependencies: SyncDependencies(
                pool: h.app, registry: h.connect.registry, tokens: h.tokens, http: h.outbound, configuration: configuration, logger: logger))
        let running = Task { try await worker.run() }
        // The worker is stopped and gone before the test goes on: a request it was sending is abandoned.
        do {
            let result = try await body()
            running.cancel()
            _ = await running.result
            return result
        } catch {
            running.cancel()
            _ = await running.result
            throw error
        }
    }

    func ask(_ h: Harness, _ setup: ActionSetup, _ body: [String: Any], wait: Int = 10) async throws -> (status: Int, json: [String: Any]) {
        let response = try await h.api("POST", setup.path + "/actions?wait=\(wait)", key: setup.key, json: body)
        return (response.status, (try? h.object(response)) ?? [:])
    }

    /// Requests the sandbox answered on `path` so far.
    func writeCount(_ h: Harness, _ path: String) -> Int { h.sandbox.requestCounts[path] ?? 0 }

    /// Requests other than GET the sandbox answered on `path` so far.
    func sentWrites(_ h: Harness, _ path: String) -> Int { h.sandbox.writeCounts[path] ?? 0 }

    /// Leaves the connection's running actions as a worker that died after sending them leaves them: sent,
    /// their lease run out.
    func abandonSentActions(_ h: Harness) async throws {
        try await h.owner.withConnection { sql in
            try sql.execute(
                """
                UPDATE actions SET status = 'running', attempts = greatest(attempts, 1), locked_by = 'dead-worker',
                    locked_until = now() - interval '1 second', sent_at = coalesce(sent_at, now() - interval '5 seconds')
                WHERE status IN ('queued', 'running')
                """)
        }
    }

    /// Polls action `id` until it ends, for at most 30 s.
    func ended(_ h: Harness, _ setup: ActionSetup, _ id: String) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(30)
        var action: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            action = try h.object(try await h.api("GET", setup.path + "/actions/\(id)", key: setup.key))
            if ["succeeded", "failed", "rejected"].contains(action["status"] as? String ?? "") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return action
    }

    func member(_ h: Harness, index: Int) -> SandboxUser { h.sandbox.user(h.account, index: index)! }

    /// A member of the account (not the owner, not an admin) who is active.
    func plainMember(_ h: Harness) -> SandboxUser {
        (3..<h.account.userCount).lazy.map { member(h, index: $0) }.first { $0.roleID == "2" && $0.status == "active" }!
    }

    /// Rows of any table whose text holds `sentinel`.
    func rowsContaining(_ h: Harness, _ sentinel: String) async throws -> Int {
        try await h.owner.withConnection { sql in
            let tables = try sql.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").map { try $0.decode(String.self, at: 0) }
            return try tables.reduce(0) { total, table in
                total
                    + (try sql.query(
                        PGQuery(
                            unsafeSQL: "SELECT count(*)::bigint FROM \(PGQuery.quoteIdentifier(table)) t WHERE t::text LIKE $1",
                            binding: ["%\(sentinel)%"])
                    )[0].decode(Int.self, at: 0))
            }
        }
    }
}
