public import Connectors
public import Foundation
public import OAuth
public import Sensitive
public import Transport

/// Tether's Zoom connector: Zoom's OAuth endpoints, its identity call, its scopes and its webhook
/// signatures (`zoom-api.md`). Nothing outside this module knows Zoom's URLs or field names.
public struct ZoomConnector: Connector {
    /// Where Zoom (or the sandbox) lives.
    public struct Configuration: Sendable {
        /// The OAuth host, `https://zoom.us` (`ZOOM_OAUTH_BASE_URL`).
        public var oauthBaseURL: String
        /// The REST base, `https://api.zoom.us/v2` (`ZOOM_API_BASE_URL`).
        public var apiBaseURL: String
        /// Bound on each API call.
        public var timeout: Duration = .seconds(30)

        public init(oauthBaseURL: String = "https://zoom.us", apiBaseURL: String = "https://api.zoom.us/v2") {
            self.oauthBaseURL = oauthBaseURL
            self.apiBaseURL = apiBaseURL
        }
    }

    public let configuration: Configuration
    let http: any HTTPTransport

    public init(configuration: Configuration, http: any HTTPTransport) {
        self.configuration = configuration
        self.http = http
    }

    /// The name Tether knows Zoom by: in URLs, configuration and stored connections.
    public static let providerName = "zoom"

    public var provider: String { Self.providerName }
    public var displayName: String { "Zoom" }
    public var streams: [StreamDescription] { ZoomCatalog.streams }
    public var scopeCatalog: ScopeCatalog { ZoomCatalog.scopes }
    public var requestedScopes: [String] { ZoomCatalog.requestedScopes }

    /// Zoom does not publish OAuth server metadata; its OAuth host serves as the issuer identifier.
    public var authorizationServer: AuthorizationServer {
        let base = configuration.oauthBaseURL
        return AuthorizationServer(
            issuer: base, authorizeURL: base + "/oauth/authorize", tokenURL: base + "/oauth/token", revokeURL: base + "/oauth/revoke")
    }

    /// Zoom's server-to-server grant: `grant_type=account_credentials&account_id=…` (`zoom-api.md` §2).
    public func serverToServerGrant(accountID: String) -> [(String, String)] {
        [("grant_type", "account_credentials"), ("account_id", accountID)]
    }

    /// `GET /users/me`: the account id, and the authorizing user's id, email and role. Zoom's built-in
    /// owner role has id "0" (`zoom-api.md` §3).
    public func identify(accessToken: Secret) async throws -> ConnectedIdentity {
        let response: HTTPClientResponse
        do {
            response = try await http.execute(
                HTTPClientRequest(
                    url: configuration.apiBaseURL + "/users/me",
                    headers: [HTTPHeader("Authorization", "Bearer \(accessToken.unsafeValue)"), HTTPHeader("Accept", "application/json")],
                    timeout: configuration.timeout, maximumResponseBytes: 1024 * 1024))
        } catch let error as HTTPTransportError {
            throw ConnectorError(.unavailable, "Zoom could not be reached (\(error.code))")
        }
        try ZoomResponse.check(response)
        guard let me = try? JSONDecoder().decode(Me.self, from: Data(response.body)) else {
            throw ConnectorError(.invalidResponse, "Zoom's /users/me answer lacks id, account_id or email")
        }
        guard !me.id.isEmpty, !me.account_id.isEmpty, !me.email.isEmpty else {
            throw ConnectorError(.invalidResponse, "Zoom's /users/me answer has an empty id, account_id or email")
        }
        let roleName = me.role_name ?? ""
        return ConnectedIdentity(
            accountID: me.account_id, userID: me.id, email: me.email, role: roleName.isEmpty ? "Member" : roleName,
            isOwner: me.role_id == ZoomCatalog.ownerRole.id)
    }

