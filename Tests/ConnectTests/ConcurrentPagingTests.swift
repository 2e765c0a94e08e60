import CurlHTTP
import Foundation
import NIOConcurrencyHelpers
import Postgres
import TestSupport
import Testing
import ZoomSandbox

/// Paging while syncs write (issue 6): a consumer that follows cursors to the end, then resumes from the
/// newest `updated_at` it saw, gets every record exactly once per pass and misses none, while two
/// connections of its tenant sync at the same time.
@Suite("Data API paging during concurrent syncs", .enabled(if: TestDatabase.isAvailableOrRequired))
struct ConcurrentPagingTests {
    @Test("every user synced by two concurrent runs is served, none twice within a pass, while the consumer pages during the writes")
    func pagingDuringSyncs() async throws {
        try await withHarness(sandbox: {
            $0.rateLimits = false; $0.users = 900
        }) { h in
            let (tenant, key) = try await h.makeTenant("acme")
            var connections: [String] = []
            for account in [0, 2] {
                let app = h.serverToServerApp(account: account)
                let created = try await h.api(
                    "POST", "/v1/tenants/acme/connections", key: key,
                    json: [
                        "provider": "zoom", "mode": "server_to_server", "account_id": h.sandbox.world.accounts[account].id,
                        "client_id": app.clientID, "client_secret": app.clientSecret,
                    ])
                connections.append(try #require(try h.object(created)["id"] as? String))
            }
            // Only the users stream matters here: replace the full first syncs with users-only runs.
            _ = try await h.owner.withConnection { try $0.execute("DELETE FROM sync_runs") }
            for connection in connections {
                let queued = try await h.api("POST", "/v1/tenants/acme/connections/\(connection)/syncs", key: key, json: ["streams": ["users"]])
                #expect(queued.status == 202)
            }
            // Slow pages, so the writes of both runs interleave with the reading.
            #expect(try await h.control("POST", "/faults", ["latency_ms": 40]).status == 200)

            // The consumer pages to the end, then resumes from the newest updated_at it saw, again and again;
            // once the writes are over it makes one more resume, as a real consumer's next poll would.
            let writesOver = NIOLockedValueBox(false)
            let consumer = Task { () -> (passes: Int, duplicates: [String], seen: Set<String>) in
                var seen: Set<String> = []
                var duplicates: [String] = []
                var newest: String?
                var passes = 0
                var last = false
                while true {
                    last = writesOver.withLockedValue { $0 }
                    passes += 1
                    var pass: Set<String> = []
                    var cursor: String?
                    repeat {
                        var query = "limit=37"
                        if let cursor { query += "&cursor=\(cursor)" } else if let newest { query += "&updated_since=\(newest)" }
                        let page = try h.object(try await h.api("GET", "/v1/tenants/acme/users?\(query)", key: key))
                        for row in page["data"] as? [[String: Any]] ?? [] {
                            let id = row["id"] as? String ?? ""
                            if !pass.insert(id).inserted { duplicates.append(id) }
                            if let stamp = row["updated_at"] as? String, stamp > (newest ?? "") { newest = stamp }
                        }
                        cursor = page["next_cursor"] as? String
                    } while cursor != nil
                    seen.formUnion(pass)
                    if last { break }
                }
                return (passes, duplicates, seen)
            }
            try await h.runSyncWorker(concurrency: 2) {
                let runs = try await h.owner.withConnection { sql in
                    try sql.query("SELECT count(*) FILTER (WHERE status IN ('succeeded', 'partial', 'failed'))::bigint FROM sync_runs")[0]
                        .decode(Int.self, at: 0)
                }
                return runs >= 2
            }
            writesOver.withLockedValue { $0 = true }
            let (passes, duplicates, seen) = try await consumer.value
            let stored = Set(
                try await h.owner.withConnection { sql in
                    try sql.query("SELECT id FROM users WHERE tenant_id = \(UUID(uuidString: tenant)!) AND deleted_at IS NULL")
                        .map { try $0.decode(UUID.self, at: 0).uuidString.lowercased() }
                })
            // The Business account is a master account: its sub accounts' users are synced with it.
            let business = h.sandbox.world.accounts[2]
            let subAccountUsers = h.sandbox.world.subAccounts(of: business).reduce(0) { $0 + h.sandbox.userCount($1) }
            #expect(stored.count == h.sandbox.userCount(h.account) + h.sandbox.userCount(business) + subAccountUsers)
            #expect(passes >= 3, "the consumer paged while the runs wrote")
            #expect(duplicates.isEmpty, "a pass served a record twice: \(duplicates.prefix(3))")
            #expect(stored.subtracting(seen).isEmpty, "the consumer missed \(stored.subtracting(seen).count) users")
            #expect(seen.subtracting(stored).isEmpty)
        }
    }
}
