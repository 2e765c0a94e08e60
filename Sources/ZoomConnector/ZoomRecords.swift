import Connectors
import Foundation
import Vault

/// Maps Zoom's JSON items to normalized records, column for column with ``RecordTable``. Ids must be
/// present (an item without one breaks the page); other fields become NULL when Zoom leaves them out.
enum ZoomRecords {
    static func invalid(_ what: String) -> ConnectorError { ConnectorError(.invalidResponse, "Zoom sent \(what)") }

    /// A record keyed by the item's `key` field.
    static func keyed(_ item: JSONValue, by key: String, _ kind: String, _ values: [RecordValue]) throws -> SyncedRecord {
        guard let id = item[key]?.nonEmptyString else { throw invalid("a \(kind) without \(key)") }
        return SyncedRecord(remoteID: id, values: values, raw: item.canonicalText)
    }

    /// A record for an item Zoom gives no id (a report row, a log line): keyed by a hash of `parts`, the
    /// fields that identify it, so a corrected value updates the row instead of adding one.
    static func derived(_ item: JSONValue, from parts: [String?], _ values: [RecordValue]) -> SyncedRecord {
        let key = parts.map { $0 ?? "" }.joined(separator: "\u{1f}")
        return SyncedRecord(remoteID: String(SHA256Digest.hexHash(key).prefix(32)), values: values, raw: item.canonicalText)
    }

    // MARK: - Directory

    /// Zoom's user `type`: 1 Basic, 2 Licensed, 99 None (`zoom-api.md` §3); DESIGN §5 names them.
    static func licenseType(_ type: Int?) -> String {
        switch type {
        case 1: "basic"
        case 2: "licensed"
        case 99: "none"
        default: "other"
        }
    }

    /// A user of the account, or of one of its sub accounts (a master account's), tagged with that sub account.
    static func user(_ item: JSONValue, subAccount: String? = nil) throws -> SyncedRecord {
        try keyed(
            item, by: "id", "user",
            [
                text(item["email"]), text(item["first_name"]), text(item["last_name"]), text(item["display_name"]), text(item["status"]),
                .text(licenseType(item["type"]?.integer)), text(item["role_id"]), text(item["dept"]), text(item["job_title"]),
                text(item["timezone"]), .textArray((item["group_ids"]?.array ?? []).compactMap(\.string)),
                timestamp(item["last_login_time"]), timestamp(item["user_created_at"] ?? item["created_at"]),
                subAccount.map(RecordValue.text) ?? .null,
            ])
    }

    static func role(_ item: JSONValue) throws -> SyncedRecord {
        try keyed(item, by: "id", "role", [text(item["name"]), text(item["description"]), integer(item["total_members"])])
    }

    static func group(_ item: JSONValue) throws -> SyncedRecord {
        try keyed(item, by: "id", "group", [text(item["name"]), integer(item["total_members"])])
    }

    /// A member of a role or group, keyed by parent and user: the same user in two groups is two rows.
    static func member(_ item: JSONValue, of parent: String) throws -> SyncedRecord {
        guard let userID = item["id"]?.nonEmptyString else { throw invalid("a member without id") }
        return SyncedRecord(
            remoteID: "\(parent)/\(userID)",
            values: [.text(parent), .text(userID), text(item["email"]), text(item["first_name"]), text(item["last_name"])],
            raw: item.canonicalText)
    }

    static func subAccount(_ item: JSONValue) throws -> SyncedRecord {
        try keyed(
            item, by: "id", "sub account",
            [
                text(item["account_name"]), text(item["owner_email"]), text(item["account_type"]), text(item["account_number"]),
                integer(item["seats"]), timestamp(item["subscription_start_time"]), timestamp(item["subscription_end_time"]),
                timestamp(item["created_at"]),
            ])
    }

    // MARK: - Billing

    /// Zoom's plan answers hold one member per plan kind (`plan_base`, `plan_webinar`, …), each an object
    /// or a list of objects. Every plan becomes a record keyed by its kind (and type, for lists).
    static func plans(_ body: JSONValue, _ values: (String, JSONValue) -> [RecordValue]) throws -> [SyncedRecord] {
        guard let members = body.object else { throw invalid("a plan answer that is not an object") }
        var records: [SyncedRecord] = []
        for key in members.keys.sorted() where key.hasPrefix("plan_") {
            let kind = String(key.dropFirst(5))
            switch members[key]! {
            case .object:
                records.append(SyncedRecord(remoteID: kind, values: values(kind, members[key]!), raw: members[key]!.canonicalText))
            case .array(let items):
                for (index, item) in items.enumerated() {
                    let type = item["type"]?.nonEmptyString ?? String(index)
                    records.append(SyncedRecord(remoteID: "\(kind)/\(type)", values: values(kind, item), raw: item.canonicalText))
                }
            default:
                continue
            }
        }
        return records
    }

