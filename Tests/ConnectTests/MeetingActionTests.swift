import Foundation
import Postgres
import TestSupport
import Testing
import Transport
import ZoomSandbox

/// The meeting actions: scheduling for a user, reading a meeting and its invitation, changing and
/// deleting it, a creation that is never made twice, and a meeting's credentials kept out of Tether.
@Suite("Actions: meetings", .serialized, .enabled(if: TestDatabase.isAvailableOrRequired))
struct MeetingActionTests: ActionTesting {
    static let passcode = "Zq7x9Kp2"

    func create(
        _ h: Harness, _ setup: ActionSetup, host: SandboxUser, topic: String, wait: Int = 10
    ) async throws -> (status: Int, json: [String: Any]) {
        try await ask(
            h, setup,
            [
                "action": "meeting.create",
                "input": [
                    "user": host.email, "topic": topic, "start_time": "2027-01-15T15:00:00Z", "duration": 45, "timezone": "Europe/Berlin",
                    "password": Self.passcode, "waiting_room": true,
                ],
            ], wait: wait)
    }

    @Test(
        "meeting.create schedules a meeting for a user; meeting.get and get_invitation read it; its passcode and start URL are in no row, answer, event or log"
    )
    func scheduleAndRead() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let host = plainMember(h)
            let (created, read, invitation) = try await withActionWorker(h) {
                let created = try await create(h, setup, host: host, topic: "Quarterly review")
                let id = (created.json["result"] as? [String: Any])?["id"] as? Int ?? 0
                return (
                    created, try await ask(h, setup, ["action": "meeting.get", "input": ["meeting": id]]),
                    try await ask(h, setup, ["action": "meeting.get_invitation", "input": ["meeting": String(id)]])
                )
            }
            #expect(created.json["status"] as? String == "succeeded", "\(created.json)")
            let meetings = h.sandbox.scheduledMeetings.meetings(hostedBy: host.id)
            let meeting = try #require(meetings.first)
            #expect(meetings.count == 1)
            #expect(meeting.topic == "Quarterly review" && meeting.startTime == "2027-01-15T15:00:00Z" && meeting.duration == 45)
            #expect(meeting.password == Self.passcode && meeting.waitingRoom && meeting.timezone == "Europe/Berlin")
            let result = try #require(created.json["result"] as? [String: Any])
            #expect(result["id"] as? Int == Int(meeting.id) && result["start_url"] == nil && result["password"] == nil)
            #expect((result["join_url"] as? String)?.contains("pwd=") == false)
            #expect(read.json["status"] as? String == "succeeded")
            #expect((read.json["result"] as? [String: Any])?["topic"] as? String == "Quarterly review")
            let text = try #require((invitation.json["result"] as? [String: Any])?["invitation"] as? String)
            #expect(text.contains("Quarterly review") && text.contains("Passcode: <sealed>"), "\(text)")

