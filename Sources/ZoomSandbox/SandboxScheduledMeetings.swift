public import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import Vault

/// Meetings scheduled through the API (`zoom-api-actions.md` A5): created, read, listed per host, changed,
/// deleted, and their invitations. Apart from the generated past meetings of the dashboard, these exist
/// only once someone schedules them.
public final class SandboxScheduledMeetings: Sendable {
    /// One scheduled meeting.
    public struct Meeting: Sendable, Hashable {
        /// Ascending in creation order: the host's listing pages by it.
        var sequence: Int
        public internal(set) var id: Int64
        public internal(set) var uuid: String
        public let accountIndex: Int
        public let hostID: String
        public var topic: String
        /// 2 scheduled, 3 recurring with no fixed time.
        public var type: Int
        public var startTime: String?
        public var duration: Int
        public var timezone: String
        public var agenda: String
        public var password: String
        public var waitingRoom: Bool
        public var joinBeforeHost: Bool
        public var muteUponEntry: Bool
        public var autoRecording: String
        public let createdAt: Date
        /// `waiting`, or `started` while it is in progress.
        public var status = "waiting"
    }

    private struct State {
        var meetings: [Int64: Meeting] = [:]
        var sequence = 0
        /// Creates and updates per host and UTC day: Zoom allows 100.
        var writesToday: [String: Int] = [:]
    }

    private let state = NIOLockedValueBox(State())
    /// Zoom's limit on meeting creates and updates per user per day.
    static let dailyWritesPerUser = 100

    /// The meetings `host` has now, in the order they were made.
    public func meetings(hostedBy host: String) -> [Meeting] {
        state.withLockedValue { $0.meetings.values.filter { $0.hostID == host }.sorted { $0.sequence < $1.sequence } }
    }

    public func meeting(_ id: Int64, account: SandboxAccount) -> Meeting? {
        state.withLockedValue { $0.meetings[id] }.flatMap { $0.accountIndex == account.index ? $0 : nil }
    }

    /// Marks a meeting in progress, as when its host starts it.
    public func start(_ id: Int64) {
        state.withLockedValue { $0.meetings[id]?.status = "started" }
    }

    /// Counts a create or update for `host` today; false when the day's 100 are spent.
    func countWrite(host: String, now: Date) -> Bool {
        let key = "\(host)|\(Int(now.timeIntervalSince1970) / 86_400)"
        return state.withLockedValue { state in
            guard state.writesToday[key, default: 0] < Self.dailyWritesPerUser else { return false }
            state.writesToday[key, default: 0] += 1
            return true
        }
    }

    func add(_ make: (_ sequence: Int) -> Meeting) -> Meeting {
        state.withLockedValue { state in
            state.sequence += 1
            let meeting = make(state.sequence)
            state.meetings[meeting.id] = meeting
            return meeting
        }
    }

    func replace(_ meeting: Meeting) { state.withLockedValue { $0.meetings[meeting.id] = meeting } }

    func remove(_ id: Int64) { _ = state.withLockedValue { $0.meetings.removeValue(forKey: id) } }

    /// The routes, with Zoom's scopes, categories, checks and error codes.
    struct Routes: Sendable {
        let sandbox: ZoomSandbox
        var writes: SandboxWriteRoutes { SandboxWriteRoutes(sandbox: sandbox) }
        var pager: SandboxPager { SandboxPager(sandbox: sandbox) }
        var store: SandboxScheduledMeetings { sandbox.scheduledMeetings }

