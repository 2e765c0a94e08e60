import CurlHTTP
import Foundation
import Postgres
import Store
import TestSupport
import Testing
import ZoomSandbox

/// `tether serve` as an operator runs it: HTTP, scheduler and workers in one process, its sync and token
/// metrics at `/metrics` beside the HTTP ones.
@Suite("Serve process", .enabled(if: TestDatabase.isAvailableOrRequired))
struct ServeProcessTests {
    @Test("a run finished by tether serve's own worker shows in /metrics: runs, streams, records and the token refresh it needed")
    func syncMetrics() async throws {
        try await withSyncHarness(sandbox: { $0.users = 120 }) { h in
            _ = try await h.owner.withConnection { sql in
                try sql.execute("UPDATE connection_streams SET next_sync_at = now() + interval '1 day'")
                // An expired access token: the worker must refresh before its first call.
                try sql.execute("UPDATE connection_credentials SET access_token_expires_at = now() - interval '1 minute'")
            }
            let serve = try TetherProcess(
                ["serve"],
                environment: [
                    "DATABASE_URL": h.databaseURL, "TETHER_VAULT_KEYS": h.vaultKeys, "TETHER_LOG_LEVEL": "info",
                    "TETHER_LISTEN": "127.0.0.1:0", "TETHER_MIGRATIONS_DIR": TestDatabase.migrationsDirectory.path,
                    "ZOOM_OAUTH_BASE_URL": h.sandboxBase, "ZOOM_API_BASE_URL": h.sandboxBase + "/v2",
                ])
            defer { serve.killHard() }
            var port: String?
            for _ in 0..<600 where port == nil && serve.isRunning {
                let logs = serve.standardOutput + serve.standardError
                port = logs.firstMatch(of: /address=127\.0\.0\.1:(\d+) \[TetherCLI\] listening/).map { String($0.1) }
                if port == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            let base = "http://127.0.0.1:\(try #require(port, "serve never listened: \(serve.standardError)"))"

            let (runID, _) = try await h.runs.enqueue(
                tenantID: h.tenantID, connectionID: h.connectionID, streams: ["users", "groups"], trigger: .manual)
            let run = try await h.waitFor(runID, timeout: .seconds(120)) { $0.isOver }
            #expect(run.status == .succeeded, "\(run.lastError ?? "") \(serve.standardError.suffix(2000))")

            let text = try await SyncHarness.http.execute(HTTPClientRequest(url: base + "/metrics")).bodyText
            #expect(text.contains(#"tether_sync_runs_total{status="succeeded"} 1"#), "\(text)")
            #expect(text.contains(#"tether_sync_streams_total{stream="users",status="succeeded"} 1"#))
            #expect(text.contains(#"tether_sync_records_total{stream="users",change="inserted"} \#(h.sandbox.userCount(h.account))"#))
            #expect(text.contains("tether_sync_run_attempt_duration_seconds_count 1"))
            #expect(text.contains(#"tether_token_refreshes_total{outcome="succeeded"} 1"#))
            #expect(text.contains(#"tether_sync_queue_runs{state="running"} 0"#))
            #expect(await Self.terminate(serve) == 0, "\(serve.standardError.suffix(2000))")
        }
    }

    static func terminate(_ process: TetherProcess) async -> Int32? {
        kill(process.pid, SIGTERM)
        return await process.exitStatus(within: .seconds(30))
    }
}
