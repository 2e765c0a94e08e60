import CurlHTTP
import Foundation
import Postgres
import Store
import TestSupport
import Testing
import ZoomSandbox

/// Real `tether worker` processes sharing one database, and `tether sync --wait` following them.
@Suite("Worker processes", .enabled(if: TestDatabase.isAvailableOrRequired))
struct WorkerProcessTests {
    @Test("two worker processes never run one connection at once; kill -9 of the one syncing loses and duplicates nothing (W1)")
    func killedWorker() async throws {
        try await withSyncHarness(sandbox: { $0.users = 1500 }) { h in
            // Only the run this test queues: nothing is due on the schedule.
            _ = try await h.owner.withConnection { try $0.execute("UPDATE connection_streams SET next_sync_at = now() + interval '1 day'") }
            #expect(try await h.control("POST", "/faults", ["latency_ms": 150]).status == 200)
            let environment = [
                "DATABASE_URL": h.databaseURL, "TETHER_VAULT_KEYS": h.vaultKeys, "TETHER_LOG_LEVEL": "info",
                "ZOOM_OAUTH_BASE_URL": h.sandboxBase, "ZOOM_API_BASE_URL": h.sandboxBase + "/v2",
            ]
            let workerArguments = [
                "worker", "--concurrency", "2", "--database-connections", "3", "--lease-seconds", "8", "--retry-backoff-seconds", "1",
            ]
            let workers = [
                try TetherProcess(workerArguments, environment: environment), try TetherProcess(workerArguments, environment: environment),
            ]
            defer { workers.forEach { $0.killHard() } }
            let follower = try TetherProcess(
                ["sync", "--tenant", "acme", "--stream", "users", "--stream", "groups", "--stream", "group_members", "--wait"],
                environment: environment)
            defer { follower.killHard() }

            // The run `tether sync` queued, and every process that held it, sampled until it is over.
            var runID: UUID?
            for _ in 0..<400 where runID == nil {
                runID = try await h.runs.list(tenantID: h.tenantID, connectionID: h.connectionID, limit: 1).first?.id
                if runID == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            let id = try #require(runID, "tether sync queued no run: \(follower.standardError)")
            let holders = Task {
                var seen: [String] = []
                while !Task.isCancelled {
                    let rows = try await h.rows("SELECT locked_by, status FROM sync_runs WHERE id = '\(id.uuidString)'")
                    if let holder = try rows[0].decode(String?.self, at: 0), seen.last != holder { seen.append(holder) }
                    if try ["succeeded", "partial", "failed"].contains(rows[0].decode(String.self, at: 1)) { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                return seen
            }
            defer { holders.cancel() }

            _ = try await h.waitFor(id) { ($0.stream("users")?.pages ?? 0) >= 2 }
            let holder = try #require(
                try await h.rows("SELECT locked_by FROM sync_runs WHERE id = '\(id.uuidString)'")[0].decode(String?.self, at: 0))
            let victim = try #require(workers.first { holder.split(separator: ":")[1] == "\($0.pid)" }, "no worker holds \(holder)")
            victim.killHard()

            let run = try await h.waitFor(id, timeout: .seconds(180)) { $0.isOver }
            #expect(run.status == .succeeded, "\(run.lastError ?? "") \(workers.map(\.standardError))")
            #expect(run.attempt == 2, "one attempt died with its worker, the next one finished")
            let sequence = try await holders.value
            #expect(sequence.count == 2, "holders: \(sequence)")
            #expect(sequence.first == holder)
            #expect(sequence.last?.split(separator: ":")[1] == workers.first { $0 !== victim }.map { "\($0.pid)"[...] })

            // 0 lost, 0 duplicated: the tables hold the sandbox's data exactly once.
            #expect(try await h.count("SELECT count(*) FROM users WHERE deleted_at IS NULL") == h.sandbox.userCount(h.account))
            #expect(try await h.count("SELECT count(*) - count(DISTINCT remote_id) FROM users") == 0)
            let users = (0..<h.sandbox.userCount(h.account)).compactMap { h.sandbox.user(h.account, index: $0) }
            #expect(try await h.count("SELECT count(*) FROM groups WHERE deleted_at IS NULL") == h.sandbox.groups(h.account).count)
            #expect(try await h.count("SELECT count(*) FROM group_members WHERE deleted_at IS NULL") == users.reduce(0) { $0 + $1.groupIDs.count })
            #expect(try await h.count("SELECT count(*) - count(DISTINCT remote_id) FROM group_members") == 0)

            // `tether sync --wait` followed the run to its end, stream by stream.
            #expect(await follower.exitStatus(within: .seconds(30)) == 0, "\(follower.standardError)")
            let output = follower.standardOutput
            #expect(output.contains("queued run \(id.uuidString.lowercased())"), "\(output)")
            #expect(output.contains("run status: running"))
            #expect(
                output.range(of: #"users +succeeded +pages \d+  fetched \#(run.stream("users")?.fetched ?? -1)"#, options: .regularExpression) != nil,
                "\(output)")
            #expect(output.contains("run \(id.uuidString.lowercased()) succeeded in"))

            // SIGTERM mid-run (W10): the survivor drains and exits 0, and no run is left `running`.
            let survivor = try #require(workers.first { $0 !== victim })
            let (next, _) = try await h.runs.enqueue(tenantID: h.tenantID, connectionID: h.connectionID, streams: ["users"], trigger: .manual)
            _ = try await h.waitFor(next) { $0.status == .running }
            survivor.terminate()  // SIGTERM
            #expect(await survivor.exitStatus(within: .seconds(60)) == 0, "\(survivor.standardError)")
            #expect(try await h.count("SELECT count(*) FROM sync_runs WHERE status = 'running'") == 0)
        }
    }
}
