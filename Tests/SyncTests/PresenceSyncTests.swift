import Foundation
import Postgres
import Store
import TestSupport
import Testing
import Transport
import ZoomSandbox

/// `user_presence`: one request per licensed active user, on its own interval (DESIGN §6.2).
@Suite("Presence stream", .enabled(if: TestDatabase.isAvailableOrRequired))
struct PresenceSyncTests {
    @Test(
        "user_presence holds each licensed active user's status as Zoom sent it; unchanged presence writes nothing, a change one row; users show presence_status"
    )
    func presence() async throws {
        try await withSyncHarness(sandbox: { $0.users = 60 }) { h in
            let users = (0..<h.sandbox.userCount(h.account)).compactMap { h.sandbox.user(h.account, index: $0) }
            let asked = users.filter { $0.status == "active" && $0.type == 2 }
            let first = try await h.sync(["users", "user_presence"])
            #expect(first.status == .succeeded, "\(first.lastError ?? "") \(first.stream("user_presence")?.error ?? "")")
            let stored = try await h.rows("SELECT remote_id FROM user_presence WHERE remote_id = user_remote_id").map {
                try $0.decode(String.self, at: 0)
            }
            #expect(Set(stored) == Set(asked.map(\.id)), "licensed active users only")
            #expect(try await h.count("SELECT count(*) FROM user_presence") == asked.count)
            let mismatched = try await h.count(
                """
                SELECT count(*) FROM user_presence WHERE status IS DISTINCT FROM raw->>'status'
                 OR until_at IS DISTINCT FROM (raw->>'end_time')::timestamptz OR raw ? 'remaining_time'
                """)
            #expect(mismatched == 0, "remaining_time counts down at Zoom: it is not kept")
            #expect(try await h.count("SELECT count(DISTINCT status) FROM user_presence") > 2)

            let second = try await h.sync(["user_presence"])
            #expect(second.stream("user_presence")?.inserted == 0 && second.stream("user_presence")?.updated == 0)
            let target = try #require(asked.first)
            #expect(try await h.control("PATCH", "/accounts/\(h.account.id)/users/\(target.id)", ["presence_status": "Do_Not_Disturb"]).status == 200)
            let third = try await h.sync(["user_presence"])
            #expect(third.stream("user_presence")?.updated == 1 && third.stream("user_presence")?.inserted == 0)

            // The users list carries each user's presence; users Tether does not ask about have none.
            var query = RecordListQuery(table: "users", columns: [ListedColumn("email", .plain)])
            query.related = [RelatedColumn("presence_status", from: "user_presence", column: "status")]
            query.limit = 1000
            let rows = try await SyncedData(pool: h.pool).list(tenantID: h.tenantID, query).rows.map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            let presence = Dictionary(uniqueKeysWithValues: rows.map { ($0["remote_id"] as! String, $0["presence_status"] as? String) })
            #expect(presence[target.id] == "Do_Not_Disturb")
            #expect(presence.filter { $0.value != nil }.count == asked.count)
        }
    }

    @Test("presence of a larger account stays within Zoom's rate limit: no 429, one Light request per licensed active user")
    func pacedByTheLimiter() async throws {
        try await withSyncHarness(sandbox: {
            $0.users = 400; $0.rateLimits = true
        }) { h in
            let asked = (0..<h.sandbox.userCount(h.account)).compactMap { h.sandbox.user(h.account, index: $0) }.filter {
                $0.status == "active" && $0.type == 2
            }
            let before = try await h.counters()
            let run = try await h.sync(["user_presence"], timeout: .seconds(300))
            #expect(run.status == .succeeded)
            let after = try await h.counters()
            #expect(after["rate_limited"] == before["rate_limited"], "the limiter kept pace: Zoom never answered 429")
            #expect(try await h.count("SELECT count(*) FROM user_presence") == asked.count)
            let presenceRequests = h.sandbox.requestCounts.filter { $0.key.hasSuffix("/presence_status") }.values.reduce(0, +)
            #expect(presenceRequests == asked.count)
        }
    }
}
