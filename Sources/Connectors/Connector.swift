public import Foundation
public import OAuth
public import Sensitive

/// Who authorized a connection, as the provider reports it right after the token exchange.
public struct ConnectedIdentity: Sendable, Hashable {
    /// The provider's id of the account (Zoom's `account_id`): a tenant has one connection per account.
    public var accountID: String
    /// The provider's id of the authorizing user.
    public var userID: String
    public var email: String
    /// The user's role as the provider names it (a built-in or a custom role).
    public var role: String
    /// True when the user owns the account (Zluri-style connections require it).
    public var isOwner: Bool

    public init(accountID: String, userID: String, email: String, role: String, isOwner: Bool) {
        self.accountID = accountID
        self.userID = userID
        self.email = email
        self.role = role
        self.isOwner = isOwner
    }
}

/// A built-in role of a provider account that owns or administers it.
public struct AccountRole: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case owner
        case admin
    }

    /// The provider's id of the role, as users carry it in `role_id`.
    public let id: String
    public let kind: Kind
    /// The role's name, for when the account's role list does not name it.
    public let name: String

    public init(id: String, kind: Kind, name: String) {
        self.id = id
        self.kind = kind
        self.name = name
    }
}

/// A webhook delivery as received: the raw body bytes (signatures cover them, never re-serialized JSON).
public struct WebhookDelivery: Sendable {
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(headers: [(name: String, value: String)], body: [UInt8]) {
        self.headers = headers
        self.body = body
    }

    /// Every value of the header `name` (case-insensitive).
    public func values(of name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }
}

/// What a verified webhook asks Tether to do.
public enum WebhookEvent: Sendable, Hashable {
    /// Answer the provider's endpoint check with this JSON body.
    case challenge(response: [UInt8])
    /// The provider's app was removed from an account: revoke every connection to that account made with
    /// that client, delete its credentials and purge its data.
    case deauthorized(accountID: String, clientID: String)
    /// Records the provider pushed for an account (a live alert), stored for each of the account's
    /// connections as a sync would store them; `deletions` clear what the event resolves.
    case records(accountID: String, upserts: [RecordUpsert], deletions: [RecordDeletion])
    /// A verified event Tether does not act on.
    case ignored(event: String)
}

/// A record to store in `table`, as a sync would.
public struct RecordUpsert: Sendable, Hashable {
    public let table: RecordTable
    public let record: SyncedRecord

    public init(_ table: RecordTable, _ record: SyncedRecord) {
        self.table = table
        self.record = record
    }
}

/// A delivery whose signature checked out.
public struct VerifiedWebhook: Sendable, Hashable {
    public let event: WebhookEvent
    /// Identifies the delivery, so an exact replay (same timestamp, same body) is acted on once.
    public let replayKey: String

    public init(event: WebhookEvent, replayKey: String) {
        self.event = event
        self.replayKey = replayKey
    }
}

