import Connectors
import CurlHTTP
import Foundation
import Postgres
import Store
import Sync
import TestSupport
import Testing
import ZoomConnector
import ZoomSandbox

@Suite("Syncing a Zoom account", .enabled(if: TestDatabase.isAvailableOrRequired))
struct SnapshotSyncTests {
    static let directory = ["users", "roles", "role_members", "groups", "group_members"]

    @Test("a full sync stores every sandbox user of all three statuses, field by field, with groups, roles and their members")
    func fullSyncEqualsTheSandbox() async throws {
        try await withSyncHarness(sandbox: { $0.users = 700 }) { h in
            let run = try await h.sync(Self.directory)
            #expect(run.status == .succeeded)
            let users = (0..<h.sandbox.userCount(h.account)).compactMap { h.sandbox.user(h.account, index: $0) }
            let stored = try await h.rows(
                """
                SELECT remote_id, email, first_name, last_name, status, license_type, role_id, department, job_title,
                    array_to_string(group_ids, ','), last_login_at IS NOT NULL
                FROM users WHERE deleted_at IS NULL ORDER BY remote_id
                """)
            #expect(stored.count == users.count)
            let byID = Dictionary(uniqueKeysWithValues: users.map { ($0.id, $0) })
            var mismatches = 0
            for row in stored {
                let v = try row.decode((String, String?, String?, String?, String?, String?, String?, String?, String?, String, Bool).self)
                guard let user = byID[v.0] else { mismatches += 1; continue }
                let license = [1: "basic", 2: "licensed", 99: "none"][user.type] ?? "other"
                if v.1 != user.email || v.2 != user.firstName || v.3 != user.lastName || v.4 != user.status || v.5 != license
                    || v.6 != user.roleID || v.7 != user.department || v.8 != user.jobTitle || v.9 != user.groupIDs.joined(separator: ",")
                    || v.10 != (user.lastLoginAt != nil)
                {
                    mismatches += 1
                }
            }
            #expect(mismatches == 0)
            #expect(Set(users.map(\.status)) == ["active", "inactive", "pending"])
            // Groups and their members agree with the users' group ids; every user holds exactly one role.
            let groups = h.sandbox.groups(h.account)
            #expect(try await h.count("SELECT count(*) FROM groups") == groups.count)
            let memberships = users.reduce(0) { $0 + $1.groupIDs.count }
            #expect(try await h.count("SELECT count(*) FROM group_members") == memberships)
            #expect(try await h.count("SELECT count(*) FROM role_members") == users.count)
            #expect(try await h.count("SELECT count(DISTINCT remote_id) FROM role_members") == users.count)
            let users101 = try await h.count(
                "SELECT count(*) FROM users u JOIN role_members m ON m.user_remote_id = u.remote_id AND m.role_remote_id = u.role_id")
            #expect(users101 == users.count)
            // Run history: pages and counts per stream.
            let usersStream = try #require(run.streams.first { $0.name == "users" })
            #expect(usersStream.status == .succeeded)
            #expect(usersStream.fetched == users.count && usersStream.inserted == users.count && usersStream.deleted == 0)
            #expect(usersStream.pages >= 3)
        }
    }

    @Test("a second sync without changes rewrites no row; additions, changes and removals show up in the next one")
    func incrementalChanges() async throws {
        try await withSyncHarness(sandbox: { $0.users = 120 }) { h in
            try await h.sync(Self.directory)
            let versions = { try await h.rows("SELECT string_agg(xmin::text, ',' ORDER BY remote_id) FROM users")[0].decode(String.self, at: 0) }
            let before = try await versions()
            let second = try await h.sync(Self.directory)
            #expect(second.status == .succeeded)
            for stream in second.streams {
                #expect(stream.inserted == 0 && stream.updated == 0 && stream.deleted == 0, "\(stream.name) changed rows")
                #expect(stream.unchanged == stream.fetched, "\(stream.name)")
            }
            #expect(try await versions() == before)

            // Change the directory at "Zoom".
            let account = h.account.id
            let victim = try #require(h.sandbox.user(h.account, index: 10))
            let renamed = try #require(h.sandbox.user(h.account, index: 11))
            let group = try #require(
                h.sandbox.groups(h.account).first { g in
                    (0..<h.sandbox.userCount(h.account)).contains { h.sandbox.user(h.account, index: $0)?.groupIDs.contains(g.id) == true }
                })
            #expect(
                try await h.control(
                    "POST", "/accounts/\(account)/users", ["email": "new.hire@example.com", "first_name": "New", "last_name": "Hire"]
                ).status == 201)
            #expect(try await h.control("PATCH", "/accounts/\(account)/users/\(renamed.id)", ["last_name": "Renamed", "type": 1]).status == 200)
            #expect(try await h.control("DELETE", "/accounts/\(account)/users/\(victim.id)").status == 200)
            #expect(try await h.control("DELETE", "/accounts/\(account)/groups/\(group.id)").status == 200)

