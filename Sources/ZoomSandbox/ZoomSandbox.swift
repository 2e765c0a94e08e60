import CurlHTTP
import Foundation
public import Hummingbird
public import Logging
import NIOConcurrencyHelpers
import Vault

/// A Zoom emulator for tests, demos and local development: OAuth (authorization code with PKCE, rotating
/// refresh tokens, server-to-server account credentials, revoke) and the REST API, with Zoom's error
/// bodies and paging. It shares no code with the Zoom connector, so a misreading of Zoom in one is caught
/// by the other's tests.
public final class ZoomSandbox: Sendable {
    /// How this sandbox behaves.
    public let configuration: SandboxConfiguration
    /// The accounts, users and apps.
    public let world: SandboxWorld
    /// Sandbox time; tests advance it to expire codes and tokens.
    public let clock = SandboxClock()
    let grants = SandboxGrants()
    let rateLimiter = SandboxRateLimiter()
    let edits = SandboxEdits()
    /// Meetings scheduled through the API.
    public let scheduledMeetings = SandboxScheduledMeetings()
    /// Marketplace apps' requests as admins answered them.
    public let marketplace = SandboxMarketplace()
    let faults: SandboxFaults
    /// Sends webhook events for the control API.
    let httpClient = CurlHTTPClient(
        configuration: {
            var configuration = CurlHTTPClient.Configuration(); configuration.threads = 2; return configuration
        }())
    private let requests = NIOLockedValueBox<(paths: [String: Int], writes: [String: Int], categories: [String: Int])>(([:], [:], [:]))
    /// Signs page tokens; random per process, so tokens from another sandbox run are rejected.
    let pageTokenKey: [UInt8]
    private let counts = NIOLockedValueBox<[String: Int]>([:])
    /// The status each generated user of an account was born with, by account: one byte per user.
    private let generatedStatuses = NIOLockedValueBox<[Int: [UInt8]]>([:])
    /// Who hosted what in a report window, by account and window (see ``SandboxMeetings/hosts(_:window:)``).
    let hostedCache = NIOLockedValueBox<[String: [Int: SandboxMeetings.Hosted]]>([:])

    /// Creates a sandbox; nothing listens until ``buildApplication(host:port:logger:onServerRunning:)`` runs.
    public init(configuration: SandboxConfiguration = .init()) throws {
        self.configuration = configuration
        self.world = SandboxWorld(configuration: configuration)
        self.pageTokenKey = try SecureRandom.bytes(count: 32)
        self.faults = SandboxFaults(seed: configuration.seed)
    }

    /// Token-endpoint counters: how many token requests, exchanges, refreshes and revocations happened.
    public var tokenRequests: Int { grants.counters.tokenRequests }
    /// Refresh-token grants served.
    public var refreshes: Int { grants.counters.refreshes }
    /// Authorization codes exchanged for tokens.
    public var codesExchanged: Int { grants.counters.authorizationCodesExchanged }
    /// Tokens revoked at `/oauth/revoke`.
    public var revocations: Int { grants.counters.revocations }

    /// Revokes every token `clientID` holds in the account (as removing the app from Zoom does).
    public func revokeAll(clientID: String, accountID: String) {
        guard let account = world.account(id: accountID) else { return }
        grants.revokeAll(clientID: clientID, accountIndex: account.index)
    }

    /// 429 responses served so far.
    public var rateLimited: Int { rateLimiter.served429 }

    /// Counts users of `account` that `matches` accepts, once per `key`, then from a cache (the world is
    /// deterministic, so a count never changes).
    func cachedCount(
        _ key: String, account: SandboxAccount, candidates: (any Sequence<Int>)? = nil, _ matches: (SandboxUser) -> Bool
    ) -> Int {
        let fullKey = "\(account.index)|\(key)"
        if let cached = counts.withLockedValue({ $0[fullKey] }) { return cached }
        let count = (candidates ?? 0..<userCount(account)).reduce(0) { $0 + (user(account, index: $1).map(matches) == true ? 1 : 0) }
        counts.withLockedValue { $0[fullKey] = count }
        return count
    }

    /// False when user `index` of `account` certainly does not have `status`: a listing by status then skips
    /// the user without generating it (three listings by status otherwise generate every user three times,
    /// which made the sandbox cost as much CPU as the sync it serves). The generated statuses are computed
    /// once per account; a user the control API changed or added is always a candidate.
    func mayHaveStatus(_ account: SandboxAccount, index: Int, _ status: String) -> Bool {
        guard index < account.userCount, !edits.isEdited(account, index: index) else { return true }
        let statuses = generatedStatuses.withLockedValue { cache in
            if let known = cache[account.index] { return known }
            let computed = (0..<account.userCount).map { Self.statusCode(world.user(of: account, index: $0).status) }
            cache[account.index] = computed
            return computed
        }
        return statuses[index] == Self.statusCode(status)
    }

    private static func statusCode(_ status: String) -> UInt8 {
        switch status {
        case "active": 0
        case "inactive": 1
        case "pending": 2
        default: 3
        }
    }

    /// Users in `account` now, counting added ones (removed ones leave gaps).
    public func userCount(_ account: SandboxAccount) -> Int { edits.userCount(account) }