/// Why a webhook delivery was refused.
public struct WebhookRejection: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A SaaS provider Tether connects to. Everything provider-specific (URLs, field names, scopes, signature
/// schemes) lives behind this protocol, so the server, the vault and the workers stay provider-neutral.
public protocol Connector: Sendable {
    /// The provider's name in paths and JSON (`zoom`).
    var provider: String { get }
    /// The provider's name for people (`Zoom`).
    var displayName: String { get }
    /// The provider's OAuth authorization server.
    var authorizationServer: AuthorizationServer { get }
    /// Every stream the connector can sync.
    var streams: [StreamDescription] { get }
    /// Explanations of the scopes the streams need.
    var scopeCatalog: ScopeCatalog { get }
    /// The scopes an app for Tether should be granted.
    var requestedScopes: [String] { get }

    /// The token-endpoint fields that mint a server-to-server token for `accountID`.
    func serverToServerGrant(accountID: String) -> [(String, String)]

    /// Reads who authorized `accessToken`.
    /// - Throws: ``ConnectorError``.
    func identify(accessToken: Secret) async throws -> ConnectedIdentity

    /// The account's rate-limit plan (one of ``rateLimitPlans``) as its plan information shows it, or nil
    /// when that cannot be read (a missing scope, an outage): the connection then keeps the plan it has.
    func rateLimitPlan(accessToken: Secret) async -> String?

    /// Verifies a webhook delivery signed with `secret` and says what it asks for.
    /// - Throws: ``WebhookRejection`` when the signature, the timestamp or the body is not acceptable.
    func verifyWebhook(_ delivery: WebhookDelivery, secret: Secret, now: Date) throws -> VerifiedWebhook

    /// The app (client id) an unverified delivery says it concerns, or nil. Only picks which custom app's
    /// secret to try: nothing in the delivery is trusted until one verifies it.
    func claimedApp(of delivery: WebhookDelivery) -> String?

    // MARK: Syncing

    /// The REST API's base URL; ``APIRequest/path`` is appended to it.
    var apiBaseURL: String { get }

    /// Plans a connection may declare for its rate limits.
    var rateLimitPlans: [String] { get }
    /// The plan a new connection's syncs keep to until someone sets another (one of ``rateLimitPlans``).
    var defaultRateLimitPlan: String { get }
    /// The provider's built-in roles that own or administer an account. Migrations carry them into
    /// `provider_account_roles` for the SQL views, and a test holds the two to each other.
    var accountRoles: [AccountRole] { get }
    /// The plans whose usage rows count the seats an account bought (`provider_seat_plans`, for the
    /// `seat_usage` view).
    var seatPlans: [String] { get }

    /// How fast `bucket` may be called on an account with `plan`.
    func rateLimit(bucket: String, plan: String) -> RateLimit

    /// Reads one page of `stream` starting at `cursor` (`nil`: the beginning of the stream or of `window`).
    /// `window` is set for windowed streams only.
    /// - Throws: ``ConnectorError``; `.expiredCursor` when `cursor` is no longer accepted (the engine then
    ///   starts the stream again), `.invalidResponse` when a page breaks the API's contract.
    func readPage(stream: String, cursor: String?, window: DateWindow?, api: any ProviderAPI) async throws -> StreamPage

    /// Explains an unsuccessful API answer.
    func failure(status: Int, body: [UInt8]) -> ConnectorError

    // MARK: Acting

    /// Every action the connector can carry out on a connected account (DESIGN §6.1).
    var actions: [ActionDescription] { get }

    /// Works out what `action` will send for `input`: finds its targets (reading through `api`), refuses
    /// protected ones, and returns the requests. Sends nothing that changes the account.
    /// - Throws: ``ActionRefusal`` (nothing will be sent) or ``ConnectorError``.
    func planAction(_ action: ActionDescription, input: ActionInput, api: any ProviderAPI) async throws -> ActionPlan

    /// Whether `plan`'s effect is already in place at the provider, read through `api`: a worker taking over
    /// an action whose request may have been sent re-sends it only when it is not. `nil` when the effect
    /// cannot be read back (a password): the request is then sent again only if the action is idempotent.
    func isActionEffective(_ action: ActionDescription, plan: ActionPlan, api: any ProviderAPI) async throws -> Bool?

    /// After `plan`'s requests succeeded (`responses` are their bodies, in order; empty when a taker-over
    /// found the effect in place): the result to record, and the synced records the action changed, re-read
    /// through `api`.
    func actionOutcome(_ action: ActionDescription, plan: ActionPlan, responses: [[UInt8]], api: any ProviderAPI) async throws -> ActionOutcome
}

/// A call to a provider's API failed. The reason is safe to log and show.
public struct ConnectorError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The token was refused (401).
        case unauthorized
        /// The token lacks a scope the call needs.
        case missingScope = "missing_scope"
        /// Too many requests (429); retry after `retryAfter`.
        case rateLimited = "rate_limited"
        /// A 5xx, a timeout or a dropped connection.
        case unavailable
        /// The response broke the API's contract.
        case invalidResponse = "invalid_response"
        /// The account's plan or subscriptions lack the feature.
        case notAvailable = "not_available"
        /// The item asked for no longer exists (deleted between two calls).
        case notFound = "not_found"
        /// A paging cursor expired or no longer matches; start the listing again.
        case expiredCursor = "expired_cursor"
        /// The provider's paging broke its own contract (it handed back a page token already followed), so
        /// the listing would never end; trying the same listing again would not help.
        case providerError = "provider_error"
        /// Any other refusal.
        case rejected
    }

    public let kind: Kind
    public let reason: String
    /// Seconds to wait, when the provider said.
    public var retryAfter: Int?

    public init(_ kind: Kind, _ reason: String, retryAfter: Int? = nil) {
        self.kind = kind
        self.reason = reason
        self.retryAfter = retryAfter
    }

    public var description: String { "\(kind.rawValue): \(reason)" }
}

extension Connector {
    /// The stream with `name`.
    public func stream(named name: String) -> StreamDescription? { streams.first { $0.name == name } }
    /// The action with `name`.
    public func action(named name: String) -> ActionDescription? { actions.first { $0.name == name } }
}
