public import Foundation

/// The type of a normalized column, as the data API and SQL readers see it.
public enum ColumnType: Sendable, Hashable {
    case text
    case integer
    /// An exact decimal (money).
    case decimal
    case timestamp
    /// A calendar day, `yyyy-mm-dd`.
    case date
    case textArray
    /// A JSON document.
    case json
    case boolean
}

/// One value of a normalized column. The connector builds these from the provider's JSON; the store turns
/// them into database values without knowing the provider.
public enum RecordValue: Sendable, Hashable {
    case null
    case text(String)
    case integer(Int)
    /// Decimal text such as `12.50`, kept exact.
    case decimal(String)
    case timestamp(Date)
    /// `yyyy-mm-dd`.
    case date(String)
    case textArray([String])
    /// JSON text.
    case json(String)
    case boolean(Bool)
}

/// A normalized table: its name and its columns beyond the frame every synced table shares (`tenant_id`,
/// `connection_id`, `remote_id`, `raw`, `content_hash`, `first_seen_at`, `updated_at`, `deleted_at`).
/// These shapes are provider-neutral: another provider's users land in the same `users` table.
public struct RecordTable: Sendable, Hashable {
    public struct Column: Sendable, Hashable {
        public let name: String
        public let type: ColumnType
    }

    public let name: String
    public let columns: [Column]

    init(_ name: String, _ columns: [(String, ColumnType)]) {
        self.name = name
        self.columns = columns.map { Column(name: $0.0, type: $0.1) }
    }
}

/// One record read from a provider, ready to store.
public struct SyncedRecord: Sendable, Hashable {
    /// The provider's id of the record (or a stable key built from its fields when it has none).
    public let remoteID: String
    /// Values in the order of the table's columns.
    public let values: [RecordValue]
    /// The record's JSON as received, with keys sorted so that equal content gives equal bytes.
    public let raw: String

    public init(remoteID: String, values: [RecordValue], raw: String) {
        self.remoteID = remoteID
        self.values = values
        self.raw = raw
    }
}

extension RecordTable {
    /// Every normalized table, by name.
    public static let all: [RecordTable] = [
        users, roles, roleMembers, groups, groupMembers, subAccounts, planUsage, plans, invoices, dailyUsage, activeHosts, signIns,
        operationLogs, billingReports, telephone, phoneUsers, callingPlans, callHistory, rooms, roomDevices, roomLocations, userSettings,
        accountSettings, userPresence, meetings, meetingParticipants, meetingQuality, roomHealth, roomIssues, roomAlerts,
        pastMeetingParticipants,
    ]

    /// The states a normalized user is in; each connector maps its provider's onto them.
    public static let userStatuses = ["active", "inactive", "pending"]
    /// A normalized user's licence (DESIGN §5 "User JSON").
    public static let licenseTypes = ["basic", "licensed", "none", "other"]