    /// User `index` of `account` as it is now: generated, then changed by the control API; `nil` if removed.
    public func user(_ account: SandboxAccount, index: Int) -> SandboxUser? {
        edits.user(account, index: index, world: world)
    }

    /// A user of `account` by id or email (any case), as Zoom's user paths take either.
    func user(_ account: SandboxAccount, reference: String) -> SandboxUser? {
        if let index = SandboxUser.index(fromID: reference), let found = user(account, index: index), found.id == reference { return found }
        guard reference.contains("@") else { return nil }
        return (0..<userCount(account)).lazy.compactMap { self.user(account, index: $0) }.first { $0.email.lowercased() == reference.lowercased() }
    }

    /// The groups of `account` as they are now.
    public func groups(_ account: SandboxAccount) -> [SandboxGroup] { edits.groups(account, world: world) }

    /// The ids of group `id`'s admins.
    public func groupAdmins(_ account: SandboxAccount, group id: String) -> [String] { edits.groupAdmins(account, group: id) }

    /// Makes users admins of a group, as an admin does in Zoom's web portal.
    public func addGroupAdmins(_ account: SandboxAccount, group id: String, users: [String]) {
        edits.addGroupAdmins(account, group: id, users: users)
    }

    /// The account's Marketplace apps.
    public func marketplaceApps(_ account: SandboxAccount) -> [SandboxMarketplace.App] { SandboxMarketplace.apps(seed: world.seed, account: account) }

    /// The account's roles as they are now (`PATCH /roles/{id}` changes them).
    public func roles(_ account: SandboxAccount) -> [SandboxRoleInfo] { edits.roles(account, world: world) }

    /// Ascending indices of the users who can be in `group`: those generated into it and every user the
    /// control API added or changed (the only ones whose groups can differ from the generated ones).
    func memberCandidates(_ account: SandboxAccount, of group: SandboxGroup) -> [Int] {
        let generatedGroups = SandboxDirectory.groupCount(account)
        let generated =
            group.index < generatedGroups - 1
            ? Array(stride(from: group.index, to: account.userCount, by: generatedGroups - 1)) : []
        let edited = edits.editedIndices(account)
        return edited.isEmpty ? generated : Array(Set(generated).union(edited)).sorted()
    }

    /// Requests per `/v2` path, for tests and benchmarks.
    public var requestCounts: [String: Int] { requests.withLockedValue { $0.paths } }

    /// Requests per rate-limit category (`Light`, `Medium`, `Heavy`, `Resource-intensive`).
    public var requestCountsByCategory: [String: Int] { requests.withLockedValue { $0.categories } }

    /// Requests other than GET answered so far, by path: what could have changed the account.
    public var writeCounts: [String: Int] { requests.withLockedValue { $0.writes } }

    func countRequest(_ path: String, category: SandboxRateCategory, isWrite: Bool) {
        requests.withLockedValue { counts in
            counts.paths[path, default: 0] += 1
            if isWrite { counts.writes[path, default: 0] += 1 }
            counts.categories[category.rawValue, default: 0] += 1
        }
    }

    /// Injected faults; the control API sets them, tests may too.
    public var faultPlan: SandboxFaultPlan {
        get { faults.plan }
        set { faults.plan = newValue }
    }

    /// Forgets cached counts after the data changed.
    func dataChanged() {
        counts.withLockedValue { $0.removeAll() }
        hostedCache.withLockedValue { $0.removeAll() }
    }

    /// The sandbox as a Hummingbird application.
    /// - Parameters:
    ///   - port: 0 picks a free port, reported through `onServerRunning`.
    public func buildApplication(
        host: String = "127.0.0.1",
        port: Int,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: buildRouter(),
            configuration: .init(address: .hostname(host, port: port), serverName: "zoom-sandbox"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// Every route of the sandbox: OAuth, REST, the data routes and (when configured) the control API.
    /// ``buildApplication(host:port:logger:onServerRunning:)`` serves it on a socket; tests may also hand
    /// requests to it in process.
    public func buildRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        SandboxOAuthRoutes(sandbox: self).register(on: router)
        SandboxRESTRoutes(sandbox: self).register(on: router)
        SandboxWriteRoutes(sandbox: self).register(on: router)
        SandboxAdminRoutes(sandbox: self).register(on: router)
        SandboxScheduledMeetings.Routes(sandbox: self).register(on: router)
        SandboxMarketplace.Routes(sandbox: self).register(on: router)
        SandboxDataRoutes(sandbox: self).register(on: router)
        SandboxSettingsRoutes(sandbox: self).register(on: router)
        SandboxPresence(sandbox: self).register(on: router)
        SandboxDashboardRoutes(sandbox: self).register(on: router)
        SandboxReportMeetings(sandbox: self).register(on: router)
        if configuration.controlAPI { SandboxControlRoutes(sandbox: self).register(on: router) }
        return router
    }

    /// A summary of the apps and accounts, for `tether sandbox` to print at start.
    public var credentialsSummary: String {
        var lines = ["Accounts:"]
        for account in world.accounts {
            lines.append("  \(account.name): id \(account.id), plan \(account.plan.rawValue), \(account.userCount) users")
        }
        lines.append("Apps (client id / client secret):")
        for app in world.apps {
            lines.append("  \(app.name): \(app.clientID) / \(app.clientSecret)")
        }
        return lines.joined(separator: "\n")
    }
}