    static func planUsage(_ kind: String, _ item: JSONValue) -> [RecordValue] {
        [.text(kind), text(item["type"]), integer(item["hosts"]), integer(item["usage"]), integer(item["pending"]), .null]
    }

    /// A sub account's plan usage: keyed under the sub account, and tagged with it.
    static func subAccountPlans(_ body: JSONValue, subAccount: String) throws -> [SyncedRecord] {
        try plans(body, planUsage).map { record in
            SyncedRecord(
                remoteID: "\(subAccount)/\(record.remoteID)", values: record.values.dropLast() + [.text(subAccount)], raw: record.raw)
        }
    }

    static func planInformation(_ kind: String, _ item: JSONValue) -> [RecordValue] {
        [
            .text(kind), text(item["type"]), integer(item["hosts"]), text(item["status"]), timestamp(item["service_effective_date"]),
            timestamp(item["next_invoice_date"]),
        ]
    }

    static func invoice(_ item: JSONValue, currency: String?) throws -> SyncedRecord {
        try keyed(
            item, by: "id", "invoice",
            [
                text(item["invoice_number"]), date(item["invoice_date"]), date(item["due_date"]), text(item["status"]),
                currency.map(RecordValue.text) ?? .null, decimal(item["balance"]), decimal(item["tax_amount"]), decimal(item["total_amount"]),
            ])
    }

    // MARK: - Reports

    static func dailyUsage(_ item: JSONValue) throws -> SyncedRecord {
        guard let day = item["date"]?.nonEmptyString else { throw invalid("a daily usage row without date") }
        return SyncedRecord(
            remoteID: day,
            values: [
                date(item["date"]), integer(item["new_users"]), integer(item["meetings"]), integer(item["participants"]),
                integer(item["meeting_minutes"]),
            ],
            raw: item.canonicalText)
    }

    /// A host's totals for a report period; the period start is part of the key, so each month is a row.
    static func activeHost(_ item: JSONValue, window: DateWindow) throws -> SyncedRecord {
        guard let userID = item["id"]?.nonEmptyString else { throw invalid("an active host without id") }
        return SyncedRecord(
            remoteID: "\(window.from)/\(userID)",
            values: [
                .date(window.from), .date(window.to), .text(userID), text(item["email"]), text(item["user_name"]),
                integer(item["meetings"]), integer(item["participants"]), integer(item["meeting_minutes"]),
            ],
            raw: item.canonicalText)
    }

    static func signIn(_ item: JSONValue) -> SyncedRecord {
        derived(
            item, from: [item["email"]?.string, item["time"]?.string, item["type"]?.string, item["ip_address"]?.string],
            [
                timestamp(item["time"]), text(item["email"]), text(item["type"]), text(item["ip_address"]), text(item["client_type"]),
                text(item["version"]),
            ])
    }

    static func operationLog(_ item: JSONValue) -> SyncedRecord {
        derived(
            item,
            from: [
                item["time"]?.string, item["operator"]?.string, item["category_type"]?.string, item["action"]?.string,
                item["operation_detail"]?.string,
            ],
            [
                timestamp(item["time"]), text(item["operator"]), text(item["category_type"]), text(item["action"]),
                text(item["operation_detail"]),
            ])
    }

    static func billingReport(_ item: JSONValue, currency: String?, invoices: JSONValue) throws -> SyncedRecord {
        guard case .object(var members) = item, members["id"]?.nonEmptyString != nil else { throw invalid("a billing report without id") }
        members["invoices"] = invoices
        let merged = JSONValue.object(members)
        return try keyed(
            merged, by: "id", "billing report",
            [
                date(item["start_date"]), date(item["end_date"]), currency.map(RecordValue.text) ?? .null, decimal(item["total_amount"]),
                decimal(item["tax_amount"]), text(item["type"]), .json(invoices.canonicalText),
            ])
    }

