public import Connectors

/// Zoom's streams and the scopes each needs, with both of Zoom's scope vocabularies: granular admin scopes
/// (apps made since 2024) and classic scopes (older apps). An endpoint accepts any one of its listed scopes
/// (`zoom-api.md` §6.1), so each requirement lists the granular admin scope first (the one to ask an admin
/// to add), then the `:master` and classic alternatives Zoom also accepts.
public enum ZoomCatalog {
    private static let reportClassic = ["report:read:admin", "report:master"]

    /// Zoom's built-in account roles: the owner's role id is "0", the admin's "1" (`zoom-api.md` §3).
    public static let ownerRole = AccountRole(id: "0", kind: .owner, name: "Owner")
    public static let adminRole = AccountRole(id: "1", kind: .admin, name: "Admin")

    /// Zoom keeps six months of reports and answers at most a month per request (`zoom-api.md` §4.6);
    /// three trailing days catch data Zoom adds late.
    static let reportWindow = StreamKind.windowed(backfillDays: 180, trailingDays: 3)
    /// The dashboard answers a month per request within the last six; 90 days of meetings and who joined
    /// them answer "who used their licence lately", 30 days of QoS "whose calls are bad". The report API's
    /// attendance costs a Heavy request per meeting, from a daily quota the other reports share: 30 days.
    /// The day before is read again for meetings that ended after the last sync.
    static let meetingWindow = StreamKind.windowed(backfillDays: 90, trailingDays: 1)
    static let qualityWindow = StreamKind.windowed(backfillDays: 30, trailingDays: 1)
    private static let listMeetings = ["dashboard:read:list_meetings:admin", "dashboard_meetings:read:admin"]

    /// `/report/daily` is asked per calendar month, and the month must be one of the last six: starting
    /// 150 days back keeps the first month's first day inside that limit.
    static let dailyWindow = StreamKind.windowed(backfillDays: 150, trailingDays: 3)

    private static func stream(
        _ name: String, _ summary: String, _ table: RecordTable, _ kind: StreamKind = .snapshot, plans: Set<String>? = nil,
        _ requirements: [String]...
    ) -> StreamDescription {
        StreamDescription(
            name: name, summary: summary, requirements: requirements.map(ScopeRequirement.init(anyOf:)), table: table, kind: kind, plans: plans)
    }

    /// Zoom's dashboard (meetings, participants, QoS, Zoom Rooms health) is a Business-and-up feature.
    static let dashboardPlans: Set<String> = ["business"]

