import Foundation
import Postgres
import Store
import Sync
import TestSupport
import Testing
import ZoomSandbox

/// The operator's everyday verbs (DESIGN §6.3), run as processes the way an operator runs them.
@Suite("Operator commands", .enabled(if: TestDatabase.isAvailableOrRequired))
struct OperatorCommandsTests {
    /// Runs `tether <arguments>` against the harness's database; returns (exit status, stdout, stderr).
    static func tether(_ h: SyncHarness, _ arguments: [String]) async throws -> (status: Int32?, out: String, err: String) {
        let process = try TetherProcess(
            arguments,
            environment: [
                "DATABASE_URL": h.databaseURL, "TETHER_VAULT_KEYS": h.vaultKeys, "TETHER_LOG_LEVEL": "warning",
                "ZOOM_OAUTH_BASE_URL": h.sandboxBase, "ZOOM_API_BASE_URL": h.sandboxBase + "/v2",
            ])
        defer { process.killHard() }
        let status = await process.exitStatus(within: .seconds(60))
        return (status, process.standardOutput, process.standardError)
    }

    @Test("tenants list, connections list and runs list show what the database holds; sync --full forgets the watermarks first")
    func listsAndFullSync() async throws {
        try await withSyncHarness(sandbox: { $0.users = 40 }) { h in
            let run = try await h.sync(["users"])
            let tenants = try await Self.tether(h, ["tenants", "list"])
            #expect(tenants.status == 0 && tenants.out.contains("\tacme\t"), "\(tenants)")
            let connections = try await Self.tether(h, ["connections", "list", "--tenant", "acme"])
            #expect(connections.status == 0 && connections.out.contains(h.connectionID.uuidString.lowercased()), "\(connections)")
            #expect(connections.out.contains("server_to_server") && connections.out.contains("active"))
            let runs = try await Self.tether(h, ["runs", "list", "--tenant", "acme"])
            #expect(runs.status == 0 && runs.out.contains(run.id.uuidString.lowercased()) && runs.out.contains("succeeded"), "\(runs)")
            #expect(try await Self.tether(h, ["runs", "list", "--tenant", "nobody"]).status != 0)

            _ = try await h.owner.withConnection {
                try $0.execute("UPDATE connection_streams SET watermark = '2026-11-01' WHERE name IN ('report_daily', 'report_users')")
            }
            let full = try await Self.tether(h, ["sync", "--tenant", "acme", "--stream", "report_daily", "--full"])
            #expect(full.status == 0 && full.out.contains("forgot 1 watermark"), "\(full)")
            let kept = try await h.rows("SELECT name, watermark::text FROM connection_streams WHERE watermark IS NOT NULL").map {
                try $0.decode((String, String).self)
            }
            #expect(kept.map(\.0) == ["report_users"], "only the named stream's watermark is forgotten")
            #expect(try await h.count("SELECT count(*) FROM sync_runs WHERE status = 'queued'") == 1)
        }
    }

    @Test("tenants delete refuses without --purge; with it, 0 rows of the tenant are left in any tenant table, reported by table")
    func offboarding() async throws {
        try await withSyncHarness(sandbox: { $0.users = 40 }) { h in
            _ = try await h.sync(["users", "groups", "group_members"])
            let refused = try await Self.tether(h, ["tenants", "delete", "acme"])
            #expect(refused.status != 0 && refused.err.contains("--purge"), "\(refused)")
            #expect(try await h.count("SELECT count(*) FROM users") == 40)

            let deleted = try await Self.tether(h, ["tenants", "delete", "acme", "--purge"])
            #expect(deleted.status == 0, "\(deleted)")
            #expect(deleted.out.contains("users\t40") && deleted.out.contains("connections\t1"), "\(deleted.out)")
            // The credentials went first, with the disconnect that revokes them at the provider.
            let tables = try await h.owner.withConnection { sql in
                try sql.query(
                    """
                    SELECT c.relname::text FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
                    WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
                    """
                ).map { try $0.decode(String.self, at: 0) }
            }
            #expect(tables.count > 20)
            for table in tables {
                let left = try await h.owner.withConnection { sql in
                    try sql.query(
                        PGQuery(unsafeSQL: "SELECT count(*) FROM \(PGQuery.quoteIdentifier(table)) WHERE tenant_id = $1", binding: [h.tenantID]))[0]
                        .decode(Int.self, at: 0)
                }
                #expect(left == 0, "\(table) still has \(left) rows of the tenant")
            }
            #expect(try await h.count("SELECT count(*) FROM tenants WHERE slug = 'acme'") == 0)
        }
    }
}

/// `tether actions run|list` (DESIGN §6.1), as processes, with a real action worker in between.
@Suite("Actions from the CLI", .enabled(if: TestDatabase.isAvailableOrRequired))
struct ActionsCommandTests {
    @Test("actions run records an action as the API does (bad input refused, nothing stored); a worker carries it out; actions list shows it")
    func runAndList() async throws {
        try await withSyncHarness(sandbox: { $0.users = 40 }) { h in
            let connection = h.connectionID.uuidString.lowercased()
            let member = try #require(
                (3..<40).lazy.compactMap { h.sandbox.user(h.account, index: $0) }.first { $0.roleID == "2" && $0.status == "active" })
            let refused = try await OperatorCommandsTests.tether(
                h, ["actions", "run", "--tenant", "acme", "--connection", connection, "user.update", "--input", #"{"user": "x@y.z"}"#])
            #expect(refused.status != 0 && refused.err.contains("give at least one of"), "\(refused)")
            #expect(try await h.count("SELECT count(*) FROM actions") == 0, "nothing stored")

            let arguments = [
                "actions", "run", "--tenant", "acme", "--connection", connection, "user.deactivate", "--input", #"{"user": "\#(member.email)"}"#,
                "--idempotency-key", "cli-1",
            ]
            let queued = try await OperatorCommandsTests.tether(h, arguments)
            #expect(queued.status == 0 && queued.out.contains(#""status":"queued""#), "\(queued)")
            let worker = Task { try await ActionWorker(dependencies: h.dependencies).run() }
            defer { worker.cancel() }
            let waited = try await OperatorCommandsTests.tether(h, arguments + ["--wait"])
            #expect(waited.status == 0 && waited.out.contains(#""status":"succeeded""#), "the same key: the first action, waited for; \(waited)")
            #expect(h.sandbox.user(h.account, index: member.index)?.status == "inactive")
            #expect(h.sandbox.requestCounts["/v2/users/\(member.id)/status"] == 1)

            let listed = try await OperatorCommandsTests.tether(h, ["actions", "list", "--tenant", "acme"])
            #expect(listed.status == 0 && listed.out.contains("user.deactivate\tsucceeded") && listed.out.contains("tether actions run"), "\(listed)")
            let owner = h.sandbox.world.user(of: h.account, role: .owner)
            let protected = try await OperatorCommandsTests.tether(
                h,
                [
                    "actions", "run", "--tenant", "acme", "--connection", connection, "user.deactivate", "--input", #"{"user": "\#(owner.id)"}"#,
                    "--wait",
                ])
            #expect(protected.status == 1 && protected.out.contains("protected_target"), "\(protected)")
        }
    }
}