        func register<Context: RequestContext>(on router: Router<Context>) {
            router.post("/v2/users/:userId/meetings") { request, context in
                let body = try await SandboxWriteRoutes.body(request)
                return try await writes.write(request, writes.endpoint(.medium, ["meeting:write:meeting:admin", "meeting:write:admin"])) { caller in
                    create(context.parameters.get("userId") ?? "", body, caller)
                }
            }
            router.get("/v2/users/:userId/meetings") { request, context in
                try await writes.endpoint(.medium, ["meeting:read:list_meetings:admin", "meeting:read:admin"]).respond(request) { caller in
                    list(request, context.parameters.get("userId") ?? "", caller)
                }
            }
            router.get("/v2/meetings/:meetingId") { request, context in
                try await writes.endpoint(.light, ["meeting:read:meeting:admin", "meeting:read:admin"]).respond(request) { caller in
                    found(context, caller) { SandboxReply(.ok, json($0)) }
                }
            }
            router.patch("/v2/meetings/:meetingId") { request, context in
                let body = try await SandboxWriteRoutes.body(request)
                return try await writes.write(request, writes.endpoint(.light, ["meeting:update:meeting:admin", "meeting:write:admin"])) { caller in
                    found(context, caller) { update($0, body) }
                }
            }
            router.delete("/v2/meetings/:meetingId") { request, context in
                try await writes.write(request, writes.endpoint(.light, ["meeting:delete:meeting:admin", "meeting:write:admin"])) { caller in
                    found(context, caller) { meeting in
                        guard meeting.status != "started" else {
                            return SandboxReply.error(.badRequest, code: 3002, "Sorry, you cannot delete this meeting since it is in progress.")
                        }
                        store.remove(meeting.id)
                        return SandboxReply(.noContent, [:])
                    }
                }
            }
            router.get("/v2/meetings/:meetingId/invitation") { request, context in
                try await writes.endpoint(.light, ["meeting:read:invitation:admin", "meeting:read:admin"]).respond(request) { caller in
                    found(context, caller) { meeting in
                        SandboxReply(
                            .ok, ["invitation": invitation(meeting, caller), "sip_links": ["\(meeting.id).\(meeting.password)@zoomcrc.com"]])
                    }
                }
            }
        }

        /// Answers for the meeting in the path, or 404 code 3001 as Zoom does for one unknown or expired.
        func found(_ context: some RequestContext, _ caller: SandboxEndpoint.Caller, _ body: (Meeting) -> SandboxReply) -> SandboxReply {
            let reference = context.parameters.get("meetingId") ?? ""
            guard let id = Int64(reference), let meeting = store.meeting(id, account: caller.account) else {
                return SandboxReply.error(.notFound, code: 3001, "Meeting \(reference) is not found or has expired.")
            }
            return body(meeting)
        }

        func create(_ reference: String, _ body: [String: Any], _ caller: SandboxEndpoint.Caller) -> SandboxReply {
            guard let host = writes.user(reference, caller) else {
                return SandboxReply.error(.notFound, code: 1001, "User does not exist: \(reference).")
            }
            guard host.status == "active" else {
                return SandboxReply.error(
                    .badRequest, code: 3161, "Meeting hosting and scheduling capabilities are not allowed for your user account.")
            }
            let type = body["type"] as? Int ?? 2
            guard [2, 3].contains(type) else { return SandboxReply.error(.badRequest, code: 300, "Invalid field: type.") }
            guard let topic = body["topic"] as? String, (1...200).contains(topic.count) else {
                return SandboxReply.error(.badRequest, code: 300, "Invalid field: topic.")
            }
            guard store.countWrite(host: host.id, now: sandbox.clock.now) else {
                return SandboxReply.error(
                    .tooManyRequests, code: 429,
                    "You have exceeded the daily limit of \(SandboxScheduledMeetings.dailyWritesPerUser) meeting creates and updates for this user.")
            }
            let template = Meeting(
                sequence: 0, id: 0, uuid: "", accountIndex: caller.account.index, hostID: host.id, topic: topic, type: type, startTime: nil,
                duration: 60, timezone: host.timezone, agenda: "", password: "", waitingRoom: false, joinBeforeHost: false, muteUponEntry: false,
                autoRecording: "none", createdAt: sandbox.clock.now)
            var meeting: Meeting
            switch apply(body, to: template) {
            case .failure(let error): return error.reply
            case .success(let applied): meeting = applied
            }
            guard store.countWrite(host: host.id, now: sandbox.clock.now) else { return Self.dailyLimitReached }
            meeting = store.add { sequence in
                var random = SandboxRandom(seed: sandbox.world.seed, 40, UInt64(caller.account.index), UInt64(sequence))
                var made = meeting
                made.sequence = sequence
                made.id = 97_000_000_000 + Int64(sequence)
                made.uuid = Base64URL.encode((0..<16).map { _ in UInt8(truncatingIfNeeded: random.next()) }) + "=="
                // Zoom makes up a passcode when none is given.
                if made.password.isEmpty { made.password = String(random.below(900_000) + 100_000) }
                return made
            }
            var answer = json(meeting)
            answer["host_email"] = host.email
            return SandboxReply(.created, answer)
        }