    /// Every stream Tether syncs from Zoom. These names are part of the public contract.
    public static let streams: [StreamDescription] = [
        stream(
            "users", "Users of every status, with license type, role, groups and last sign-in", .users, .snapshot,
            ["user:read:list_users:admin", "user:read:admin"]),
        stream("roles", "Roles defined in the account", .roles, .snapshot, ["role:read:list_roles:admin", "role:read:admin"]),
        stream("role_members", "Which users hold each role", .roleMembers, .snapshot, ["role:read:list_members:admin", "role:read:admin"]),
        stream("groups", "Groups in the account", .groups, .snapshot, ["group:read:list_groups:admin", "group:read:admin"]),
        stream("group_members", "Which users belong to each group", .groupMembers, .snapshot, ["group:read:list_members:admin", "group:read:admin"]),
        stream(
            "sub_accounts", "Sub accounts of a master account", .subAccounts, .snapshot,
            ["account:read:list_sub_accounts:master", "account:master"]),
        stream(
            "plan_usage", "Seats bought and used per plan", .planUsage, .snapshot,
            [
                "billing:read:plan_usage:admin", "billing:read:plan_usage:master", "account:read:admin", "billing:master",
                "account:master",
            ]),
        stream(
            "plan_info", "The plans the account subscribes to", .plans, .snapshot,
            ["billing:read:plan_information:admin", "billing:read:plan_information:master", "billing:master", "account:master"]),
        // Zoom answers the invoice list 6 times a day per account (zoom-api.md §5): every 4 hours at most.
        StreamDescription(
            name: "invoices", summary: "Invoices of the account",
            requirements: [ScopeRequirement(anyOf: ["billing:read:list_invoices:admin", "billing:read:list_invoices:master", "billing:master"])],
            table: .invoices, defaultInterval: 14_400, minimumInterval: 14_400),
        stream(
            "report_daily", "Daily usage: new users, meetings, participants and minutes", .dailyUsage, dailyWindow,
            ["report:read:daily:admin", "report:read:daily_usage:admin"] + reportClassic),
        stream(
            "report_users", "Hosts per month, active (with their meeting counts) and inactive", .activeHosts, reportWindow,
            ["report:read:list_users:admin"] + reportClassic),
        stream("report_activities", "Sign-in and sign-out activity", .signIns, reportWindow, ["report:read:user_activities:admin"] + reportClassic),
        stream(
            "report_operation_logs", "Admin operations in the account", .operationLogs, reportWindow,
            ["report:read:operation_logs:admin"] + reportClassic),
        stream(
            "report_billing", "Billing reports, with their invoices", .billingReports, .snapshot,
            ["report:read:billing:admin"] + reportClassic, ["report:read:billing_invoice:admin"] + reportClassic),
        stream("report_telephone", "Telephone usage", .telephone, reportWindow, ["report:read:telephone:admin"] + reportClassic),
        stream("phone_users", "Zoom Phone users", .phoneUsers, .snapshot, ["phone:read:list_users:admin", "phone:read:admin"]),
        stream(
            "phone_calling_plans", "Zoom Phone calling plans and their usage", .callingPlans, .snapshot,
            ["phone:read:list_calling_plans:admin", "phone:read:admin"]),
        stream(
            "phone_call_history", "Zoom Phone call history", .callHistory, reportWindow,
            ["phone:read:list_call_logs:admin", "phone:read:admin", "phone_call_log:read:admin"]),
        stream("rooms", "Zoom Rooms", .rooms, .snapshot, ["zoom_rooms:read:list_rooms:admin", "room:read:admin"]),
        stream("room_devices", "Devices in each Zoom Room", .roomDevices, .snapshot, ["zoom_rooms:read:list_devices:admin", "room:read:admin"]),
        stream("room_locations", "Zoom Rooms locations", .roomLocations, .snapshot, ["zoom_rooms:read:list_locations:admin", "room:read:admin"]),
        stream(
            "meetings", "Past meetings from the dashboard: host, times, participants, audio and video quality", .meetings, meetingWindow,
            plans: dashboardPlans, listMeetings),
        stream(
            "meeting_participants", "Who joined each past meeting, when, and from which device and network", .meetingParticipants, meetingWindow,
            plans: dashboardPlans, listMeetings, ["dashboard:read:list_meeting_participants:admin", "dashboard_meetings:read:admin"]),
        stream(
            "meeting_quality", "Each participant's call quality: latency, jitter, packet loss and bitrate per direction", .meetingQuality,
            qualityWindow, plans: dashboardPlans, listMeetings,
            ["dashboard:read:list_meeting_participants_qos:admin", "dashboard_meetings:read:admin"]),
        stream(
            "past_meeting_participants", "Who attended each past meeting, from the report API (no dashboard needed)", .pastMeetingParticipants,
            qualityWindow, ["report:read:list_users:admin"] + reportClassic, ["report:read:user:admin"] + reportClassic,
            ["report:read:list_meeting_participants:admin"] + reportClassic),
        // "Which rooms are unhealthy right now": every 15 minutes by default.
        StreamDescription(
            name: "room_health", summary: "Each Zoom Room's health now: status, healthy/warning/critical, current issues",
            requirements: [ScopeRequirement(anyOf: ["dashboard:read:list_zoomrooms:admin", "dashboard_zr:read:admin"])], table: .roomHealth,
            defaultInterval: 900, plans: dashboardPlans),
        stream(
            "room_issues", "Issue events of each Zoom Room: devices disconnected, the room offline, and their recoveries", .roomIssues,
            qualityWindow, plans: dashboardPlans, ["zoom_rooms:read:list_rooms:admin", "room:read:admin"],
            ["dashboard:read:issues_zoomroom:admin", "dashboard_home:read:admin"]),
        // One request per user: daily by default, and never more than hourly.
        StreamDescription(
            name: "user_settings", summary: "Each active or inactive user's settings: features their licence allows, recording, meeting defaults",
            requirements: [
                ScopeRequirement(anyOf: ["user:read:list_users:admin", "user:read:admin"]),
                ScopeRequirement(anyOf: ["user:read:settings:admin", "user:read:admin"]),
            ],
            table: .userSettings, defaultInterval: 86_400, minimumInterval: 3_600),
        // A request per licensed active user, on its own short interval (5 minutes by default).
        StreamDescription(
            name: "user_presence", summary: "Each licensed active user's presence status (available, in a meeting, do not disturb, …)",
            requirements: [
                ScopeRequirement(anyOf: ["user:read:list_users:admin", "user:read:admin"]),
                ScopeRequirement(anyOf: ["user:read:presence_status:admin", "user:read:admin"]),
            ],
            table: .userPresence, defaultInterval: 300),
        stream(
            "account_settings", "The account's settings: waiting room, encryption, passwords, recording policy", .accountSettings, .snapshot,
            ["account:read:settings:admin", "account:read:admin"]),
    ]

