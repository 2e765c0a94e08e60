import Foundation

/// A Zoom plan; it sets rate limits and which features (reports, dashboards) an account has.
public enum SandboxPlan: String, Sendable {
    case free
    case pro
    case business
}

/// One emulated Zoom account.
public struct SandboxAccount: Sendable, Hashable {
    /// Position in the world; stable for a seed.
    public let index: Int
    /// Zoom's account id.
    public let id: String
    /// Zoom's numeric account number.
    public let number: Int
    public let name: String
    public let plan: SandboxPlan
    /// Users generated for the account; user 0 is the owner, users 1 and 2 are admins.
    public let userCount: Int
}

/// An OAuth app registered in the sandbox.
public struct SandboxApp: Sendable, Hashable {
    /// What kind of Zoom app this is.
    public enum Kind: Sendable, Hashable {
        /// A published general app: any account may authorize it (Tether's "platform" mode).
        case platform
        /// An admin-managed app created inside one account (Tether's "custom" mode).
        case custom(accountIndex: Int)
        /// A server-to-server app of one account (`grant_type=account_credentials`).
        case serverToServer(accountIndex: Int)
    }

    public let name: String
    public let kind: Kind
    public let clientID: String
    public let clientSecret: String
    /// Redirect URIs registered on the app (none for server-to-server apps).
    public let redirectURIs: [String]
    /// The scopes every token of this app carries.
    public let scopes: [String]

    /// The account a custom or server-to-server app belongs to; `nil` for platform apps.
    public var accountIndex: Int? {
        switch kind {
        case .platform: nil
        case .custom(let index), .serverToServer(let index): index
        }
    }

    /// True for server-to-server apps, which have no browser flow.
    public var isServerToServer: Bool {
        if case .serverToServer = kind { true } else { false }
    }
}

/// The deterministic world: accounts, their users and the apps, all derived from the configuration's seed.
public struct SandboxWorld: Sendable {
    public let seed: UInt64
    public let accounts: [SandboxAccount]
    public let apps: [SandboxApp]

    /// Granular admin scopes, as an admin-managed app requests them: the set Zluri documents, plus the plan
    /// information and invoice scopes Tether's billing streams use.
    public static let granularScopes =
        [
            "user:read:user:admin", "user:read:list_users:admin", "user:read:settings:admin",
            "role:read:list_roles:admin", "role:read:list_members:admin",
            "group:read:list_groups:admin", "group:read:list_members:admin",
            "account:read:list_sub_accounts:master", "billing:read:plan_usage:admin", "billing:read:plan_information:admin",
            "billing:read:list_invoices:admin",
            "report:read:daily:admin", "report:read:list_users:admin", "report:read:user_activities:admin",
            "report:read:operation_logs:admin", "report:read:billing:admin", "report:read:billing_invoice:admin",
            "report:read:telephone:admin", "report:read:meeting:admin", "report:read:user:admin",
            "report:read:list_meeting_participants:admin",
            "phone:read:list_users:admin", "phone:read:list_calling_plans:admin", "phone:read:list_call_logs:admin",
            "zoom_rooms:read:list_rooms:admin", "zoom_rooms:read:list_devices:admin", "zoom_rooms:read:list_locations:admin",
            "account:read:settings:admin", "user:read:presence_status:admin", "dashboard:read:list_meetings:admin",
            "dashboard:read:list_meeting_participants:admin", "dashboard:read:list_meeting_participants_qos:admin",
            "dashboard:read:list_zoomrooms:admin", "dashboard:read:issues_zoomroom:admin", "user:read:list_users:master",
        ] + actionScopes

    /// The granular scopes of the writes Tether's actions make (`zoom-api-actions.md` Part A) and the reads
    /// that plan them: the granular apps carry them; the classic app does not (for missing-scope paths).
    public static let actionScopes = [
        "user:update:status:admin", "user:update:user:admin", "user:delete:token:admin", "group:read:group:admin", "group:write:member:admin",
        "group:delete:member:admin", "role:read:role:admin", "role:write:member:admin", "role:delete:member:admin",
        "user:write:user:admin", "user:delete:user:admin", "group:write:group:admin", "group:delete:group:admin", "user:update:password:admin",
        "user:update:settings:admin", "user:delete:profile_picture:admin", "group:update:member:admin", "group:write:administrator:admin",
        "group:read:list_administrators:admin", "role:update:role:admin", "meeting:read:meeting:admin", "meeting:read:list_meetings:admin",
        "meeting:write:meeting:admin", "meeting:update:meeting:admin", "meeting:delete:meeting:admin", "meeting:read:invitation:admin",
        "marketplace:read:app_request:admin", "marketplace:write:app_request:admin", "marketplace:update:app_request:admin",
    ]