    public static let users = RecordTable(
        "users",
        [
            ("email", .text), ("first_name", .text), ("last_name", .text), ("display_name", .text), ("status", .text),
            ("license_type", .text), ("role_id", .text), ("department", .text), ("job_title", .text), ("timezone", .text),
            ("group_ids", .textArray), ("last_login_at", .timestamp), ("created_remote_at", .timestamp), ("sub_account_id", .text),
        ])
    public static let roles = RecordTable("roles", [("name", .text), ("description", .text), ("member_count", .integer)])
    public static let roleMembers = RecordTable(
        "role_members",
        [
            ("role_remote_id", .text), ("user_remote_id", .text), ("email", .text), ("first_name", .text), ("last_name", .text),
        ])
    public static let groups = RecordTable("groups", [("name", .text), ("member_count", .integer)])
    public static let groupMembers = RecordTable(
        "group_members",
        [
            ("group_remote_id", .text), ("user_remote_id", .text), ("email", .text), ("first_name", .text), ("last_name", .text),
        ])
    public static let subAccounts = RecordTable(
        "sub_accounts",
        [
            ("name", .text), ("owner_email", .text), ("account_type", .text), ("account_number", .text), ("seats", .integer),
            ("subscription_start_at", .timestamp), ("subscription_end_at", .timestamp), ("created_remote_at", .timestamp),
        ])
    public static let planUsage = RecordTable(
        "billing_plan_usage",
        [
            ("plan", .text), ("plan_type", .text), ("seats_bought", .integer), ("seats_used", .integer), ("seats_pending", .integer),
            ("sub_account_id", .text),
        ])
    public static let plans = RecordTable(
        "billing_plans",
        [
            ("plan", .text), ("plan_type", .text), ("seats", .integer), ("status", .text), ("service_effective_at", .timestamp),
            ("next_invoice_at", .timestamp),
        ])
    public static let invoices = RecordTable(
        "billing_invoices",
        [
            ("invoice_number", .text), ("invoice_date", .date), ("due_date", .date), ("status", .text), ("currency", .text),
            ("balance", .decimal), ("tax_amount", .decimal), ("total_amount", .decimal),
        ])
    public static let dailyUsage = RecordTable(
        "report_daily_usage",
        [
            ("date", .date), ("new_users", .integer), ("meetings", .integer), ("participants", .integer), ("meeting_minutes", .integer),
        ])
    public static let activeHosts = RecordTable(
        "report_active_hosts",
        [
            ("period_start", .date), ("period_end", .date), ("user_remote_id", .text), ("email", .text), ("user_name", .text),
            ("meetings", .integer), ("participants", .integer), ("meeting_minutes", .integer),
        ])
    public static let signIns = RecordTable(
        "report_sign_ins",
        [
            ("occurred_at", .timestamp), ("email", .text), ("type", .text), ("ip_address", .text), ("client_type", .text), ("version", .text),
        ])
    public static let operationLogs = RecordTable(
        "report_operation_logs",
        [
            ("occurred_at", .timestamp), ("operator", .text), ("category_type", .text), ("action", .text), ("operation_detail", .text),
        ])
    public static let billingReports = RecordTable(
        "report_billing",
        [
            ("start_date", .date), ("end_date", .date), ("currency", .text), ("total_amount", .decimal), ("tax_amount", .decimal),
            ("type", .text), ("invoices", .json),
        ])
    public static let telephone = RecordTable(
        "report_telephone",
        [
            ("meeting_id", .text), ("host_remote_id", .text), ("host_email", .text), ("start_at", .timestamp), ("end_at", .timestamp),
            ("duration_minutes", .integer), ("total", .decimal), ("rate", .decimal), ("type", .text), ("country_name", .text),
            ("phone_number", .text),
        ])
    public static let phoneUsers = RecordTable(
        "phone_users",
        [
            ("email", .text), ("name", .text), ("extension_number", .text), ("status", .text), ("site_name", .text), ("department", .text),
            ("calling_plans", .textArray), ("phone_numbers", .textArray),
        ])
    public static let callingPlans = RecordTable(
        "phone_calling_plans",
        [
            ("name", .text), ("plan_type", .text), ("subscribed", .integer), ("assigned", .integer), ("available", .integer),
        ])
    /// Zoom Phone calls. The table that came before it, `phone_call_logs`, is no longer synced: Zoom
    /// retired its endpoint (migration 0014).
    public static let callHistory = RecordTable(
        "phone_call_history",
        [
            ("call_id", .text), ("direction", .text), ("call_type", .text), ("connect_type", .text), ("call_result", .text),
            ("started_at", .timestamp), ("answered_at", .timestamp), ("ended_at", .timestamp), ("duration_seconds", .integer),
            ("caller_name", .text), ("caller_number", .text), ("caller_email", .text), ("callee_name", .text), ("callee_number", .text),
            ("callee_email", .text), ("site_name", .text), ("department", .text), ("recording_status", .text),
        ])
    public static let rooms = RecordTable("rooms", [("name", .text), ("room_code", .text), ("status", .text), ("location_remote_id", .text)])
    public static let roomDevices = RecordTable(
        "room_devices",
        [
            ("room_remote_id", .text), ("device_type", .text), ("app_version", .text), ("device_system", .text), ("status", .text),
            ("hostname", .text),
        ])
    public static let roomLocations = RecordTable("room_locations", [("name", .text), ("type", .text), ("parent_location_remote_id", .text)])

    /// A user's settings: the columns an SMP filters on (what the user's licence lets them do, how they
    /// record), the whole settings object in `raw`.
    public static let userSettings = RecordTable(
        "user_settings",
        [
            ("user_remote_id", .text), ("meeting_capacity", .integer), ("large_meeting", .boolean), ("webinar", .boolean),
            ("zoom_phone", .boolean), ("cloud_recording", .boolean), ("auto_recording", .text), ("waiting_room", .boolean),
        ])
    /// The account's settings: its security and recording policy, the whole settings object in `raw`.
    public static let accountSettings = RecordTable(
        "account_settings",
        [
            ("waiting_room", .boolean), ("e2e_encryption", .boolean), ("require_meeting_password", .boolean),
            ("password_minimum_length", .integer), ("cloud_recording", .boolean), ("auto_recording", .text),
            ("recording_retention_days", .integer),
        ])
    /// Each licensed active user's presence (`Available`, `In_Meeting`, `Do_Not_Disturb`, …), and when a
    /// timed status ends.
    public static let userPresence = RecordTable("user_presence", [("user_remote_id", .text), ("status", .text), ("until_at", .timestamp)])

