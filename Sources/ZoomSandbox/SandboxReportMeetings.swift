import Foundation
import HTTPTypes
import Hummingbird

/// The report API's meetings (`zoom-api-actions.md` B4): `/report/users/{userId}/meetings` (the meetings a
/// user hosted in a window) and `/report/meetings/{meetingId}/participants`. Paid plans, Heavy, from the
/// same meetings the dashboard shows, so both APIs agree.
struct SandboxReportMeetings: Sendable {
    let sandbox: ZoomSandbox
    var meetings: SandboxMeetings { SandboxMeetings(sandbox: sandbox) }
    var data: SandboxDataRoutes { SandboxDataRoutes(sandbox: sandbox) }

    func endpoint(_ scope: String) -> SandboxEndpoint {
        SandboxEndpoint(sandbox: sandbox, category: .heavy, scopes: [scope] + SandboxDataRoutes.reportScopes, plans: [.pro, .business])
    }

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/v2/report/users/:userId/meetings") { request, context in
            try await endpoint("report:read:user:admin").respond(request) { caller in
                hosted(request, context.parameters.get("userId") ?? "", caller)
            }
        }
        router.get("/v2/report/meetings/:meetingId/participants") { request, context in
            try await endpoint("report:read:list_meeting_participants:admin").respond(request) { caller in
                participants(request, context.parameters.get("meetingId") ?? "", caller)
            }
        }
    }

    func hosted(_ request: Request, _ reference: String, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        let account = caller.account
        guard let user = sandbox.user(account, reference: reference) else {
            return SandboxReply.error(.notFound, code: 1001, "User does not exist: \(reference).")
        }
        let type = data.query(request).get("type") ?? "past"
        guard ["past", "pastOne"].contains(type) else { return SandboxReply.error(.badRequest, code: 300, "Invalid field: type.") }
        let window: SandboxWindow
        switch data.window(request) {
        case .success(let value): window = value
        case .failure(let error): return error.reply
        }
        let ids = meetings.hosts(account, window: window)[user.index]?.ids ?? []
        return data.paged(
            request, scope: "report-meetings|\(account.index)|\(user.id)|\(window.firstDay)|\(window.lastDay)", key: "meetings", maximum: 300,
            count: ids.count, extra: ["from": SandboxWindow.text(day: window.firstDay), "to": SandboxWindow.text(day: window.lastDay)]
        ) { position in
            guard let meeting = meetings.meeting(account, reference: String(ids[position])) else { return nil }
            let attended = meetings.participants(meeting, account: account).reduce(0) { $0 + ($1.leave - $1.join) / 60 }
            return [
                "uuid": meeting.uuid, "id": meeting.id, "type": 2, "topic": meeting.topic, "user_name": "\(user.firstName) \(user.lastName)",
                "user_email": user.email, "start_time": SandboxHTTP.timestamp(Date(timeIntervalSince1970: Double(meeting.start))),
                "end_time": SandboxHTTP.timestamp(Date(timeIntervalSince1970: Double(meeting.end))), "duration": meeting.minutes,
                "total_minutes": attended, "participants_count": meeting.participantCount, "source": "Zoom",
            ]
        }
    }

    func participants(_ request: Request, _ reference: String, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        let account = caller.account
        return meetings.withPastMeeting(account, reference: reference) { meeting in
            let participants = meetings.participants(meeting, account: account)
            return data.paged(
                request, scope: "report-participants|\(account.index)|\(meeting.uuid)", key: "participants", maximum: 300,
                count: participants.count
            ) { index in
                let participant = participants[index]
                return [
                    "id": participant.user?.id ?? "", "user_id": participant.participantID, "name": participant.name,
                    "user_email": participant.email ?? "", "join_time": SandboxHTTP.timestamp(Date(timeIntervalSince1970: Double(participant.join))),
                    "leave_time": SandboxHTTP.timestamp(Date(timeIntervalSince1970: Double(participant.leave))),
                    "duration": participant.leave - participant.join, "failover": false, "status": "in_meeting", "registrant_id": "",
                ]
            }
        }
    }
}