            let plan = try await h.owner.withConnection { sql in
                try sql.query("SELECT plan::text FROM actions WHERE action = 'meeting.create'")[0].decode(String.self, at: 0)
            }
            #expect(plan.contains("<sealed>"), "the plan shows the request with its passcode sealed")
            #expect(try await rowsContaining(h, Self.passcode) == 0, "the passcode is in no row of any table")
            #expect(try await rowsContaining(h, "zak=") == 0, "nor the start URL")
            let answers = [
                try await h.api("GET", setup.path + "/actions", key: setup.key).bodyText,
                try await h.api("GET", "/v1/tenants/acme/events", key: setup.key).bodyText,
            ]
            #expect(answers.allSatisfy { !$0.contains(Self.passcode) && !$0.contains("zak=") })
            #expect(!h.logs.all.contains { $0.contains(Self.passcode) })
        }
    }

    @Test(
        "meeting.update changes only the fields given and meeting.delete removes the meeting; one in progress is refused, an unknown one is not_found; neither sends a write"
    )
    func changeAndDelete() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let host = plainMember(h)
            let (updated, started, deleted, deletedAgain, unknown) = try await withActionWorker(h) {
                let first = try await create(h, setup, host: host, topic: "Planning")
                let second = try await create(h, setup, host: host, topic: "Live now")
                let id = (first.json["result"] as? [String: Any])?["id"] as? Int ?? 0
                let live = (second.json["result"] as? [String: Any])?["id"] as? Int ?? 0
                h.sandbox.scheduledMeetings.start(Int64(live))
                return (
                    try await ask(h, setup, ["action": "meeting.update", "input": ["meeting": id, "topic": "Planning (moved)", "duration": 30]]),
                    [
                        try await ask(h, setup, ["action": "meeting.update", "input": ["meeting": live, "agenda": "late"]]),
                        try await ask(h, setup, ["action": "meeting.delete", "input": ["meeting": live]]),
                    ],
                    try await ask(h, setup, ["action": "meeting.delete", "input": ["meeting": id, "notify_host": true]]),
                    try await ask(h, setup, ["action": "meeting.delete", "input": ["meeting": id]]),
                    try await ask(h, setup, ["action": "meeting.get", "input": ["meeting": "123"]])
                )
            }
            #expect(updated.json["status"] as? String == "succeeded", "\(updated.json)")
            #expect((updated.json["result"] as? [String: Any])?["topic"] as? String == "Planning (moved)")
            for refused in started {
                #expect((refused.json["error"] as? [String: Any])?["code"] as? String == "invalid_input", "\(refused.json)")
            }
            let remaining = h.sandbox.scheduledMeetings.meetings(hostedBy: host.id)
            #expect(remaining.map(\.topic) == ["Live now"], "the deleted one is gone, the one in progress stays")
            let live = try #require(remaining.first)
            #expect(sentWrites(h, "/v2/meetings/\(live.id)") == 0)
            #expect(deleted.json["status"] as? String == "succeeded")
            #expect((deletedAgain.json["error"] as? [String: Any])?["code"] as? String == "not_found")
            #expect((unknown.json["error"] as? [String: Any])?["code"] as? String == "not_found")
            for meeting in ["12ab", "0", "99999999999999999999"] {
                #expect(try await ask(h, setup, ["action": "meeting.get", "input": ["meeting": meeting]]).status == 400, "\(meeting)")
            }
        }
    }

    @Test(
        "meeting.create is never sent twice: a taker-over finds the meeting a dead worker made; one whose request never left is sent once"
    )
    func creationTakeover() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let host = plainMember(h)
            let path = "/v2/users/\(host.id)/meetings"
            // The first worker stops while Zoom holds back its answer: the meeting exists, the ledger does not know.
            var delayed = SandboxFaultPlan()
            delayed.writeDelayMilliseconds = 30_000
            h.sandbox.faultPlan = delayed
            let queued = try await create(h, setup, host: host, topic: "Standup", wait: 0)
            let id = try #require(queued.json["id"] as? String)
            try await withActionWorker(h) {
                let deadline = ContinuousClock.now + .seconds(30)
                while ContinuousClock.now < deadline, h.sandbox.scheduledMeetings.meetings(hostedBy: host.id).isEmpty {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            h.sandbox.faultPlan = SandboxFaultPlan()
            #expect(h.sandbox.scheduledMeetings.meetings(hostedBy: host.id).count == 1)
            try await abandonSentActions(h)
            let settled = try await withActionWorker(h) { try await ended(h, setup, id) }
            #expect(settled["status"] as? String == "succeeded", "\(settled)")
            #expect((settled["result"] as? [String: Any])?["confirmed_after_takeover"] as? Bool == true)
            #expect((settled["result"] as? [String: Any])?["topic"] as? String == "Standup")
            #expect(h.sandbox.scheduledMeetings.meetings(hostedBy: host.id).count == 1, "no second meeting")
            #expect(sentWrites(h, path) == 1)

            // Marked as sent, but the request never reached Zoom.
            let lost = try await create(h, setup, host: host, topic: "Standup", wait: 0)
            try await abandonSentActions(h)
            let resent = try await withActionWorker(h) { try await ended(h, setup, try #require(lost.json["id"] as? String)) }
            #expect(resent["status"] as? String == "succeeded", "\(resent)")
            #expect(h.sandbox.scheduledMeetings.meetings(hostedBy: host.id).count == 2, "made once, though one like it existed")
            #expect(sentWrites(h, path) == 2)
        }
    }
}