    static func telephone(_ item: JSONValue) -> SyncedRecord {
        derived(
            item, from: [item["uuid"]?.string, item["phone_number"]?.string, item["start_time"]?.string],
            [
                text(item["meeting_id"]), text(item["host_id"]), text(item["host_email"]), timestamp(item["start_time"]),
                timestamp(item["end_time"]), integer(item["duration"]), decimal(item["total"]), decimal(item["rate"]), text(item["type"]),
                text(item["country_name"]), text(item["phone_number"]),
            ])
    }

    // MARK: - Phone and rooms

    static func phoneUser(_ item: JSONValue) throws -> SyncedRecord {
        try keyed(
            item, by: "id", "phone user",
            [
                text(item["email"]), text(item["name"]), text(item["extension_number"]), text(item["status"]), text(item["site"]?["name"]),
                text(item["department"]), .textArray((item["calling_plans"]?.array ?? []).compactMap { $0["name"]?.string }),
                .textArray((item["phone_numbers"]?.array ?? []).compactMap { $0["number"]?.string }),
            ])
    }

    static func callingPlan(_ item: JSONValue) throws -> SyncedRecord {
        try keyed(
            item, by: "type", "calling plan",
            [
                text(item["name"]), text(item["type"]), integer(item["subscribed"]), integer(item["assigned"]), integer(item["available"]),
            ])
    }

    /// A call of `/phone/call_history`; a party's number is its direct number, else its extension.
    static func callHistory(_ item: JSONValue) throws -> SyncedRecord {
        try keyed(
            item, by: "call_history_uuid", "call history record",
            [
                text(item["call_id"]), text(item["direction"]), text(item["call_type"]), text(item["connect_type"]), text(item["call_result"]),
                timestamp(item["start_time"]), timestamp(item["answer_time"]), timestamp(item["end_time"]), integer(item["duration"]),
                text(item["caller_name"]), firstText(item["caller_did_number"], item["caller_ext_number"]), text(item["caller_email"]),
                text(item["callee_name"]), firstText(item["callee_did_number"], item["callee_ext_number"]), text(item["callee_email"]),
                text(item["site_name"]), text(item["department"]), text(item["recording_status"]),
            ])
    }

    static func room(_ item: JSONValue) throws -> SyncedRecord {
        try keyed(item, by: "id", "room", [text(item["name"]), text(item["room_id"]), text(item["status"]), text(item["location_id"])])
    }

    /// A room of the dashboard's Zoom Rooms list. Zoom's reference spells one field `calender_name`, a real
    /// answer `calendar_name`: either is read.
    static func roomHealth(_ item: JSONValue) throws -> SyncedRecord {
        try keyed(
            item, by: "id", "Zoom Room",
            [
                text(item["room_name"]), text(item["status"]), text(item["health"]),
                .textArray((item["issues"]?.array ?? []).compactMap(\.string)), firstText(item["calendar_name"], item["calender_name"]),
                text(item["email"]), text(item["device_ip"]), text(item["camera"]), text(item["microphone"]), text(item["speaker"]),
                timestamp(item["last_start_time"]), text(item["location_id"]),
            ])
    }

    /// One issue event of a room, keyed by room, time and issue.
    static func roomIssue(_ item: JSONValue, room: String) throws -> SyncedRecord {
        guard let issue = item["issue"]?.nonEmptyString, let time = item["time"]?.nonEmptyString else {
            throw invalid("a Zoom Room issue without issue or time")
        }
        return SyncedRecord(
            remoteID: "\(room)/\(time)/\(issue)", values: [.text(room), .text(issue), timestamp(item["time"])], raw: item.canonicalText)
    }

    static func device(_ item: JSONValue, room: String) throws -> SyncedRecord {
        try keyed(
            item, by: "id", "device",
            [
                .text(room), text(item["device_type"]), text(item["app_version"]), text(item["device_system"]), text(item["status"]),
                text(item["device_hostname"]),
            ])
    }

    static func location(_ item: JSONValue) throws -> SyncedRecord {
        try keyed(item, by: "id", "location", [text(item["name"]), text(item["type"]), text(item["parent_location_id"])])
    }

    // MARK: - Meetings