    /// Classic scopes, as apps created before granular scopes carry them.
    public static let classicScopes = [
        "user:read:admin", "role:read:admin", "group:read:admin", "account:read:admin", "report:read:admin",
        "billing:master", "account:master", "phone:read:admin", "room:read:admin", "dashboard_meetings:read:admin",
        "dashboard_zr:read:admin", "dashboard_home:read:admin",
    ]

    /// Builds the world for `configuration`: a Pro account with `users` users, a Free account and a
    /// Business account, then `fleetAccounts` Pro accounts of `fleetUsers` users; a platform app with granular scopes, one granted only `user:read:user:admin` (for
    /// missing-scope paths) and one with classic scopes; and a custom app plus a server-to-server app in
    /// every account.
    public init(configuration: SandboxConfiguration) {
        seed = configuration.seed
        let plans: [(String, SandboxPlan, Int)] =
            [
                ("Sandbox Pro Inc.", .pro, configuration.users),
                ("Sandbox Free LLC", .free, 5),
                ("Sandbox Business Corp", .business, 20),
            ] + (0..<max(0, configuration.fleetAccounts)).map { ("Sandbox Fleet \(Self.fleetNumber($0)) Inc.", .pro, configuration.fleetUsers) }
        accounts = plans.enumerated().map { index, entry in
            var random = SandboxRandom(seed: configuration.seed, 1, UInt64(index))
            return SandboxAccount(
                index: index, id: random.identifier(), number: 10_000_000 + random.below(90_000_000),
                name: entry.0, plan: entry.1, userCount: max(1, entry.2))
        }
        func credentials(_ salt: UInt64, _ index: Int) -> (String, String) {
            var random = SandboxRandom(seed: configuration.seed, 2, salt, UInt64(index))
            return (random.identifier(length: 22), random.identifier(length: 32))
        }
        var apps: [SandboxApp] = []
        let platform = credentials(0, 0)
        apps.append(
            SandboxApp(
                name: "Tether (sandbox platform app)", kind: .platform, clientID: platform.0, clientSecret: platform.1,
                redirectURIs: configuration.redirectURIs, scopes: Self.granularScopes))
        let limited = credentials(4, 0)
        apps.append(
            SandboxApp(
                name: "Tether limited (sandbox)", kind: .platform, clientID: limited.0, clientSecret: limited.1,
                redirectURIs: configuration.redirectURIs, scopes: ["user:read:user:admin"]))
        let classic = credentials(1, 0)
        apps.append(
            SandboxApp(
                name: "Tether classic (sandbox)", kind: .platform, clientID: classic.0, clientSecret: classic.1,
                redirectURIs: configuration.redirectURIs, scopes: Self.classicScopes))
        for account in accounts {
            let custom = credentials(2, account.index)
            apps.append(
                SandboxApp(
                    name: "\(account.name) custom app", kind: .custom(accountIndex: account.index), clientID: custom.0,
                    clientSecret: custom.1, redirectURIs: configuration.redirectURIs, scopes: Self.granularScopes))
            let serverToServer = credentials(3, account.index)
            apps.append(
                SandboxApp(
                    name: "\(account.name) server-to-server app", kind: .serverToServer(accountIndex: account.index),
                    clientID: serverToServer.0, clientSecret: serverToServer.1, redirectURIs: [], scopes: Self.granularScopes))
        }
        self.apps = apps
    }

    /// "0001" for the first fleet account: fixed width, so names sort in creation order.
    static func fleetNumber(_ index: Int) -> String {
        let digits = String(index + 1)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The app with `clientID`.
    public func app(clientID: String) -> SandboxApp? { apps.first { $0.clientID == clientID } }

    /// The account with Zoom id `id`.
    public func account(id: String) -> SandboxAccount? { accounts.first { $0.id == id } }

    /// The sub accounts of a master account: Business accounts have three, each with a few users of its own.
    public func subAccounts(of account: SandboxAccount) -> [SandboxAccount] {
        guard account.plan == .business else { return [] }
        return (0..<3).map { index in
            var random = SandboxRandom(seed: seed, 41, UInt64(account.index), UInt64(index))
            return SandboxAccount(
                index: 1_000 + account.index * 10 + index, id: random.identifier(), number: 50_000_000 + random.below(9_999_999),
                name: "\(account.name) subsidiary \(index + 1)", plan: .business, userCount: 4 + 3 * index)
        }
    }

    /// The first user of `account` with `role` (the owner is user 0; admins are users 1 and 2).
    public func user(of account: SandboxAccount, role: SandboxRole) -> SandboxUser {
        switch role {
        case .owner: return user(of: account, index: 0)
        case .admin: return user(of: account, index: min(1, account.userCount - 1))
        case .member: return user(of: account, index: min(3, account.userCount - 1))
        }
    }

    /// User `index` of `account`, generated on demand.
    public func user(of account: SandboxAccount, index: Int) -> SandboxUser {
        SandboxUser(seed: seed, account: account, index: index)
    }
}