    /// Past meetings from the dashboard, keyed by Zoom's meeting UUID (one row per instance).
    public static let meetings = RecordTable(
        "meetings",
        [
            ("meeting_id", .text), ("topic", .text), ("host_name", .text), ("host_email", .text), ("host_user_type", .text),
            ("start_at", .timestamp), ("end_at", .timestamp), ("duration_seconds", .integer), ("participants", .integer),
            ("has_video", .boolean), ("has_screen_share", .boolean), ("has_recording", .boolean), ("has_pstn", .boolean),
            ("audio_quality", .text), ("video_quality", .text), ("screen_share_quality", .text), ("department", .text),
        ])
    /// Who joined each past meeting, from where and on what, one row per join.
    public static let meetingParticipants = RecordTable(
        "meeting_participants",
        [
            ("meeting_remote_id", .text), ("participant_id", .text), ("user_remote_id", .text), ("user_name", .text), ("email", .text),
            ("device", .text), ("ip_address", .text), ("location", .text), ("network_type", .text), ("data_center", .text),
            ("connection_type", .text), ("join_at", .timestamp), ("leave_at", .timestamp), ("leave_reason", .text),
            ("audio_quality", .text), ("video_quality", .text), ("screen_share_quality", .text), ("version", .text),
        ])
    /// The directions a participant's QoS is summarized in.
    public static let qualityDirections = ["audio_input", "audio_output", "video_input", "video_output"]
    /// The summary columns of each direction: latency and jitter in ms and packet loss in percent (average and
    /// worst), and the average bitrate in kbps.
    public static let qualityMeasures = [
        "latency_avg_ms", "latency_max_ms", "jitter_avg_ms", "jitter_max_ms", "loss_avg_pct", "loss_max_pct", "bitrate_avg_kbps",
    ]
    /// Each participant's call quality: one row per join, summarized per direction while the samples stream
    /// in; the per-minute samples stay in `raw`.
    public static let meetingQuality = RecordTable(
        "meeting_quality",
        [
            ("meeting_remote_id", .text), ("participant_id", .text), ("user_remote_id", .text), ("user_name", .text), ("email", .text),
            ("device", .text), ("join_at", .timestamp), ("leave_at", .timestamp), ("samples", .integer),
        ] + qualityDirections.flatMap { direction in qualityMeasures.map { ("\(direction)_\($0)", ColumnType.decimal) } })

    /// Each Zoom Room's health now, from the dashboard: status, `healthy`/`warning`/`critical`, and its issues.
    public static let roomHealth = RecordTable(
        "room_health",
        [
            ("room_name", .text), ("status", .text), ("health", .text), ("issues", .textArray), ("calendar_name", .text), ("email", .text),
            ("device_ip", .text), ("camera", .text), ("microphone", .text), ("speaker", .text), ("last_start_at", .timestamp),
            ("location_remote_id", .text),
        ])
    /// Issue events of each Zoom Room (a device disconnected, the room offline, and their recoveries).
    public static let roomIssues = RecordTable("room_issues", [("room_remote_id", .text), ("issue", .text), ("occurred_at", .timestamp)])
    /// Live Zoom Room alerts Zoom pushed (`zoomroom.alert`, `zoomroom.delayed_alert`), one row per room and
    /// problem; the recovery event marks it deleted.
    public static let roomAlerts = RecordTable(
        "room_alerts", [("room_remote_id", .text), ("room_name", .text), ("issue", .text), ("event", .text), ("raised_at", .timestamp)])

    /// Who attended each past meeting, from the report API (accounts without the dashboard have it too).
    public static let pastMeetingParticipants = RecordTable(
        "past_meeting_participants",
        [
            ("meeting_remote_id", .text), ("participant_id", .text), ("user_remote_id", .text), ("name", .text), ("email", .text),
            ("join_at", .timestamp), ("leave_at", .timestamp), ("duration_seconds", .integer), ("status", .text),
        ])
}
