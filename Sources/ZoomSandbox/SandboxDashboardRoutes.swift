import Foundation
import HTTPTypes
import Hummingbird

/// The dashboard's past meetings, their participants and the participants' QoS (`zoom-api-actions.md` B1):
/// Business accounts only (the Dashboard feature), a window of at most a month within the last six, QoS
/// pages of at most 10 participants (1 by default).
struct SandboxDashboardRoutes: Sendable {
    let sandbox: ZoomSandbox
    var meetings: SandboxMeetings { SandboxMeetings(sandbox: sandbox) }
    var data: SandboxDataRoutes { SandboxDataRoutes(sandbox: sandbox) }

    static let classicScope = "dashboard_meetings:read:admin"

    func endpoint(_ category: SandboxRateCategory, _ scope: String) -> SandboxEndpoint {
        SandboxEndpoint(sandbox: sandbox, category: category, scopes: [scope, Self.classicScope], plans: [.business])
    }

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/v2/metrics/meetings") { request, _ in
            try await endpoint(.resourceIntensive, "dashboard:read:list_meetings:admin").respond(request) { pastMeetings(request, $0) }
        }
        router.get("/v2/metrics/zoomrooms") { request, _ in
            try await rooms(["dashboard:read:list_zoomrooms:admin", "dashboard_zr:read:admin"], .resourceIntensive).respond(request) {
                roomHealth(request, $0)
            }
        }
        router.get("/v2/metrics/issues/zoomrooms/:roomId") { request, context in
            try await rooms(["dashboard:read:issues_zoomroom:admin", "dashboard_home:read:admin"], .heavy).respond(request) { caller in
                roomIssues(request, context.parameters.get("roomId") ?? "", caller)
            }
        }
        router.get("/v2/metrics/meetings/:meetingId/participants") { request, context in
            try await endpoint(.heavy, "dashboard:read:list_meeting_participants:admin").respond(request) { caller in
                participants(request, context.parameters.get("meetingId") ?? "", caller, qos: false)
            }
        }
        router.get("/v2/metrics/meetings/:meetingId/participants/qos") { request, context in
            try await endpoint(.heavy, "dashboard:read:list_meeting_participants_qos:admin").respond(request) { caller in
                participants(request, context.parameters.get("meetingId") ?? "", caller, qos: true)
            }
        }
    }

    /// The Zoom Rooms dashboard: Business accounts (which have Zoom Rooms here) only.
    func rooms(_ scopes: [String], _ category: SandboxRateCategory) -> SandboxEndpoint {
        SandboxEndpoint(sandbox: sandbox, category: category, scopes: scopes, plans: [.business])
    }

    /// A room's issues now, from its status and a roll per room: an offline room is critical.
    func health(_ account: SandboxAccount, room index: Int) -> (health: String, issues: [String]) {
        let room = data.room(account, index)
        if room["status"] as? String == "Offline" { return ("critical", ["Zoom room is offline"]) }
        var random = data.random(13, account, index)
        let roll = random.below(100)
        if roll < 15 {
            return ("warning", [random.pick(["Room Controller disconnected", "Selected camera has disconnected", "High CPU usage is detected"])])
        }
        if roll < 20 { return ("critical", ["Selected microphone has disconnected", "Low bandwidth network is detected"]) }
        return ("healthy", [])
    }

    /// `/metrics/zoomrooms`: every room with its health and current issues. The field Zoom's reference
    /// spells `calender_name` is sent that way.
    func roomHealth(_ request: Request, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        let account = caller.account
        return data.paged(request, scope: "zoomrooms|\(account.index)", key: "zoom_rooms", maximum: 300, count: data.roomCount(account)) { index in
            let room = data.room(account, index)
            let (health, issues) = health(account, room: index)
            var random = data.random(14, account, index)
            return [
                "id": room["id"] as! String, "room_name": room["name"] as! String,
                "calender_name": "room\(index)@sandbox-\(account.index).example.com",
                "email": "room\(index)@sandbox-\(account.index).example.com", "account_type": "Work Email", "status": room["status"] as! String,
                "device_ip": "Computer : 10.0.\(index % 250).10", "camera": "Logitech Rally", "microphone": "Shure MXA310", "speaker": "Polycom",
                "last_start_time": SandboxHTTP.timestamp(SandboxUser.epoch.addingTimeInterval(-Double(random.below(30 * 86_400)))),
                "location": "HQ Building", "location_id": room["location_id"] as! String, "health": health, "issues": issues,
            ]
        }
    }

    /// `/metrics/issues/zoomrooms/{roomId}`: the room's issue events in a window, a few a day for rooms that
    /// have issues, each problem followed by its recovery.
    func roomIssues(_ request: Request, _ roomID: String, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        let account = caller.account
        guard let index = (0..<data.roomCount(account)).first(where: { data.room(account, $0)["id"] as? String == roomID }) else {
            return SandboxReply.error(.notFound, code: 1012, "Room not found: \(roomID).")
        }
        let window: SandboxWindow
        switch data.window(request) {
        case .success(let value): window = value
        case .failure(let error): return error.reply
        }
        let pairs = [
            ("Room Controller disconnected", "Room Controller connected"), ("Zoom room is offline", "Zoom room is online"),
            ("Selected camera has disconnected", "Selected camera is reconnected"), ("Controller battery is low", "Controller battery is normal"),
        ]
        let perDay = health(account, room: index).issues.isEmpty ? 0 : 2
        let now = Int(sandbox.clock.now.timeIntervalSince1970)
        return data.paged(
            request, scope: "room-issues|\(account.index)|\(roomID)|\(window.firstDay)|\(window.lastDay)", key: "issue_details", maximum: 300,
            count: window.days * perDay * 2,
            extra: ["from": SandboxWindow.text(day: window.firstDay), "to": SandboxWindow.text(day: window.lastDay)]
        ) { position in
            let day = window.firstDay + position / (perDay * 2), event = position % (perDay * 2)
            var random = data.random(15, account, index, day * 10 + event / 2)
            let pair = random.pick(pairs)
            let time = day * 86_400 + 3600 * (1 + (event / 2) * 10) + random.below(3600) + (event % 2) * (300 + random.below(1800))
            guard time < now else { return nil }
            return ["issue": event % 2 == 0 ? pair.0 : pair.1, "time": SandboxHTTP.timestamp(Date(timeIntervalSince1970: Double(time)))]
        }
    }

    /// `type=past` (or `pastOne`) lists the window's meetings; `live` lists none (nothing is live here).
    func pastMeetings(_ request: Request, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        let type = data.query(request).get("type") ?? "live"
        guard ["live", "past", "pastOne"].contains(type) else { return SandboxReply.error(.badRequest, code: 300, "Invalid field: type.") }
        let window: SandboxWindow
        switch data.window(request) {
        case .success(let value): window = value
        case .failure(let error): return error.reply
        }
        let account = caller.account
        let perDay = type == "live" ? 0 : meetings.perDay(account)
        return data.paged(
            request, scope: "metrics-meetings|\(account.index)|\(type)|\(window.firstDay)|\(window.lastDay)", key: "meetings", maximum: 300,
            count: window.days * perDay,
            extra: ["from": SandboxWindow.text(day: window.firstDay), "to": SandboxWindow.text(day: window.lastDay)]
        ) { position in
            // A meeting still going on (or yet to start) is not a past meeting.
            guard let meeting = meetings.meeting(account, day: window.firstDay + position / perDay, slot: position % perDay),
                meeting.end < Int(sandbox.clock.now.timeIntervalSince1970)
            else { return nil }
            return meetings.item(meeting)
        }
    }

    /// A past meeting's participants, or their QoS (pages of at most 10).
    func participants(_ request: Request, _ reference: String, _ caller: SandboxEndpoint.Caller, qos: Bool) -> SandboxReply {
        let account = caller.account
        return meetings.withPastMeeting(account, reference: reference) { meeting in
            let participants = meetings.participants(meeting, account: account)
            return data.paged(
                request, scope: "\(qos ? "qos" : "participants")|\(account.index)|\(meeting.uuid)", key: "participants", maximum: qos ? 10 : 300,
                defaultSize: qos ? 1 : 30, count: participants.count
            ) { index in qos ? meetings.qos(participants[index]) : meetings.item(participants[index]) }
        }
    }
}