    /// Reads the account's plan usage (`/accounts/me/plans/usage`, readable by every account with
    /// `account:read:admin` or a plan-usage scope): no base plan, or a base plan of type `free`, is Free.
    /// Zoom's plan information does not name a paid account's tier; its answers carry the account's
    /// `X-RateLimit-Limit` for the call's category (Heavy here: 10 on Pro, 40 on Business and above), so
    /// the tier is the plan whose Heavy limit that is. Without the header the tier is unknown: `nil`, so the
    /// connection keeps the default plan's limits (Pro's, the safe ones) and no feature is ruled out by plan.
    public func rateLimitPlan(accessToken: Secret) async -> String? {
        guard
            let response = try? await http.execute(
                HTTPClientRequest(
                    url: configuration.apiBaseURL + "/accounts/me/plans/usage",
                    headers: [HTTPHeader("Authorization", "Bearer \(accessToken.unsafeValue)"), HTTPHeader("Accept", "application/json")],
                    timeout: configuration.timeout, maximumResponseBytes: 1024 * 1024)),
            response.status == 200, let usage = try? JSONDecoder().decode(PlanUsage.self, from: Data(response.body))
        else { return nil }
        guard let base = usage.plan_base, base.type?.lowercased() != "free" else { return "free" }
        let heavy = response.header("x-ratelimit-limit").flatMap(Double.init)
        return ZoomRateLimits.plans.first { $0 != "free" && ZoomRateLimits.limit(bucket: "Heavy", plan: $0).perSecond == heavy }
    }

    private struct PlanUsage: Decodable {
        struct Base: Decodable { var type: String? }
        var plan_base: Base?
    }

    private struct Me: Decodable {
        var id: String
        var account_id: String
        var email: String
        var role_name: String?
        var role_id: String?
    }

    public var apiBaseURL: String { configuration.apiBaseURL }
    public var rateLimitPlans: [String] { ZoomRateLimits.plans }
    /// Pro: most paying accounts, and the limits Zoom applies to any plan it does not name.
    public var defaultRateLimitPlan: String { "pro" }
    public var accountRoles: [AccountRole] { [ZoomCatalog.ownerRole, ZoomCatalog.adminRole] }
    /// Zoom reports the seats of the account's base plan as `plan_base` in plan usage, which the connector
    /// stores as the plan `base` (``ZoomRecords/plans(_:_:)`` drops the `plan_` prefix).
    public var seatPlans: [String] { ["base"] }

    public func rateLimit(bucket: String, plan: String) -> RateLimit { ZoomRateLimits.limit(bucket: bucket, plan: plan) }

    public func readPage(stream: String, cursor: String?, window: DateWindow?, api: any ProviderAPI) async throws -> StreamPage {
        try await ZoomStreams(api: api).read(stream, cursor: cursor, window: window)
    }

    public func failure(status: Int, body: [UInt8]) -> ConnectorError { ZoomResponse.failure(status: status, body: body) }

    public var actions: [ActionDescription] { ZoomActions.catalogue }

    public func planAction(_ action: ActionDescription, input: ActionInput, api: any ProviderAPI) async throws -> ActionPlan {
        try await ZoomActions.plan(action, input: input, api: api)
    }

    public func isActionEffective(_ action: ActionDescription, plan: ActionPlan, api: any ProviderAPI) async throws -> Bool? {
        try await ZoomActions.isEffective(action, plan: plan, api: api)
    }

    public func actionOutcome(_ action: ActionDescription, plan: ActionPlan, responses: [[UInt8]], api: any ProviderAPI) async throws -> ActionOutcome
    {
        try await ZoomActions.outcome(action, plan: plan, responses: responses, api: api)
    }

    public func verifyWebhook(_ delivery: WebhookDelivery, secret: Secret, now: Date) throws -> VerifiedWebhook {
        try ZoomWebhook.verify(delivery, secret: secret, now: now)
    }

    public func claimedApp(of delivery: WebhookDelivery) -> String? {
        ZoomWebhook.claimedApp(of: delivery)
    }
}
