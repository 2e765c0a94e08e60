import Foundation
import Postgres
import Store
import TestSupport
import Testing
import Transport
import ZoomSandbox

/// `user_settings` (one request per user) and `account_settings` (DESIGN §6.2).
@Suite("Settings streams", .enabled(if: TestDatabase.isAvailableOrRequired))
struct SettingsSyncTests {
    @Test(
        "user_settings holds one row per active or inactive user, every column as Zoom sent it; a second sync writes nothing; a removed user's row is marked deleted"
    )
    func userSettings() async throws {
        try await withSyncHarness(sandbox: { $0.users = 60 }) { h in
            let users = (0..<h.sandbox.userCount(h.account)).compactMap { h.sandbox.user(h.account, index: $0) }
            let readable = users.filter { $0.status != "pending" }
            let first = try await h.sync(["user_settings"])
            #expect(first.status == .succeeded, "\(first.lastError ?? "") \(first.stream("user_settings")?.error ?? "")")
            let stored = try await h.rows("SELECT user_remote_id FROM user_settings WHERE remote_id = user_remote_id").map {
                try $0.decode(String.self, at: 0)
            }
            #expect(Set(stored) == Set(readable.map(\.id)), "pending users have no settings to read (Zoom's code 1000)")
            #expect(try await h.count("SELECT count(*) FROM user_settings") == readable.count)
            let mismatched = try await h.count(
                """
                SELECT count(*) FROM user_settings WHERE
                    meeting_capacity IS DISTINCT FROM (raw->'feature'->>'meeting_capacity')::bigint
                 OR large_meeting IS DISTINCT FROM (raw->'feature'->>'large_meeting')::boolean
                 OR webinar IS DISTINCT FROM (raw->'feature'->>'webinar')::boolean
                 OR zoom_phone IS DISTINCT FROM (raw->'feature'->>'zoom_phone')::boolean
                 OR cloud_recording IS DISTINCT FROM (raw->'recording'->>'cloud_recording')::boolean
                 OR auto_recording IS DISTINCT FROM raw->'recording'->>'auto_recording'
                 OR waiting_room IS DISTINCT FROM (raw->'in_meeting'->>'waiting_room')::boolean
                 OR raw->'feature' IS NULL OR raw->'recording' IS NULL OR raw->'in_meeting' IS NULL
                """)
            #expect(mismatched == 0)
            // Licences decide the features: Basic users hold 100-seat meetings and no webinars.
            let licensed = Set(readable.filter { $0.type == 2 }.map(\.id))
            for row in try await h.rows("SELECT user_remote_id, meeting_capacity, webinar FROM user_settings") {
                let (user, capacity, webinar) = try row.decode((String, Int, Bool).self)
                #expect(capacity == (licensed.contains(user) ? 300 : 100))
                #expect(!webinar || licensed.contains(user))
            }

            let second = try await h.sync(["user_settings"])
            #expect(second.stream("user_settings")?.inserted == 0 && second.stream("user_settings")?.updated == 0, "re-reading writes nothing")

            let removed = try #require(readable.last)
            #expect(try await h.control("DELETE", "/accounts/\(h.account.id)/users/\(removed.id)").status == 200)
            let third = try await h.sync(["user_settings"])
            #expect(third.status == .succeeded)
            #expect(try await h.count("SELECT count(*) FROM user_settings WHERE deleted_at IS NOT NULL AND user_remote_id = '\(removed.id)'") == 1)
            #expect(try await h.count("SELECT count(*) FROM user_settings WHERE deleted_at IS NULL") == readable.count - 1)
        }
    }

    @Test("the data API reads a user's settings through the user's id; an unknown user is nil, not an empty page")
    func settingsOfOneUser() async throws {
        try await withSyncHarness(sandbox: { $0.users = 20 }) { h in
            #expect(try await h.sync(["users", "user_settings"]).status == .succeeded)
            let (userID, remoteID) = try await h.rows("SELECT id, remote_id FROM users WHERE status = 'active' ORDER BY remote_id LIMIT 1")[0]
                .decode((UUID, String).self)
            var query = RecordListQuery(table: "user_settings", columns: [ListedColumn("user_remote_id", .plain), ListedColumn("webinar", .plain)])
            query.includeRaw = true
            let data = SyncedData(pool: h.pool)
            let page = try #require(
                try await data.children(tenantID: h.tenantID, parentTable: "users", parent: userID, parentColumn: "user_remote_id", query))
            #expect(page.rows.count == 1 && page.next == nil)
            let row = try #require(try JSONSerialization.jsonObject(with: Data(page.rows[0].utf8)) as? [String: Any])
            #expect(row["user_remote_id"] as? String == remoteID && row["webinar"] is Bool && row["raw"] is [String: Any])
            #expect(try await data.children(tenantID: h.tenantID, parentTable: "users", parent: UUID(), parentColumn: "user_remote_id", query) == nil)
        }
    }

    @Test("account_settings is one row with the account's policies, as Zoom sent them; a Free account's is not available")
    func accountSettings() async throws {
        try await withSyncHarness(sandbox: { $0.users = 10 }) { h in
            let run = try await h.sync(["account_settings"])
            #expect(run.status == .succeeded)
            #expect(try await h.count("SELECT count(*) FROM account_settings") == 1)
            let mismatched = try await h.count(
                """
                SELECT count(*) FROM account_settings WHERE
                    waiting_room IS DISTINCT FROM (raw->'in_meeting'->>'waiting_room')::boolean
                 OR e2e_encryption IS DISTINCT FROM (raw->'in_meeting'->>'e2e_encryption')::boolean
                 OR require_meeting_password IS DISTINCT FROM (raw->'schedule_meeting'->>'require_password_for_scheduling_new_meetings')::boolean
                 OR password_minimum_length IS DISTINCT FROM (raw->'security'->'password_requirement'->>'minimum_password_length')::bigint
                 OR cloud_recording IS DISTINCT FROM (raw->'recording'->>'cloud_recording')::boolean
                 OR auto_recording IS DISTINCT FROM raw->'recording'->>'auto_recording'
                 OR recording_retention_days IS DISTINCT FROM (raw->'recording'->>'auto_delete_cmr_days')::bigint
                 OR password_minimum_length IS NULL OR recording_retention_days IS NULL
                """)
            #expect(mismatched == 0)
        }
        try await withSyncHarness(login: .serverToServer(account: 1)) { h in
            let run = try await h.sync(["account_settings"])
            #expect(run.stream("account_settings")?.status == .notAvailable, "\(run.stream("account_settings")?.error ?? "")")
            #expect(try await h.count("SELECT count(*) FROM account_settings") == 0)
        }
    }
}
