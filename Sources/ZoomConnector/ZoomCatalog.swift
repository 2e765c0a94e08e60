public import Connectors

/// Zoom's streams and the scopes each needs, with both of Zoom's scope vocabularies: granular admin scopes
/// (apps made since 2024) and classic scopes (older apps). An endpoint accepts any one of its listed scopes
/// (`zoom-api.md` §6.1), so each requirement lists the granular admin scope first (the one to ask an admin
/// to add), then the `:master` and classic alternatives Zoom also accepts.
public enum ZoomCatalog {
    private static let reportClassic = ["report:read:admin", "report:master"]

    private static func stream(_ name: String, _ summary: String, _ requirements: [String]...) -> StreamDescription {
        StreamDescription(name: name, summary: summary, requirements: requirements.map(ScopeRequirement.init(anyOf:)))
    }

    /// Every stream Tether syncs from Zoom. These names are part of the public contract.
    public static let streams: [StreamDescription] = [
        stream("users", "Users of every status, with license type, role, groups and last sign-in",
               ["user:read:list_users:admin", "user:read:admin"]),
        stream("roles", "Roles defined in the account", ["role:read:list_roles:admin", "role:read:admin"]),
        stream("role_members", "Which users hold each role", ["role:read:list_members:admin", "role:read:admin"]),
        stream("groups", "Groups in the account", ["group:read:list_groups:admin", "group:read:admin"]),
        stream("group_members", "Which users belong to each group", ["group:read:list_members:admin", "group:read:admin"]),
        stream("sub_accounts", "Sub accounts of a master account",
               ["account:read:list_sub_accounts:master", "account:master"]),
        stream("plan_usage", "Seats bought and used per plan",
               ["billing:read:plan_usage:admin", "billing:read:plan_usage:master", "account:read:admin", "billing:master",
                "account:master"]),
        stream("plan_info", "The plans the account subscribes to",
               ["billing:read:plan_information:admin", "billing:read:plan_information:master", "billing:master", "account:master"]),
        stream("invoices", "Invoices of the account",
               ["billing:read:list_invoices:admin", "billing:read:list_invoices:master", "billing:master"]),
        stream("report_daily", "Daily usage: new users, meetings, participants and minutes",
               ["report:read:daily:admin", "report:read:daily_usage:admin"] + reportClassic),
        stream("report_users", "Active and inactive hosts per period", ["report:read:list_users:admin"] + reportClassic),
        stream("report_activities", "Sign-in and sign-out activity", ["report:read:user_activities:admin"] + reportClassic),
        stream("report_operation_logs", "Admin operations in the account", ["report:read:operation_logs:admin"] + reportClassic),
        stream("report_billing", "Billing reports, with their invoices",
               ["report:read:billing:admin"] + reportClassic, ["report:read:billing_invoice:admin"] + reportClassic),
        stream("report_telephone", "Telephone usage", ["report:read:telephone:admin"] + reportClassic),
        stream("phone_users", "Zoom Phone users", ["phone:read:list_users:admin", "phone:read:admin"]),
        stream("phone_calling_plans", "Zoom Phone calling plans and their usage",
               ["phone:read:list_calling_plans:admin", "phone:read:admin"]),
        stream("phone_call_logs", "Zoom Phone call logs",
               ["phone:read:list_call_logs:admin", "phone:read:admin", "phone_call_log:read:admin"]),
        stream("rooms", "Zoom Rooms", ["zoom_rooms:read:list_rooms:admin", "room:read:admin"]),
        stream("room_devices", "Devices in each Zoom Room", ["zoom_rooms:read:list_devices:admin", "room:read:admin"]),
        stream("room_locations", "Zoom Rooms locations", ["zoom_rooms:read:list_locations:admin", "room:read:admin"]),
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
        granular("phone:read:list_users:admin", "Zoom Phone users"),
        granular("phone:read:list_calling_plans:admin", "Zoom Phone calling plans and how many are assigned"),
        granular("phone:read:list_call_logs:admin", "Zoom Phone call logs"),
        granular("zoom_rooms:read:list_rooms:admin", "Zoom Rooms"),
        granular("zoom_rooms:read:list_devices:admin", "the devices in each Zoom Room"),
        granular("zoom_rooms:read:list_locations:admin", "Zoom Rooms locations"),
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
    ])

    /// The stream called `name`.
    public static func stream(named name: String) -> StreamDescription? { streams.first { $0.name == name } }
}