            let third = try await h.sync(Self.directory)
            let users = try #require(third.streams.first { $0.name == "users" })
            #expect(users.inserted == 1 && users.deleted == 1 && users.updated >= 1)
            let changed = try await h.rows("SELECT last_name, license_type FROM users WHERE remote_id = '\(renamed.id)'")[0].decode(
                (String, String).self)
            #expect(changed == ("Renamed", "basic"))
            #expect(try await h.count("SELECT count(*) FROM users WHERE remote_id = '\(victim.id)' AND deleted_at IS NOT NULL") == 1)
            #expect(try await h.count("SELECT count(*) FROM users WHERE email = 'new.hire@example.com' AND deleted_at IS NULL") == 1)
            // Members of the removed group follow it.
            #expect(try await h.count("SELECT count(*) FROM groups WHERE remote_id = '\(group.id)' AND deleted_at IS NOT NULL") == 1)
            #expect(try await h.count("SELECT count(*) FROM group_members WHERE group_remote_id = '\(group.id)' AND deleted_at IS NULL") == 0)
            #expect(try await h.count("SELECT count(*) FROM group_members WHERE user_remote_id = '\(victim.id)' AND deleted_at IS NULL") == 0)
            // The seen ids are cleaned up after each snapshot.
            #expect(try await h.count("SELECT count(*) FROM sync_seen") == 0)
        }
    }

    @Test("every contracted stream ends succeeded or not_available on a Pro account, and reports keep a watermark")
    func everyStream() async throws {
        try await withSyncHarness(sandbox: {
            $0.users = 40; $0.meetingsPerDay = 1
        }) { h in
            let run = try await h.sync(ZoomCatalog.streams.map(\.name))
            #expect(run.status == .succeeded)
            for stream in run.streams {
                #expect([.succeeded, .notAvailable].contains(stream.status), "\(stream.name): \(stream.status) \(stream.error ?? "")")
            }
            // Pro has no sub accounts, Zoom Rooms or dashboard in the sandbox; everything else syncs.
            let unavailable = Set(run.streams.filter { $0.status == .notAvailable }.map(\.name))
            #expect(
                unavailable == [
                    "sub_accounts", "rooms", "room_devices", "room_locations", "meetings", "meeting_participants", "meeting_quality", "room_health",
                    "room_issues",
                ])
            #expect(try await h.count("SELECT count(*) FROM report_daily_usage") > 120)
            #expect(try await h.count("SELECT count(*) FROM billing_invoices") == 12)
            #expect(try await h.count("SELECT count(*) FROM report_billing WHERE jsonb_array_length(invoices) = 1") == 6)
            let watermarks = try await h.count(
                """
                SELECT count(*) FROM connection_streams WHERE name LIKE 'report_%' AND name <> 'report_billing'
                  AND watermark = (now() AT TIME ZONE 'UTC')::date - 1
                """)
            #expect(watermarks == 5)
            // A second run fetches only the trailing window of the windowed streams.
            let again = try await h.sync(["report_daily", "report_activities"])
            for stream in again.streams { #expect(stream.pages <= 2 && stream.inserted == 0, "\(stream.name)") }
        }
    }

    @Test("on a Business master account every stream syncs, and a second sync with nothing changed writes no row in any of them")
    func secondSyncWritesNothing() async throws {
        try await withSyncHarness(
            login: .serverToServer(account: 2),
            sandbox: {
                $0.rateLimits = false; $0.meetingsPerDay = 2
            }, sync: MeetingsSyncTests.unpaced
        ) { h in
            let names = ZoomCatalog.streams.map(\.name)
            let first = try await h.sync(names, timeout: .seconds(300))
            for stream in first.streams {
                #expect(stream.status == .succeeded, "\(stream.name): \(stream.status) \(stream.error ?? "")")
            }
            #expect(first.streams.count == names.count)
            let second = try await h.sync(names, timeout: .seconds(300))
            for stream in second.streams {
                #expect(stream.status == .succeeded && stream.inserted == 0 && stream.updated == 0, "\(stream.name) wrote again")
            }
        }
    }
}