        static var dailyLimitReached: SandboxReply {
            SandboxReply.error(
                .tooManyRequests, code: 429,
                "You have exceeded the daily limit of \(SandboxScheduledMeetings.dailyWritesPerUser) meeting creates and updates for this user.")
        }

        func update(_ meeting: Meeting, _ body: [String: Any]) -> SandboxReply {
            guard meeting.status != "started" else { return SandboxReply.error(.badRequest, code: 3000, "A meeting in progress can't be updated.") }
            switch apply(body, to: meeting) {
            case .failure(let error): return error.reply
            case .success(let changed):
                guard store.countWrite(host: meeting.hostID, now: sandbox.clock.now) else { return Self.dailyLimitReached }
                store.replace(changed)
                return SandboxReply(.noContent, [:])
            }
        }

        /// The body's fields applied to `meeting`, or the first that Zoom would refuse (code 300).
        func apply(_ body: [String: Any], to meeting: Meeting) -> Result<Meeting, SandboxHTTPError> {
            var meeting = meeting
            if let topic = body["topic"] {
                guard let topic = topic as? String, (1...200).contains(topic.count) else {
                    return .failure(SandboxHTTPError(code: 300, "Invalid field: topic."))
                }
                meeting.topic = topic
            }
            if let start = body["start_time"] {
                guard let start = start as? String, start.hasSuffix("Z"), ISO8601DateFormatter().date(from: start) != nil else {
                    return .failure(SandboxHTTPError(code: 300, "Invalid field: start_time."))
                }
                meeting.startTime = start
            }
            if let duration = body["duration"] {
                guard let duration = duration as? Int, duration > 0 else { return .failure(SandboxHTTPError(code: 300, "Invalid field: duration.")) }
                meeting.duration = duration
            }
            if let timezone = body["timezone"] {
                guard let timezone = timezone as? String, TimeZone(identifier: timezone) != nil else {
                    return .failure(SandboxHTTPError(code: 300, "Invalid field: timezone."))
                }
                meeting.timezone = timezone
            }
            if let agenda = body["agenda"] {
                guard let agenda = agenda as? String, agenda.count <= 2_000 else {
                    return .failure(SandboxHTTPError(code: 300, "Invalid field: agenda."))
                }
                meeting.agenda = agenda
            }
            if let password = body["password"] {
                guard let password = password as? String, (1...10).contains(password.count),
                    password.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "@-_*".contains($0)) })
                else { return .failure(SandboxHTTPError(code: 300, "Invalid field: password.")) }
                meeting.password = password
            }
            let settings = body["settings"] as? [String: Any] ?? [:]
            for (field, keyPath) in [
                ("waiting_room", \Meeting.waitingRoom), ("join_before_host", \Meeting.joinBeforeHost), ("mute_upon_entry", \Meeting.muteUponEntry),
            ] {
                guard let value = settings[field] else { continue }
                guard let flag = value as? Bool else { return .failure(SandboxHTTPError(code: 300, "Invalid field: settings.\(field).")) }
                meeting[keyPath: keyPath] = flag
            }
            if let recording = settings["auto_recording"] {
                guard let recording = recording as? String, ["none", "local", "cloud"].contains(recording) else {
                    return .failure(SandboxHTTPError(code: 300, "Invalid field: settings.auto_recording."))
                }
                meeting.autoRecording = recording
            }
            return .success(meeting)
        }

        /// `GET /users/{userId}/meetings?type=scheduled`: the host's meetings, a page at a time.
        func list(_ request: Request, _ reference: String, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
            guard let host = writes.user(reference, caller) else {
                return SandboxReply.error(.notFound, code: 1001, "User does not exist: \(reference).")
            }
            let type = request.uri.queryParameters.get("type") ?? "scheduled"
            guard ["scheduled", "upcoming", "live"].contains(type) else { return SandboxReply.error(.badRequest, code: 300, "Invalid field: type.") }
            let hosted = type == "live" ? [] : store.meetings(hostedBy: host.id)
            let page: SandboxPager.Page
            switch pager.page(request, scope: "scheduled|\(host.id)", maximum: 300) {
            case .success(let value): page = value
            case .failure(let error): return error.reply
            }
            let bySequence = Dictionary(uniqueKeysWithValues: hosted.map { ($0.sequence, $0) })
            let (items, next) = pager.scan(page, candidates: hosted.map(\.sequence)) { sequence in
                bySequence[sequence].map { meeting in
                    [
                        "uuid": meeting.uuid, "id": meeting.id, "host_id": meeting.hostID, "topic": meeting.topic, "type": meeting.type,
                        "start_time": meeting.startTime ?? "", "duration": meeting.duration, "timezone": meeting.timezone,
                        "created_at": SandboxHTTP.timestamp(meeting.createdAt), "join_url": joinURL(meeting),
                    ] as [String: Any]
                }
            }
            return SandboxReply(
                .ok,
                [
                    "page_size": page.size, "total_records": hosted.count, "next_page_token": pager.token(for: page, next: next),
                    "meetings": items,
                ])
        }

        func joinURL(_ meeting: Meeting) -> String {
            "https://sandbox.zoom.example/j/\(meeting.id)?pwd=\(Base64URL.encode(Array(meeting.password.utf8)))"
        }

        func json(_ meeting: Meeting) -> [String: Any] {
            var body: [String: Any] = [
                "uuid": meeting.uuid, "id": meeting.id, "host_id": meeting.hostID, "topic": meeting.topic, "type": meeting.type,
                "status": meeting.status, "duration": meeting.duration, "timezone": meeting.timezone, "agenda": meeting.agenda,
                "created_at": SandboxHTTP.timestamp(meeting.createdAt), "password": meeting.password, "h323_password": meeting.password,
                "pstn_password": meeting.password, "encrypted_password": Base64URL.encode(Array(meeting.password.utf8)),
                "join_url": joinURL(meeting), "start_url": "https://sandbox.zoom.example/s/\(meeting.id)?zak=\(meeting.uuid)",
                "settings": [
                    "waiting_room": meeting.waitingRoom, "join_before_host": meeting.joinBeforeHost, "mute_upon_entry": meeting.muteUponEntry,
                    "auto_recording": meeting.autoRecording, "host_video": false, "participant_video": false,
                ],
            ]
            body["start_time"] = meeting.startTime
            return body
        }

        /// The text Zoom's invitation has: who invites, the topic, time, join URL, meeting id and passcode.
        func invitation(_ meeting: Meeting, _ caller: SandboxEndpoint.Caller) -> String {
            let host = writes.user(meeting.hostID, caller)
            return [
                "\(host.map { "\($0.firstName) \($0.lastName)" } ?? "A Zoom user") is inviting you to a scheduled Zoom meeting.", "",
                "Topic: \(meeting.topic)", "Time: \(meeting.startTime ?? "any time")", "", "Join Zoom Meeting", joinURL(meeting), "",
                "Meeting ID: \(meeting.id)", "Passcode: \(meeting.password)",
            ].joined(separator: "\n")
        }
    }
}
