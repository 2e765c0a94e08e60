import Foundation
import HTTPTypes
import NIOConcurrencyHelpers

/// Past meetings of an account, who took part and how each participant's call went, minute by minute
/// (`zoom-api-actions.md` B1). Every value is a pure function of the seed, the account, the day and the
/// meeting's slot that day, so any window, page or meeting is produced on demand; a meeting's UUID and
/// numeric id both carry its day and slot, so one is found without scanning.
struct SandboxMeetings: Sendable {
    let sandbox: ZoomSandbox

    struct Meeting {
        let day: Int
        let slot: Int
        let id: Int
        let uuid: String
        let host: SandboxUser
        let topic: String
        /// Seconds since 1970.
        let start: Int
        let minutes: Int
        let participantCount: Int
        var end: Int { start + minutes * 60 }
    }

    struct Participant {
        let meeting: Meeting
        let index: Int
        /// The account's user, for participants who signed in; guests have none.
        let user: SandboxUser?
        let name: String
        let email: String?
        /// Zoom's per-meeting participant id.
        let participantID: String
        let join: Int
        let leave: Int
        let device: String
        let ip: String
        let location: String
        let network: String
        let quality: String
    }

    static let firstMeetingID = 80_000_000_000

    /// Meetings a day: one per five users (at least one, at most 300), unless the configuration says.
    func perDay(_ account: SandboxAccount) -> Int {
        sandbox.configuration.meetingsPerDay ?? max(1, min(300, sandbox.userCount(account) / 5))
    }

    func random(_ kind: UInt64, _ account: SandboxAccount, _ day: Int, _ slot: Int, _ extra: Int = 0) -> SandboxRandom {
        SandboxRandom(seed: sandbox.world.seed, 60 + kind, UInt64(account.index), UInt64(day), UInt64(slot), UInt64(extra))
    }

    /// Meeting `slot` of `day`: hosted by a licensed active user, between 07:00 and 19:00 UTC.
    func meeting(_ account: SandboxAccount, day: Int, slot: Int) -> Meeting? {
        guard slot >= 0, slot < perDay(account), day > 0 else { return nil }
        var random = random(0, account, day, slot)
        let users = sandbox.userCount(account)
        var host: SandboxUser?
        var probe = random.below(users)
        for _ in 0..<min(users, 64) {
            if let user = sandbox.user(account, index: probe), user.type == 2, user.status == "active" {
                host = user
                break
            }
            probe = (probe + 1) % users
        }
        guard let host = host ?? sandbox.user(account, index: 0) else { return nil }
        var bytes = withUnsafeBytes(of: UInt32(day).bigEndian, Array.init) + withUnsafeBytes(of: UInt16(slot).bigEndian, Array.init)
        for _ in 0..<10 { bytes.append(UInt8(random.below(256))) }
        return Meeting(
            day: day, slot: slot, id: Self.firstMeetingID + day * 1000 + slot, uuid: Data(bytes).base64EncodedString(), host: host,
            topic: random.pick(["Weekly sync", "Customer call", "Planning", "1:1", "All hands", "Design review", "Interview", "Standup"]),
            start: day * 86_400 + 7 * 3600 + random.below(12 * 3600), minutes: 10 + random.below(50),
            participantCount: 2 + random.below(9))
    }

    /// The meeting a path names, by UUID or numeric id (Zoom's `{meetingId}`).
    func meeting(_ account: SandboxAccount, reference: String) -> Meeting? {
        if let number = Int(reference), number >= Self.firstMeetingID {
            return meeting(account, day: (number - Self.firstMeetingID) / 1000, slot: (number - Self.firstMeetingID) % 1000)
        }
        guard let bytes = Data(base64Encoded: reference), bytes.count == 16 else { return nil }
        let day = bytes.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        let slot = bytes.dropFirst(4).prefix(2).reduce(0) { $0 << 8 | Int($1) }
        guard let found = meeting(account, day: day, slot: slot), found.uuid == reference else { return nil }
        return found
    }

