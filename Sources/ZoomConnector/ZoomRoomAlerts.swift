import Connectors
import Foundation

/// Live Zoom Room alerts (DESIGN §6.2 `room_alerts`). Zoom has no REST list of them: it pushes
/// `zoomroom.alert` and `zoomroom.delayed_alert` with `payload.account_id` and `payload.object` (the room's
/// `id` and `room_name`, and the `issue`, in the words of the dashboard's issue list). The payload's other
/// fields (`alert_type`, `alert_kind`) are not settled by any source (`zoom-api-actions.md` B2), so Tether
/// reads the issue's words: a problem ("Zoom room is offline", "Room Controller disconnected", "Controller
/// battery is low") raises an alert for its room and subject, and its recovery ("… is online", "… connected",
/// "… is reconnected", "… battery is normal") clears it. A problem Zoom sends no recovery for ("High CPU
/// usage is detected") stays until the same subject recovers or an operator reads past it.
enum ZoomRoomAlerts {
    /// The pairs of words that end a problem's issue text and its recovery's.
    static let recoveries: [(problem: String, recovery: String)] = [
        (" is offline", " is online"), (" has disconnected", " is reconnected"), (" disconnected", " connected"),
        (" is low", " is normal"),
    ]

    /// What the issue is about (the room's subject: "Room Controller", "Controller battery") and whether it
    /// says the problem is over.
    static func classify(_ issue: String) -> (subject: String, recovered: Bool) {
        for (problem, recovery) in recoveries {
            if issue.hasSuffix(problem) { return (String(issue.dropLast(problem.count)), false) }
            if issue.hasSuffix(recovery) { return (String(issue.dropLast(recovery.count)), true) }
        }
        return (issue, false)
    }

    static func event(_ body: [UInt8]) throws -> WebhookEvent {
        guard let envelope = JSONValue.parse(body), let name = envelope["event"]?.string, let payload = envelope["payload"],
            let account = payload["account_id"]?.nonEmptyString, let room = payload["object"]?["id"]?.nonEmptyString,
            let issue = payload["object"]?["issue"]?.nonEmptyString, issue.count <= 256, room.count <= 128
        else { throw WebhookRejection("a Zoom Room alert needs payload.account_id, object.id and object.issue") }
        let (subject, recovered) = classify(issue)
        let key = "\(room)/\(subject)"
        if recovered { return .records(accountID: account, upserts: [], deletions: [RecordDeletion(.roomAlerts, is: key)]) }
        let raisedAt = envelope["event_ts"]?.integer.map { RecordValue.timestamp(Date(timeIntervalSince1970: Double($0) / 1000)) } ?? .null
        let record = SyncedRecord(
            remoteID: key, values: [.text(room), ZoomRecords.text(payload["object"]?["room_name"]), .text(issue), .text(name), raisedAt],
            raw: envelope.canonicalText)
        return .records(accountID: account, upserts: [RecordUpsert(.roomAlerts, record)], deletions: [])
    }
}