    /// The scopes an app for Tether should carry: the granular admin scope of every requirement, plus the
    /// one that lets Tether read the authorizing user.
    public static let requestedScopes: [String] = {
        var seen: Set<String> = []
        var ordered = ["user:read:user:admin"]
        seen.insert(ordered[0])
        for stream in streams {
            for requirement in stream.requirements where seen.insert(requirement.anyOf[0]).inserted {
                ordered.append(requirement.anyOf[0])
            }
        }
        return ordered
    }()

    private static func granular(_ name: String, _ unlocks: String) -> ScopeDescription {
        ScopeDescription(name: name, kind: .granular, unlocks: unlocks)
    }

    private static func classic(_ name: String, _ unlocks: String) -> ScopeDescription {
        ScopeDescription(name: name, kind: .classic, unlocks: unlocks)
    }

    /// Every scope Tether may meet, explained for the admin reading the connect page.
    public static let scopes = ScopeCatalog([
        granular("user:read:user:admin", "who authorized the connection: their account, email and role"),
        granular("user:read:list_users:admin", "the user list: names, emails, license type, role, department, last sign-in"),
        granular("role:read:list_roles:admin", "the roles defined in the account"),
        granular("role:read:list_members:admin", "which users hold each role (owners and admins)"),
        granular("group:read:list_groups:admin", "the groups in the account"),
        granular("group:read:list_members:admin", "which users belong to each group"),
        granular("account:read:list_sub_accounts:master", "the sub accounts of a master account"),
        granular("billing:read:plan_usage:admin", "seats bought and seats used for each plan"),
        granular("billing:read:plan_information:admin", "the plans the account pays for"),
        granular("billing:read:list_invoices:admin", "the account's invoices"),
        granular("report:read:daily:admin", "daily usage totals (meetings, participants, minutes)"),
        granular("report:read:daily_usage:admin", "daily usage totals (another name Zoom uses for the same report)"),
        granular("report:read:list_users:admin", "which hosts were active or inactive in a period"),
        granular("report:read:user_activities:admin", "sign-in and sign-out activity"),
        granular("report:read:operation_logs:admin", "the admin operation log"),
        granular("report:read:billing:admin", "billing reports"),
        granular("report:read:billing_invoice:admin", "the invoices behind each billing report"),
        granular("report:read:telephone:admin", "telephone usage reports"),
        granular("report:read:user:admin", "the meetings each user hosted"),
        granular("report:read:list_meeting_participants:admin", "who attended each past meeting, and for how long"),
        granular("phone:read:list_users:admin", "Zoom Phone users"),
        granular("phone:read:list_calling_plans:admin", "Zoom Phone calling plans and how many are assigned"),
        granular("phone:read:list_call_logs:admin", "Zoom Phone call history"),
        granular("zoom_rooms:read:list_rooms:admin", "Zoom Rooms"),
        granular("zoom_rooms:read:list_devices:admin", "the devices in each Zoom Room"),
        granular("zoom_rooms:read:list_locations:admin", "Zoom Rooms locations"),
        granular("user:read:settings:admin", "each user's settings: meeting capacity, webinar and large-meeting features, recording"),
        granular("dashboard:read:list_meetings:admin", "past meetings: host, times, participant counts, audio and video quality"),
        granular("dashboard:read:list_meeting_participants:admin", "who joined each past meeting, from which device and network"),
        granular("dashboard:read:list_meeting_participants_qos:admin", "each participant's call quality: latency, jitter, packet loss, bitrate"),
        granular("dashboard:read:list_zoomrooms:admin", "each Zoom Room's health and current issues"),
        granular("dashboard:read:issues_zoomroom:admin", "the issue history of each Zoom Room"),
        granular("user:read:presence_status:admin", "whether each licensed user is available, in a meeting or away"),
        granular("account:read:settings:admin", "the account's settings: waiting room, encryption, passwords, recording policy"),
        // The actions' scopes: what each lets Tether change (or read to act).
        granular("user:update:status:admin", "deactivate and reactivate users"),
        granular(
            "user:update:user:admin",
            "change a user's licence and plan type and their profile: job title, department, company, location, manager, name"),
        granular("user:delete:token:admin", "sign a user out of their current sessions"),
        granular("group:read:group:admin", "read one group by its id, to act on it"),
        granular("group:write:member:admin", "add users to groups"),
        granular("group:delete:member:admin", "remove users from groups"),
        granular("role:read:role:admin", "read one role by its id, to act on it"),
        granular("role:write:member:admin", "give users a role (it replaces the one they held)"),
        granular("role:delete:member:admin", "take a role from users (they go back to Member)"),
        granular("user:write:user:admin", "invite people to the account"),
        granular("user:update:password:admin", "set a user's password (Zoom emails them)"),
        granular("user:delete:user:admin", "remove users from the account, their data transferred to another user first"),
        granular("group:write:group:admin", "create groups"),
        granular("group:delete:group:admin", "delete groups"),
        granular("user:update:settings:admin", "change a user's settings: features, recording and meeting defaults"),
        granular("group:update:member:admin", "choose which of a user's groups is their primary one"),
        granular("user:delete:profile_picture:admin", "delete a user's profile picture"),
        granular("group:write:administrator:admin", "make users admins of a group"),
        granular("group:read:list_administrators:admin", "read a group's admins, to confirm who was made one"),
        granular("role:update:role:admin", "rename roles and change their description and privileges"),
        granular("meeting:read:meeting:admin", "read a meeting, to act on it"),
        granular("meeting:read:list_meetings:admin", "list a user's scheduled meetings, so that a meeting is never scheduled twice"),
        granular("meeting:write:meeting:admin", "schedule meetings for users"),
        granular("meeting:update:meeting:admin", "change scheduled meetings"),
        granular("meeting:delete:meeting:admin", "delete meetings"),
        granular("meeting:read:invitation:admin", "read a meeting's invitation text"),
        granular("marketplace:read:app_request:admin", "read users' requests for Marketplace apps"),
        granular("marketplace:write:app_request:admin", "allow Marketplace apps for users, groups or everyone"),
        granular("marketplace:update:app_request:admin", "approve or decline users' requests for Marketplace apps"),
        classic("user:read:admin", "every user and their settings"),
        classic("role:read:admin", "roles and their members"),
        classic("group:read:admin", "groups and their members"),
        classic("account:read:admin", "account settings and plan usage"),
        classic("account:master", "sub accounts, plans and billing of a master account"),
        classic("billing:master", "plans, plan usage and invoices"),
        classic("report:read:admin", "every usage, activity, billing and telephone report"),
        classic("report:master", "reports across sub accounts"),
        classic("phone:read:admin", "Zoom Phone users, calling plans and call logs"),
        classic("phone_call_log:read:admin", "Zoom Phone call logs"),
        classic("room:read:admin", "Zoom Rooms, their devices and locations"),
        classic("dashboard_meetings:read:admin", "the dashboard's past meetings, their participants and call quality"),
        classic("dashboard_zr:read:admin", "the dashboard's Zoom Rooms health"),
        classic("dashboard_home:read:admin", "the dashboard's Zoom Rooms issues"),
        classic("user:write:admin", "change users: their status, licence, profile and sessions"),
        classic("group:write:admin", "change groups and who belongs to them"),
        classic("role:write:admin", "change roles and who holds them"),
        classic("meeting:read:admin", "users' meetings and their invitations"),
        classic("meeting:write:admin", "schedule, change and delete users' meetings"),
        classic("marketplace_app:read:admin", "Marketplace apps and users' requests for them"),
        classic("marketplace_app:write:admin", "allow Marketplace apps and answer users' requests for them"),
    ])

    /// The stream called `name`.
    public static func stream(named name: String) -> StreamDescription? { streams.first { $0.name == name } }
}