    /// Answers with `body` for the past meeting a path names (the dashboard's and the report API's
    /// participants): a UUID encoded once or twice (Zoom asks for a UUID that starts with "/" or holds "//" to
    /// be encoded twice), or the numeric id. One that never happened, or has not ended, is 404 code 3001; one
    /// more than a year old is 400 code 12702.
    func withPastMeeting(_ account: SandboxAccount, reference: String, _ body: (Meeting) -> SandboxReply) -> SandboxReply {
        var id = reference
        for _ in 0..<2 { if let decoded = id.removingPercentEncoding, decoded != id { id = decoded } }
        let now = Int(sandbox.clock.now.timeIntervalSince1970)
        guard let meeting = meeting(account, reference: id), meeting.end < now else {
            return SandboxReply.error(.notFound, code: 3001, "Meeting does not exist: \(id).")
        }
        guard meeting.day > now / 86_400 - 365 else { return SandboxReply.error(.badRequest, code: 12702, "Can not access a meeting a year ago.") }
        return body(meeting)
    }

    /// Who joined: the host first, then account users and guests; each stays for part of the meeting.
    func participants(_ meeting: Meeting, account: SandboxAccount) -> [Participant] {
        (0..<meeting.participantCount).map { index in
            var random = random(1, account, meeting.day, meeting.slot, index)
            let user: SandboxUser? =
                index == 0 ? meeting.host : (random.chance(70) ? sandbox.user(account, index: random.below(sandbox.userCount(account))) : nil)
            let join = meeting.start + (index == 0 ? 0 : random.below(max(1, meeting.minutes * 20)))
            let leave = index == 0 ? meeting.end : min(meeting.end, join + 60 * (5 + random.below(meeting.minutes)))
            let guest = "Guest \(index)"
            return Participant(
                meeting: meeting, index: index, user: user, name: user.map { "\($0.firstName) \($0.lastName)" } ?? guest,
                email: user?.email, participantID: String(16_778_240 + index * 1024 + random.below(1024)), join: join, leave: max(join + 60, leave),
                device: random.pick(["Windows", "Mac", "iOS", "Android", "Linux", "Phone"]),
                ip: "203.0.\(random.below(256)).\(random.below(256))", location: random.pick(["Frankfurt (DE)", "Ashburn (US)", "Mumbai (IN)"]),
                network: random.pick(["Wired", "Wifi", "Cellular"]), quality: random.pick(["good", "good", "good", "fair", "poor", "bad"]))
        }
    }

    /// A host's meetings in a report window, and their participants and minutes.
    struct Hosted: Sendable {
        var meetings = 0
        var participants = 0
        var minutes = 0
        var ids: [Int] = []
    }

    /// The meetings of `window` that have ended, by host index: what the report API says each user hosted.
    func hosts(_ account: SandboxAccount, window: SandboxWindow) -> [Int: Hosted] {
        let key = "\(account.index)|\(window.firstDay)|\(window.lastDay)"
        if let cached = sandbox.hostedCache.withLockedValue({ $0[key] }) { return cached }
        let now = Int(sandbox.clock.now.timeIntervalSince1970)
        var hosts: [Int: Hosted] = [:]
        for day in window.firstDay...window.lastDay {
            for slot in 0..<perDay(account) {
                guard let meeting = meeting(account, day: day, slot: slot), meeting.end < now else { continue }
                hosts[meeting.host.index, default: Hosted()].meetings += 1
                hosts[meeting.host.index]!.participants += meeting.participantCount
                hosts[meeting.host.index]!.minutes += meeting.minutes
                hosts[meeting.host.index]!.ids.append(meeting.id)
            }
        }
        sandbox.hostedCache.withLockedValue { $0[key] = hosts }
        return hosts
    }

    /// Zoom's dashboard list item for a past meeting.
    func item(_ meeting: Meeting) -> [String: Any] {
        var random = random(2, sandbox.world.accounts[meeting.host.accountIndex], meeting.day, meeting.slot)
        var item: [String: Any] = [
            "uuid": meeting.uuid, "id": meeting.id, "topic": meeting.topic, "host": "\(meeting.host.firstName) \(meeting.host.lastName)",
            "email": meeting.host.email, "user_type": meeting.host.type == 2 ? "Licensed" : "Basic",
            "start_time": SandboxHTTP.timestamp(Date(timeIntervalSince1970: Double(meeting.start))),
            "end_time": SandboxHTTP.timestamp(Date(timeIntervalSince1970: Double(meeting.end))),
            "duration": String(format: "%02d:%02d", meeting.minutes, 0), "participants": meeting.participantCount,
            "has_pstn": random.chance(10), "has_voip": true, "has_video": random.chance(80), "has_screen_share": random.chance(50),
            "has_recording": random.chance(20), "has_sip": false, "has_3rd_party_audio": false,
            "audio_quality": random.pick(["good", "fair", "poor", "bad"]), "video_quality": random.pick(["good", "fair", "poor", "bad"]),
            "screen_share_quality": random.pick(["good", "fair", "poor"]), "in_room_participants": 0,
        ]
        item["dept"] = meeting.host.department
        return item
    }

