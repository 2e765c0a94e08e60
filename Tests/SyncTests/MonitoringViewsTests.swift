import Foundation
import Postgres
import Store
import Sync
import TestSupport
import Testing
import Transport
import ZoomSandbox

/// The SMP views of DESIGN §6.2 on data a real sync stored, each checked against the same answer worked
/// out in Swift from the tables' rows.
@Suite("Usage and monitoring views", .enabled(if: TestDatabase.isAvailableOrRequired))
struct MonitoringViewsTests {
    @Test("licences_without_use lists exactly the licensed active users with no meeting hosted or joined in 30 days, with 60 and 90 days flagged")
    func licencesWithoutUse() async throws {
        try await withSyncHarness(
            login: .serverToServer(account: 2),
            sandbox: {
                $0.rateLimits = false; $0.meetingsPerDay = 1
            }, sync: MeetingsSyncTests.unpaced
        ) { h in
            #expect(
                try await h.sync(["users", "meetings", "meeting_participants", "report_users", "past_meeting_participants"]).status == .succeeded)
            // A licensed user who joins after those meetings: nothing shows them using their licence.
            let account = h.sandbox.world.accounts[2].id
            let added = try await h.control("POST", "/accounts/\(account)/users", ["email": "new.hire@example.com", "type": 2, "status": "active"])
            #expect(added.status == 201)
            #expect(try await h.sync(["users"]).status == .succeeded)
            let now = Date()
            var last: [String: Date] = [:]
            func saw(_ user: String, _ date: Date) { last[user] = max(last[user] ?? .distantPast, date) }
            let emails = Dictionary(
                uniqueKeysWithValues: try await h.rows("SELECT lower(email), remote_id FROM users").map { try $0.decode((String, String).self) })
            for row in try await h.rows("SELECT lower(host_email), start_at FROM meetings") {
                let (email, start) = try row.decode((String, Date).self)
                if let user = emails[email] { saw(user, start) }
            }
            for row in try await h.rows("SELECT user_remote_id, join_at FROM meeting_participants WHERE user_remote_id IS NOT NULL") {
                let (user, join) = try row.decode((String, Date).self)
                saw(user, join)
            }
            for row in try await h.rows("SELECT user_remote_id, join_at FROM past_meeting_participants WHERE user_remote_id IS NOT NULL") {
                let (user, join) = try row.decode((String, Date).self)
                saw(user, join)
            }
            for row in try await h.rows("SELECT user_remote_id, period_end FROM report_active_hosts WHERE meetings > 0") {
                let (user, end) = try row.decode((String, String).self)
                saw(user, try Date(end + "T00:00:00Z", strategy: .iso8601))
            }
            let licensed = try await h.rows("SELECT remote_id FROM users WHERE license_type = 'licensed' AND status = 'active'").map {
                try $0.decode(String.self, at: 0)
            }
            func idle(_ user: String, _ days: Double) -> Bool { last[user].map { now.timeIntervalSince($0) > days * 86_400 } ?? true }
            let expected = Set(licensed.filter { idle($0, 30) })
            let rows = try await h.rows("SELECT remote_id, unused_60_days, unused_90_days FROM licences_without_use").map {
                try $0.decode((String, Bool, Bool).self)
            }
            #expect(Set(rows.map(\.0)) == expected)
            #expect(!expected.isEmpty && expected.count < licensed.count, "some licences are used and some are not")
            for (user, sixty, ninety) in rows {
                #expect(sixty == idle(user, 60) && ninety == idle(user, 90), "\(user)")
            }
        }
    }

    @Test("meeting_quality_by_user averages each user's joins and counts the bad ones; room_health_summary counts rooms by health with open alerts")
    func qualityAndRooms() async throws {
        try await withSyncHarness(
            login: .serverToServer(account: 2),
            sandbox: {
                $0.rateLimits = false; $0.meetingsPerDay = 2
            }, sync: MeetingsSyncTests.unpaced
        ) { h in
            #expect(try await h.sync(["users", "meeting_quality", "rooms", "room_health", "room_issues"]).status == .succeeded)
            struct Join {
                let meeting: String
                let latency: Decimal
                let loss: Decimal
                let worst: Decimal
                let jitter: Decimal
            }
            var joins: [String: [Join]] = [:]
            for row in try await h.rows(
                """
                SELECT user_remote_id, meeting_remote_id, audio_input_latency_avg_ms::text, audio_input_loss_avg_pct::text,
                       greatest(audio_input_loss_max_pct, audio_output_loss_max_pct)::text, audio_input_jitter_avg_ms::text,
                       greatest(audio_input_loss_avg_pct, audio_output_loss_avg_pct) > 2 OR greatest(audio_input_latency_avg_ms, audio_output_latency_avg_ms) > 150
                         OR greatest(audio_input_jitter_avg_ms, audio_output_jitter_avg_ms) > 40
                FROM meeting_quality WHERE user_remote_id IS NOT NULL
                """)
            {
                let (user, meeting, latency, loss, worst, jitter, _) = try row.decode((String, String, String, String, String, String, Bool).self)
                joins[user, default: []].append(
                    Join(
                        meeting: meeting, latency: Decimal(string: latency)!, loss: Decimal(string: loss)!, worst: Decimal(string: worst)!,
                        jitter: Decimal(string: jitter)!))
            }
            #expect(!joins.isEmpty)
            let view = try await h.rows(
                "SELECT user_remote_id, meetings, joins, audio_in_latency_ms::text, worst_audio_loss_pct::text FROM meeting_quality_by_user")
            #expect(view.count == joins.count)
            for row in view {
                let (user, meetings, count, latency, worst) = try row.decode((String, Int, Int, String, String).self)
                let mine = try #require(joins[user])
                #expect(count == mine.count && meetings == Set(mine.map(\.meeting)).count)
                var average = mine.map(\.latency).reduce(0, +) / Decimal(mine.count), rounded = Decimal()
                NSDecimalRound(&rounded, &average, 2, .plain)
                #expect(Decimal(string: latency) == rounded, "\(user)")
                #expect(Decimal(string: worst) == mine.map(\.worst).max())
            }
            #expect(try await h.count("SELECT coalesce(sum(bad_joins), 0) FROM meeting_quality_by_user") <= joins.values.map(\.count).reduce(0, +))

            let health = try await h.rows("SELECT health, status FROM room_health").map { try $0.decode((String, String).self) }
            let summary = try await h.rows("SELECT rooms, healthy, warning, critical, offline, open_alerts FROM room_health_summary")
            #expect(summary.count == 1)
            let (rooms, healthy, warning, critical, offline, alerts) = try summary[0].decode((Int, Int, Int, Int, Int, Int).self)
            #expect(rooms == health.count && healthy == health.filter { $0.0 == "healthy" }.count)
            #expect(warning == health.filter { $0.0 == "warning" }.count && critical == health.filter { $0.0 == "critical" }.count)
            #expect(offline == health.filter { $0.1 == "Offline" }.count && alerts == 0)
        }
    }
}
