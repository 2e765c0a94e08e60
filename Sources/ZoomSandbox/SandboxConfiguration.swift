/// How the sandbox behaves. Every field has a default suited to local development.
public struct SandboxConfiguration: Sendable {
    /// Seeds every generated id, name and secret: the same seed gives the same world.
    public var seed: UInt64 = 1
    /// Users in the main (Pro) account. Users are generated on demand, so a million cost no memory.
    public var users: Int = 50
    /// Further Pro accounts beyond the three built-in ones ("Sandbox Fleet 0001 Inc." …), each with its
    /// own custom and server-to-server app: many tenants, each connecting a Zoom account of its own, for load
    /// tests. Zoom's rate limits are per account, so each gets its own.
    public var fleetAccounts: Int = 0
    /// Past meetings a day in each account's dashboard; by default one per five users, at most 300.
    public var meetingsPerDay: Int? = nil
    /// Users in each fleet account.
    public var fleetUsers: Int = 100
    /// Lifetime of access tokens; Zoom's is one hour (3599 s in real responses).
    public var accessTokenLifetime: Duration = .seconds(3599)
    /// Redirect URIs registered on every OAuth app (the platform app and each custom app).
    public var redirectURIs: [String] = ["http://127.0.0.1:8080/oauth/callback/zoom"]
    /// When set, `/oauth/authorize` approves at once as the account's user with this role, with no
    /// consent page: for tests and scripted demos.
    public var autoApprove: SandboxRole? = nil
    /// Enforce Zoom's per-account rate limits (429 with Zoom's headers). Benchmarks switch it off.
    public var rateLimits: Bool = true
    /// Serve the control API under `/_sandbox/` (changing data, faults, clock, counters). Off by default.
    public var controlAPI: Bool = false
    /// How soon an endpoint must answer Zoom's URL validation: 3 s, as Zoom requires. Tests that check the
    /// answer's content rather than its speed raise it, so a loaded machine cannot fail them.
    public var urlValidationDeadline: Duration = .seconds(3)
    /// How long the control API waits for an endpoint to take a webhook it sends. Tests on a loaded machine
    /// raise it; an endpoint that never answers still ends in a 502 naming the failure.
    public var webhookDeliveryTimeout: Duration = .seconds(10)

    /// The defaults above.
    public init() {}
}

/// The built-in roles of a Zoom account, with Zoom's role ids.
public enum SandboxRole: String, Sendable, CaseIterable {
    case owner
    case admin
    case member

    /// Zoom's id for the role: "0" owner, "1" admin, "2" member.
    public var zoomRoleID: String {
        switch self {
        case .owner: "0"
        case .admin: "1"
        case .member: "2"
        }
    }

    /// Zoom's display name for the role.
    public var zoomRoleName: String {
        switch self {
        case .owner: "Owner"
        case .admin: "Admin"
        case .member: "Member"
        }
    }
}