    /// Zoom's dashboard participant item.
    func item(_ participant: Participant) -> [String: Any] {
        var item: [String: Any] = [
            "id": participant.user?.id ?? "", "user_id": participant.participantID, "participant_user_id": participant.user?.id ?? "",
            "user_name": participant.name, "device": participant.device, "ip_address": participant.ip, "location": participant.location,
            "network_type": participant.network, "data_center": "Frankfurt (DE)", "connection_type": "UDP",
            "join_time": SandboxHTTP.timestamp(Date(timeIntervalSince1970: Double(participant.join))),
            "leave_time": SandboxHTTP.timestamp(Date(timeIntervalSince1970: Double(participant.leave))),
            "leave_reason": participant.index == 0 ? "Host ended the meeting." : "left the meeting.", "status": "in_meeting",
            "audio_quality": participant.quality, "video_quality": participant.quality, "screen_share_quality": participant.quality,
            "version": "6.2.\(participant.index % 10)", "microphone": "Built-in Microphone", "speaker": "Built-in Speakers",
            "camera": "FaceTime HD Camera", "role": participant.index == 0 ? "host" : "attendee",
        ]
        item["email"] = participant.email
        return item
    }

    /// The participant's QoS: one sample a minute while they were in the meeting, each metric a string with
    /// its unit as Zoom sends it; a poor connection has more loss, latency and jitter.
    func qos(_ participant: Participant) -> [String: Any] {
        let account = sandbox.world.accounts[participant.meeting.host.accountIndex]
        var random = random(3, account, participant.meeting.day, participant.meeting.slot, participant.index)
        let penalty = ["good": 1, "fair": 2, "poor": 4, "bad": 8][participant.quality] ?? 1
        func direction(video: Bool) -> [String: Any] {
            var metrics: [String: Any] = [
                "bitrate": String(format: "%.1f kbps", Double(video ? 600 + random.below(900) : 20 + random.below(60)) / Double(penalty)),
                "latency": "\(20 + random.below(30) * penalty) ms", "jitter": "\(1 + random.below(5) * penalty) ms",
                "avg_loss": String(format: "%.1f%%", Double(random.below(10) * penalty) / 10),
                "max_loss": String(format: "%.1f%%", Double(random.below(30) * penalty) / 10),
            ]
            if video {
                metrics["resolution"] = "1280*720"
                metrics["frame_rate"] = "\(15 + random.below(16)) fps"
            }
            return metrics
        }
        let samples = (0..<max(1, (participant.leave - participant.join) / 60)).map { minute -> [String: Any] in
            [
                "date_time": SandboxHTTP.timestamp(Date(timeIntervalSince1970: Double(participant.join + minute * 60))),
                "audio_input": direction(video: false), "audio_output": direction(video: false), "video_input": direction(video: true),
                "video_output": direction(video: true),
                "cpu_usage": [
                    "zoom_min_cpu_usage": "\(random.below(10))%", "zoom_avg_cpu_usage": "\(10 + random.below(20))%",
                    "zoom_max_cpu_usage": "\(30 + random.below(40))%", "system_max_cpu_usage": "\(40 + random.below(50))%",
                ],
            ]
        }
        var item: [String: Any] = [
            "id": participant.user?.id ?? "", "user_id": participant.participantID, "user_name": participant.name, "device": participant.device,
            "ip_address": participant.ip, "location": participant.location, "version": "6.2.\(participant.index % 10)",
            "join_time": SandboxHTTP.timestamp(Date(timeIntervalSince1970: Double(participant.join))),
            "leave_time": SandboxHTTP.timestamp(Date(timeIntervalSince1970: Double(participant.leave))), "user_qos": samples,
        ]
        item["email"] = participant.email
        return item
    }
}