    /// A past meeting from the dashboard list, keyed by its UUID.
    static func meeting(_ item: JSONValue) throws -> SyncedRecord {
        try keyed(
            item, by: "uuid", "meeting",
            [
                firstText(item["id"]), text(item["topic"]), text(item["host"]), text(item["email"]), text(item["user_type"]),
                timestamp(item["start_time"]), timestamp(item["end_time"]), seconds(item["duration"]), integer(item["participants"]),
                boolean(item["has_video"]), boolean(item["has_screen_share"]), boolean(item["has_recording"]), boolean(item["has_pstn"]),
                text(item["audio_quality"]), text(item["video_quality"]), text(item["screen_share_quality"]), text(item["dept"]),
            ])
    }

    /// One join of a participant: the same person leaving and joining again is another row.
    static func participantKey(_ item: JSONValue, meeting: String) throws -> String {
        guard let participant = item["user_id"]?.nonEmptyString ?? item["id"]?.nonEmptyString else {
            throw invalid("a meeting participant without user_id")
        }
        return "\(meeting)/\(participant)/\(item["join_time"]?.string ?? "")"
    }

    static func participant(_ item: JSONValue, meeting: String) throws -> SyncedRecord {
        SyncedRecord(
            remoteID: try participantKey(item, meeting: meeting),
            values: [
                .text(meeting), firstText(item["user_id"]), text(item["id"]), text(item["user_name"]), text(item["email"]), text(item["device"]),
                text(item["ip_address"]), text(item["location"]), text(item["network_type"]), text(item["data_center"]),
                text(item["connection_type"]), timestamp(item["join_time"]), timestamp(item["leave_time"]), text(item["leave_reason"]),
                text(item["audio_quality"]), text(item["video_quality"]), text(item["screen_share_quality"]), text(item["version"]),
            ],
            raw: item.canonicalText)
    }

    /// An attendee of the report API's participants list.
    static func pastParticipant(_ item: JSONValue, meeting: String) throws -> SyncedRecord {
        SyncedRecord(
            remoteID: try participantKey(item, meeting: meeting),
            values: [
                .text(meeting), firstText(item["user_id"]), text(item["id"]), text(item["name"]), text(item["user_email"]),
                timestamp(item["join_time"]), timestamp(item["leave_time"]), integer(item["duration"]), text(item["status"]),
            ],
            raw: item.canonicalText)
    }

    /// A participant's QoS, summarized per direction over its samples: Zoom sends each metric as text with
    /// its unit ("36 ms", "0.4%", "27.6 kbps"); a sample without a metric does not count for it.
    static func quality(_ item: JSONValue, meeting: String) throws -> SyncedRecord {
        let samples = item["user_qos"]?.array ?? []
        var values: [RecordValue] = [
            .text(meeting), firstText(item["user_id"]), text(item["id"]), text(item["user_name"]), text(item["email"]), text(item["device"]),
            timestamp(item["join_time"]), timestamp(item["leave_time"]), .integer(samples.count),
        ]
        for direction in RecordTable.qualityDirections {
            let readings = samples.compactMap { $0[direction] }
            func measure(_ key: String) -> [Decimal] { readings.compactMap { $0[key]?.string.flatMap(Self.leadingNumber) } }
            let latency = measure("latency"), jitter = measure("jitter"), bitrate = measure("bitrate")
            values += [
                average(latency), maximum(latency), average(jitter), maximum(jitter), average(measure("avg_loss")), maximum(measure("max_loss")),
                average(bitrate),
            ]
        }
        return SyncedRecord(remoteID: try participantKey(item, meeting: meeting), values: values, raw: item.canonicalText)
    }

    /// The number a metric starts with, exactly: "36 ms" is 36, "0.4%" is 0.4.
    static func leadingNumber(_ text: String) -> Decimal? {
        let digits = text.prefix { $0.isNumber || $0 == "." || $0 == "-" }
        guard !digits.isEmpty else { return nil }
        return Decimal(string: String(digits), locale: Locale(identifier: "en_US_POSIX"))
    }

    static func average(_ values: [Decimal]) -> RecordValue {
        values.isEmpty ? .null : hundredths(values.reduce(0, +) / Decimal(values.count))
    }

    static func maximum(_ values: [Decimal]) -> RecordValue { values.max().map(hundredths) ?? .null }

