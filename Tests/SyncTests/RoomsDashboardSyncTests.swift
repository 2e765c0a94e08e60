import Foundation
import Postgres
import Store
import Sync
import TestSupport
import Testing
import Transport
import ZoomSandbox

/// `room_health` and `room_issues` from the Zoom Rooms dashboard of a Business account (DESIGN §6.2).
@Suite("Zoom Rooms dashboard streams", .enabled(if: TestDatabase.isAvailableOrRequired))
struct RoomsDashboardSyncTests {
    @Test(
        "room_health holds every room's health and issues as Zoom sent them (calender_name read too); room_issues each room's events; a second sync writes nothing"
    )
    func healthAndIssues() async throws {
        try await withSyncHarness(
            login: .serverToServer(account: 2), sandbox: MeetingsSyncTests.unlimited, sync: MeetingsSyncTests.unpaced
        ) { h in
            let first = try await h.sync(["rooms", "room_health", "room_issues"])
            for name in ["room_health", "room_issues"] {
                #expect(first.stream(name)?.status == .succeeded, "\(name): \(first.stream(name)?.error ?? "")")
            }
            #expect(try await h.count("SELECT count(*) FROM room_health") == h.count("SELECT count(*) FROM rooms"))
            #expect(
                try await h.count(
                    """
                    SELECT count(*) FROM room_health WHERE room_name IS DISTINCT FROM raw->>'room_name' OR status IS DISTINCT FROM raw->>'status'
                     OR health IS DISTINCT FROM raw->>'health' OR issues IS DISTINCT FROM ARRAY(SELECT jsonb_array_elements_text(raw->'issues'))
                     OR calendar_name IS DISTINCT FROM coalesce(raw->>'calendar_name', raw->>'calender_name') OR calendar_name IS NULL
                     OR email IS DISTINCT FROM raw->>'email' OR device_ip IS DISTINCT FROM raw->>'device_ip' OR camera IS DISTINCT FROM raw->>'camera'
                     OR microphone IS DISTINCT FROM raw->>'microphone' OR speaker IS DISTINCT FROM raw->>'speaker'
                     OR last_start_at IS DISTINCT FROM (raw->>'last_start_time')::timestamptz OR location_remote_id IS DISTINCT FROM raw->>'location_id'
                    """) == 0)
            #expect(try await h.count("SELECT count(*) FROM room_health WHERE status = 'Offline' AND health <> 'critical'") == 0)
            // Issues belong to synced rooms, in their time order, and only rooms with a problem have any.
            #expect(try await h.count("SELECT count(*) FROM room_issues") > 0)
            #expect(
                try await h.count("SELECT count(*) FROM room_issues i WHERE NOT EXISTS (SELECT 1 FROM rooms r WHERE r.remote_id = i.room_remote_id)")
                    == 0)
            #expect(
                try await h.count(
                    """
                    SELECT count(*) FROM room_issues WHERE issue IS DISTINCT FROM raw->>'issue' OR occurred_at IS DISTINCT FROM (raw->>'time')::timestamptz
                     OR occurred_at < now() - interval '32 days'
                    """) == 0)
            #expect(
                try await h.count(
                    "SELECT count(*) FROM room_issues i JOIN room_health h ON h.remote_id = i.room_remote_id WHERE h.health = 'healthy'") == 0)
            let second = try await h.sync(["room_health", "room_issues"])
            for name in ["room_health", "room_issues"] {
                #expect(second.stream(name)?.inserted == 0 && second.stream(name)?.updated == 0, "\(name): re-reading writes nothing")
            }
        }
    }
}