/// The SQL views answer on data a real sync stored (issue 16): no seeded value the connector never writes.
@Suite("Views on synced data", .enabled(if: TestDatabase.isAvailableOrRequired))
struct SyncedViewTests {
    @Test("seat_usage matches the plan the connector stores: seats Zoom reports for the base plan against the licensed users synced")
    func seatUsageOnSyncedData() async throws {
        try await withSyncHarness(sandbox: { $0.users = 60 }) { h in
            let run = try await h.sync(["users", "plan_usage"])
            #expect(run.status == .succeeded, "\(run.lastError ?? "")")
            let rows = try await h.pool.withTenant(h.tenantID) { sql in
                try sql.query("SELECT plan_type, seats_bought, licensed_users, seats_unassigned FROM seat_usage").map {
                    try $0.decode((String, Int, Int, Int).self)
                }
            }
            #expect(rows.count == 1, "one row for the base plan: \(rows)")
            let licensed = try await h.count("SELECT count(*) FROM users WHERE license_type = 'licensed' AND deleted_at IS NULL")
            let bought = try await h.count("SELECT seats_bought FROM billing_plan_usage WHERE plan = 'base'")
            #expect(licensed > 0 && bought > 0)
            #expect(rows.first.map { [$0.1, $0.2, $0.3] } == [bought, licensed, bought - licensed])
        }
    }
}

/// `report_users` (issue 16): one row per host and calendar month, whatever days a sync re-reads.
@Suite("Active and inactive hosts per month", .enabled(if: TestDatabase.isAvailableOrRequired))
struct ReportUsersTests {
    @Test(
        "report_users keeps one row per host and month: a second sync re-reading the trailing days adds no row and no overlapping range; inactive hosts are included"
    )
    func oneRowPerHostAndMonth() async throws {
        try await withSyncHarness(sandbox: { $0.users = 60 }) { h in
            let first = try await h.sync(["report_users"])
            #expect(first.status == .succeeded, "\(first.lastError ?? "") \(first.stream("report_users")?.error ?? "")")
            let rows = try await h.count("SELECT count(*) FROM report_active_hosts")
            #expect(try await h.count("SELECT count(*) FROM report_active_hosts WHERE meetings = 0") > 0, "inactive hosts are listed")
            #expect(try await h.count("SELECT count(*) FROM report_active_hosts WHERE meetings > 0") > 0)
            let twice =
                "SELECT count(*) FROM (SELECT 1 FROM report_active_hosts GROUP BY user_remote_id, date_trunc('month', period_start) HAVING count(*) > 1) d"
            #expect(try await h.count(twice) == 0, "one row per host and month")

            let second = try await h.sync(["report_users"])
            #expect(second.status == .succeeded)
            #expect(second.stream("report_users")?.inserted == 0, "re-reading the trailing days inserts nothing")
            #expect(try await h.count("SELECT count(*) FROM report_active_hosts") == rows)
            let overlapping = try await h.count(
                """
                SELECT count(*) FROM report_active_hosts a JOIN report_active_hosts b
                  ON a.tenant_id = b.tenant_id AND a.user_remote_id = b.user_remote_id AND a.remote_id < b.remote_id
                 AND daterange(a.period_start, a.period_end, '[]') && daterange(b.period_start, b.period_end, '[]')
                """)
            #expect(overlapping == 0)
        }
    }
}