    /// Two decimals, halves rounded away from zero (as PostgreSQL's `round` does).
    static func hundredths(_ value: Decimal) -> RecordValue {
        var exact = value, rounded = Decimal()
        NSDecimalRound(&rounded, &exact, 2, .plain)
        return .decimal(NSDecimalNumber(decimal: rounded).stringValue)
    }

    /// Zoom's dashboard durations: "mm:ss" or "hh:mm:ss" (minutes may pass 59), or a number of minutes.
    static func seconds(_ value: JSONValue?) -> RecordValue {
        if let minutes = value?.integer { return .integer(minutes * 60) }
        guard let parts = value?.string?.split(separator: ":").map({ Int($0) }), !parts.isEmpty, parts.count <= 3, parts.allSatisfy({ $0 != nil })
        else { return .null }
        return .integer(parts.reduce(0) { $0 * 60 + $1! })
    }

    // MARK: - Settings

    /// A user's settings (`GET /users/{id}/settings`), keyed by the user: one row per user.
    static func userSettings(_ body: JSONValue, user: String) -> SyncedRecord {
        let feature = body["feature"], recording = body["recording"]
        return SyncedRecord(
            remoteID: user,
            values: [
                .text(user), integer(feature?["meeting_capacity"]), boolean(feature?["large_meeting"]), boolean(feature?["webinar"]),
                boolean(feature?["zoom_phone"]), boolean(recording?["cloud_recording"]), text(recording?["auto_recording"]),
                boolean(body["in_meeting"]?["waiting_room"]),
            ],
            raw: body.canonicalText)
    }

    /// A user's presence (`GET /users/{id}/presence_status`), keyed by the user. `remaining_time` is left
    /// out of `raw`: it counts down on every read and would rewrite an unchanged row.
    static func presence(_ body: JSONValue, user: String) throws -> SyncedRecord {
        guard case .object(var members) = body, let status = body["status"]?.nonEmptyString else {
            throw invalid("a presence status without status")
        }
        members["remaining_time"] = nil
        return SyncedRecord(
            remoteID: user, values: [.text(user), .text(status), timestamp(body["end_time"])], raw: JSONValue.object(members).canonicalText)
    }

    /// The account's settings (`GET /accounts/me/settings`): one row, keyed by the account.
    static func accountSettings(_ body: JSONValue, account: String) -> SyncedRecord {
        let meeting = body["in_meeting"], recording = body["recording"]
        return SyncedRecord(
            remoteID: account,
            values: [
                boolean(meeting?["waiting_room"]), boolean(meeting?["e2e_encryption"]),
                boolean(body["schedule_meeting"]?["require_password_for_scheduling_new_meetings"]),
                integer(body["security"]?["password_requirement"]?["minimum_password_length"]), boolean(recording?["cloud_recording"]),
                text(recording?["auto_recording"]), integer(recording?["auto_delete_cmr_days"]),
            ],
            raw: body.canonicalText)
    }

    // MARK: - Field conversions

    static func text(_ value: JSONValue?) -> RecordValue { value?.nonEmptyString.map(RecordValue.text) ?? .null }
    /// The first of `values` that is a non-empty string (or a number, as its digits).
    static func firstText(_ values: JSONValue?...) -> RecordValue {
        for value in values {
            if let text = value?.nonEmptyString ?? value?.integer.map(String.init) { return .text(text) }
        }
        return .null
    }
    static func integer(_ value: JSONValue?) -> RecordValue { value?.integer.map(RecordValue.integer) ?? .null }
    static func boolean(_ value: JSONValue?) -> RecordValue { if case .bool(let flag)? = value { .boolean(flag) } else { .null } }
    static func decimal(_ value: JSONValue?) -> RecordValue { value?.decimalText.map(RecordValue.decimal) ?? .null }

    /// Zoom's times are ISO 8601 (`2026-11-02T09:15:00Z`); an unreadable one is stored as NULL.
    static func timestamp(_ value: JSONValue?) -> RecordValue {
        guard let text = value?.nonEmptyString, let date = ISO8601Time.parse(text) else { return .null }
        return .timestamp(date)
    }

    /// A `yyyy-mm-dd` day (or the day part of a timestamp).
    static func date(_ value: JSONValue?) -> RecordValue {
        guard let text = value?.nonEmptyString, text.count >= 10 else { return .null }
        let day = String(text.prefix(10))
        guard ISO8601Time.parse(day + "T00:00:00Z") != nil else { return .null }
        return .date(day)
    }
}
