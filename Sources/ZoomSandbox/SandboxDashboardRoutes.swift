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

    /// A past meeting's participants, or their QoS (pages of at most 10). A meeting that never happened is
    /// 404 code 3001; one more than a year old is 400 code 12702.
    func participants(_ request: Request, _ reference: String, _ caller: SandboxEndpoint.Caller, qos: Bool) -> SandboxReply {
        let account = caller.account
        // Zoom asks for a UUID that starts with "/" or holds "//" to be encoded twice: decode until it stops changing.
        var id = reference
        for _ in 0..<2 { if let decoded = id.removingPercentEncoding, decoded != id { id = decoded } }
        let today = Int(sandbox.clock.now.timeIntervalSince1970 / 86_400)
        guard let meeting = meetings.meeting(account, reference: id), meeting.end < Int(sandbox.clock.now.timeIntervalSince1970) else {
            return SandboxReply.error(.notFound, code: 3001, "Meeting does not exist: \(id).")
        }
        guard meeting.day > today - 365 else { return SandboxReply.error(.badRequest, code: 12702, "Can not access a meeting a year ago.") }
        let participants = meetings.participants(meeting, account: account)
        return data.paged(
            request, scope: "\(qos ? "qos" : "participants")|\(account.index)|\(meeting.uuid)", key: "participants", maximum: qos ? 10 : 300,
            defaultSize: qos ? 1 : 30, count: participants.count
        ) { index in qos ? meetings.qos(participants[index]) : meetings.item(participants[index]) }
    }
}
