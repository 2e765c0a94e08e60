import Foundation
import Postgres
import Store
import Sync
import TestSupport
import Testing
import Transport
import ZoomSandbox

/// `meetings`, `meeting_participants` and `meeting_quality` from the dashboard of a Business account
/// (DESIGN §6.2).
@Suite("Meeting streams", .enabled(if: TestDatabase.isAvailableOrRequired))
struct MeetingsSyncTests {
    static let streams = ["meetings", "meeting_participants", "meeting_quality"]

    /// A Business account lists meetings 20 times a minute (Resource-intensive): these tests are about
    /// content, so neither the sandbox nor the worker paces them (the limiter has tests of its own).
    static func unlimited(_ configuration: inout SandboxConfiguration) { configuration.rateLimits = false }
    static func unpaced(_ configuration: inout SyncConfiguration) { configuration.enforceRateLimits = false }

    @Test(
        "meetings, their participants and each participant's QoS summary equal what Zoom sent, field by field; every meeting's participants are all there; a second sync writes nothing"
    )
    func fieldByField() async throws {
        try await withSyncHarness(login: .serverToServer(account: 2), sandbox: Self.unlimited, sync: Self.unpaced) { h in
            // A meeting the dashboard lists once it has ended: with time flowing, one ending mid-test appears to
            // the streams that list after it (they run at once) and to the second sync, but not to the others.
            h.sandbox.clock.freeze()
            let first = try await h.sync(Self.streams, timeout: .seconds(300))
            for name in Self.streams {
                #expect(first.stream(name)?.status == .succeeded, "\(name): \(first.stream(name)?.error ?? "")")
            }
            let meetings = try await h.count("SELECT count(*) FROM meetings")
            #expect(meetings >= 85 * 4, "90 days of four meetings a day")
            #expect(try await h.count("SELECT count(*) FROM meetings WHERE start_at < now() - interval '92 days'") == 0)
            #expect(
                try await h.count(
                    """
                    SELECT count(*) FROM meetings WHERE remote_id IS DISTINCT FROM raw->>'uuid' OR meeting_id IS DISTINCT FROM raw->>'id'
                     OR topic IS DISTINCT FROM raw->>'topic' OR host_name IS DISTINCT FROM raw->>'host' OR host_email IS DISTINCT FROM raw->>'email'
                     OR host_user_type IS DISTINCT FROM raw->>'user_type' OR start_at IS DISTINCT FROM (raw->>'start_time')::timestamptz
                     OR end_at IS DISTINCT FROM (raw->>'end_time')::timestamptz
                     OR duration_seconds IS DISTINCT FROM split_part(raw->>'duration', ':', 1)::bigint * 60 + split_part(raw->>'duration', ':', 2)::bigint
                     OR participants IS DISTINCT FROM (raw->>'participants')::bigint OR has_video IS DISTINCT FROM (raw->>'has_video')::boolean
                     OR has_screen_share IS DISTINCT FROM (raw->>'has_screen_share')::boolean
                     OR has_recording IS DISTINCT FROM (raw->>'has_recording')::boolean OR has_pstn IS DISTINCT FROM (raw->>'has_pstn')::boolean
                     OR audio_quality IS DISTINCT FROM raw->>'audio_quality' OR video_quality IS DISTINCT FROM raw->>'video_quality'
                     OR screen_share_quality IS DISTINCT FROM raw->>'screen_share_quality' OR department IS DISTINCT FROM raw->>'dept'
                    """) == 0)
            // Each meeting has as many participant rows as it says it had, and they field by field.
            #expect(
                try await h.count(
                    """
                    SELECT count(*) FROM meetings m WHERE m.participants <> (SELECT count(*) FROM meeting_participants p
                        WHERE p.connection_id = m.connection_id AND p.meeting_remote_id = m.remote_id)
                    """) == 0)
            #expect(
                try await h.count(
                    """
                    SELECT count(*) FROM meeting_participants WHERE participant_id IS DISTINCT FROM raw->>'user_id'
                     OR user_remote_id IS DISTINCT FROM nullif(raw->>'id', '') OR user_name IS DISTINCT FROM raw->>'user_name'
                     OR email IS DISTINCT FROM raw->>'email' OR device IS DISTINCT FROM raw->>'device' OR ip_address IS DISTINCT FROM raw->>'ip_address'
                     OR location IS DISTINCT FROM raw->>'location' OR network_type IS DISTINCT FROM raw->>'network_type'
                     OR data_center IS DISTINCT FROM raw->>'data_center' OR connection_type IS DISTINCT FROM raw->>'connection_type'
                     OR join_at IS DISTINCT FROM (raw->>'join_time')::timestamptz OR leave_at IS DISTINCT FROM (raw->>'leave_time')::timestamptz
                     OR leave_reason IS DISTINCT FROM raw->>'leave_reason' OR audio_quality IS DISTINCT FROM raw->>'audio_quality'
                     OR video_quality IS DISTINCT FROM raw->>'video_quality' OR screen_share_quality IS DISTINCT FROM raw->>'screen_share_quality'
                     OR version IS DISTINCT FROM raw->>'version'
                    """) == 0)
            // QoS covers the last 30 days' participants, one row per join, summaries recomputed from the samples kept in raw.
            let recent = try await h.count(
                """
                SELECT count(*) FROM meeting_participants p JOIN meetings m ON m.connection_id = p.connection_id AND m.remote_id = p.meeting_remote_id
                WHERE m.start_at >= (SELECT min(m2.start_at) FROM meetings m2 JOIN meeting_quality q ON q.meeting_remote_id = m2.remote_id)
                """)
            #expect(try await h.count("SELECT count(*) FROM meeting_quality") == recent)
            #expect(recent > 0)
            var mismatches: [String] = []
            for direction in ["audio_input", "audio_output", "video_input", "video_output"] {
                func number(_ key: String) -> String { "split_part(replace(s->'\(direction)'->>'\(key)', '%', ' '), ' ', 1)::numeric" }
                let wrong = try await h.count(
                    """
                    SELECT count(*) FROM meeting_quality q, LATERAL (
                        SELECT round(avg(\(number("latency"))), 2) AS latency_avg, round(max(\(number("latency"))), 2) AS latency_max,
                               round(avg(\(number("jitter"))), 2) AS jitter_avg, round(max(\(number("jitter"))), 2) AS jitter_max,
                               round(avg(\(number("avg_loss"))), 2) AS loss_avg, round(max(\(number("max_loss"))), 2) AS loss_max,
                               round(avg(\(number("bitrate"))), 2) AS bitrate_avg
                        FROM jsonb_array_elements(q.raw->'user_qos') s) r
                    WHERE q.\(direction)_latency_avg_ms IS DISTINCT FROM r.latency_avg OR q.\(direction)_latency_max_ms IS DISTINCT FROM r.latency_max
                       OR q.\(direction)_jitter_avg_ms IS DISTINCT FROM r.jitter_avg OR q.\(direction)_jitter_max_ms IS DISTINCT FROM r.jitter_max
                       OR q.\(direction)_loss_avg_pct IS DISTINCT FROM r.loss_avg OR q.\(direction)_loss_max_pct IS DISTINCT FROM r.loss_max
                       OR q.\(direction)_bitrate_avg_kbps IS DISTINCT FROM r.bitrate_avg
                       OR q.samples <> jsonb_array_length(q.raw->'user_qos')
                    """)
                if wrong > 0 { mismatches.append("\(direction): \(wrong)") }
            }
            #expect(mismatches.isEmpty)

            let second = try await h.sync(Self.streams, timeout: .seconds(300))
            for name in Self.streams {
                #expect(second.stream(name)?.inserted == 0 && second.stream(name)?.updated == 0, "\(name): re-reading writes nothing")
            }
        }
    }

    @Test("a 429 storm while QoS pages are read delays the stream, which then stores every participant's quality")
    func stormDuringQoS() async throws {
        try await withSyncHarness(
            login: .serverToServer(account: 2),
            sandbox: {
                $0.meetingsPerDay = 2; $0.rateLimits = false
            }, sync: Self.unpaced
        ) { h in
            #expect(try await h.control("POST", "/faults", ["rate_limit_storm": 4]).status == 200)
            let run = try await h.sync(["meeting_quality"], timeout: .seconds(300))
            #expect(run.stream("meeting_quality")?.status == .succeeded, "\(run.stream("meeting_quality")?.error ?? "")")
            #expect((try await h.counters())["faults_injected"] ?? 0 >= 4)
            let participants = try await h.count(
                "SELECT coalesce(sum(jsonb_array_length(raw->'user_qos')), 0) FROM meeting_quality")
            #expect(participants > 0)
            let rows = try await h.count("SELECT count(*) FROM meeting_quality")
            let again = try await h.sync(["meeting_quality"], timeout: .seconds(300))
            #expect(again.stream("meeting_quality")?.inserted == 0 && rows > 0, "nothing was missing")
        }
    }

    @Test("the meetings list filters by host (Zoom's user id), from and to; a meeting lists its participants and their quality")
    func listsAndFilters() async throws {
        try await withSyncHarness(
            login: .serverToServer(account: 2),
            sandbox: {
                $0.meetingsPerDay = 3; $0.rateLimits = false
            }, sync: Self.unpaced
        ) { h in
            #expect(try await h.sync(["users"] + Self.streams, timeout: .seconds(300)).status == .succeeded)
            let data = SyncedData(pool: h.pool)
            let (meetingID, hostEmail, start) = try await h.rows(
                "SELECT id, host_email, start_at FROM meetings ORDER BY start_at DESC LIMIT 1")[0].decode((UUID, String, Date).self)
            let account = h.sandbox.world.accounts[2]
            let host = try #require(
                (0..<h.sandbox.userCount(account)).compactMap { h.sandbox.user(account, index: $0) }.first {
                    $0.email.lowercased() == hostEmail.lowercased()
                })
            var query = RecordListQuery(table: "meetings", columns: [ListedColumn("host_email", .plain), ListedColumn("start_at", .timestamp)])
            query.limit = 1000
            query.filters = [.emailOfUser(column: "host_email", userRemoteID: host.id)]
            let hosted = try await data.list(tenantID: h.tenantID, query).rows
            let expected = try await h.count("SELECT count(*) FROM meetings WHERE lower(host_email) = '\(hostEmail.lowercased())'")
            #expect(hosted.count == expected && expected > 0)
            query.filters = [.notBefore(column: "start_at", date: start), .before(column: "start_at", date: start.addingTimeInterval(1))]
            #expect(try await data.list(tenantID: h.tenantID, query).rows.count == 1)
            for (table, columns) in [("meeting_participants", ["email"]), ("meeting_quality", ["audio_input_latency_avg_ms"])] {
                let children = RecordListQuery(
                    table: table, columns: [ListedColumn("meeting_remote_id", .plain)] + columns.map { ListedColumn($0, .plain) })
                let page = try #require(
                    try await data.children(
                        tenantID: h.tenantID, parentTable: "meetings", parent: meetingID, parentColumn: "meeting_remote_id", children))
                #expect(!page.rows.isEmpty, "\(table)")
            }
        }
    }

    @Test(
        "past_meeting_participants walks the report API (active hosts, their meetings, each meeting's attendees): the same joins the dashboard lists, field by field; a Pro account has it too"
    )
    func reportAttendance() async throws {
        try await withSyncHarness(
            login: .serverToServer(account: 2),
            sandbox: {
                $0.rateLimits = false; $0.meetingsPerDay = 2
            }, sync: Self.unpaced
        ) { h in
            let run = try await h.sync(["meetings", "meeting_participants", "past_meeting_participants", "report_users"], timeout: .seconds(300))
            #expect(run.status == .succeeded, "\(run.stream("past_meeting_participants")?.error ?? "")")
            // Both APIs describe the same meetings: over the days attendance covers (30, against the dashboard's 90),
            // every dashboard join is a reported one, and the other way round.
            let dashboard = try await h.rows(
                """
                SELECT p.remote_id FROM meeting_participants p JOIN meetings m ON m.remote_id = p.meeting_remote_id
                WHERE m.start_at >= (SELECT date_trunc('day', min(m2.start_at)) FROM meetings m2
                                     WHERE m2.remote_id IN (SELECT meeting_remote_id FROM past_meeting_participants))
                """
            ).map { try $0.decode(String.self, at: 0) }
            let reported = try await h.rows("SELECT remote_id FROM past_meeting_participants").map { try $0.decode(String.self, at: 0) }
            #expect(!reported.isEmpty && Set(reported) == Set(dashboard))
            #expect(
                try await h.count(
                    """
                    SELECT count(*) FROM past_meeting_participants WHERE participant_id IS DISTINCT FROM raw->>'user_id'
                     OR user_remote_id IS DISTINCT FROM nullif(raw->>'id', '') OR name IS DISTINCT FROM raw->>'name'
                     OR email IS DISTINCT FROM nullif(raw->>'user_email', '') OR join_at IS DISTINCT FROM (raw->>'join_time')::timestamptz
                     OR leave_at IS DISTINCT FROM (raw->>'leave_time')::timestamptz OR duration_seconds IS DISTINCT FROM (raw->>'duration')::bigint
                     OR status IS DISTINCT FROM raw->>'status'
                    """) == 0)
            // The report's active hosts are the dashboard's hosts, with their meeting counts.
            #expect(
                try await h.count(
                    """
                    SELECT count(*) FROM (SELECT lower(host_email) AS email, count(*) AS meetings FROM meetings
                        WHERE start_at >= date_trunc('month', now()) GROUP BY 1) m
                    WHERE NOT EXISTS (SELECT 1 FROM report_active_hosts r WHERE lower(r.email) = m.email AND r.meetings >= m.meetings
                        AND r.period_start = date_trunc('month', now())::date)
                    """) == 0)
            let again = try await h.sync(["past_meeting_participants"], timeout: .seconds(300))
            #expect(again.stream("past_meeting_participants")?.inserted == 0 && again.stream("past_meeting_participants")?.updated == 0)
        }
        try await withSyncHarness(
            sandbox: {
                $0.rateLimits = false; $0.meetingsPerDay = 1
            }, sync: Self.unpaced
        ) { h in
            let run = try await h.sync(["past_meeting_participants"], timeout: .seconds(300))
            #expect(run.stream("past_meeting_participants")?.status == .succeeded)
            #expect(try await h.count("SELECT count(*) FROM past_meeting_participants") > 0, "Pro accounts have the report API")
        }
    }
}
