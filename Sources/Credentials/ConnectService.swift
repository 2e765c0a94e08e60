public import Connectors
public import Foundation
public import Logging
public import OAuth
public import Postgres
public import Sensitive
public import Store
public import Transport
import Vault

/// Where connect flows start and end.
public struct ConnectConfiguration: Sendable {
    /// Tether's external base URL (`TETHER_PUBLIC_URL`): redirect URIs are built from it, never from a
    /// request's Host header.
    public var publicURL: String
    /// Origins a connect session's `return_url` may point at (`TETHER_RETURN_URL_ORIGINS`).
    public var returnURLOrigins: [String]
    /// How long a connect link stays usable.
    public var sessionLifetime: TimeInterval = 3600
    /// How long an admin has at the provider; RFC 6749 §4.1.2 caps codes at 10 minutes, and so do we.
    public var flowLifetime: TimeInterval = 600

    public init(publicURL: String, returnURLOrigins: [String]) {
        self.publicURL = publicURL
        self.returnURLOrigins = returnURLOrigins
    }

    /// The exact redirect URI registered for `provider` (one per provider: a mix-up defense).
    public func redirectURI(provider: String) -> String { "\(publicURL)/oauth/callback/\(provider)" }

    /// Where a provider sends its event notifications (`/webhooks/{provider}`).
    public func webhookURL(provider: String) -> String { "\(publicURL)/webhooks/\(provider)" }

    /// Over https the cookie gets the `__Host-` prefix and `Secure`; over plain http (local use) neither.
    public var isSecure: Bool { publicURL.lowercased().hasPrefix("https://") }

    /// The cookie that binds a flow to the browser that started it (DESIGN §5).
    public var flowCookieName: String { isSecure ? "__Host-tether_flow" : "tether_flow" }

    /// The cookie that binds the connect form to the page that rendered it (its CSRF token's key).
    public var formCookieName: String { isSecure ? "__Host-tether_form" : "tether_form" }
}

/// Connects provider accounts to tenants: connect links, the authorization-code flow with PKCE (platform
/// and custom apps), server-to-server credentials, disconnects and provider deauthorizations.
/// Every secret it handles is sealed before it reaches the store.
public final class ConnectService: Sendable {
    public let configuration: ConnectConfiguration
    public let registry: ConnectorRegistry
    let tenants: Tenants
    let flows: ConnectFlows
    let connections: Connections
    let deliveries: WebhookDeliveries
    let runs: SyncRuns
    /// The vault that seals this service's secrets; the API seals webhook secrets with it too.
    public let vault: CredentialVault
    let http: any HTTPTransport
    let logger: Logger

    public init(
        pool: PGPool, vault: CredentialVault, registry: ConnectorRegistry, http: any HTTPTransport, configuration: ConnectConfiguration,
        logger: Logger
    ) {
        self.tenants = Tenants(pool: pool)
        self.flows = ConnectFlows(pool: pool)
        self.connections = Connections(pool: pool)
        self.deliveries = WebhookDeliveries(pool: pool)
        self.runs = SyncRuns(pool: pool)
        self.vault = vault
        self.registry = registry
        self.http = http
        self.configuration = configuration
        self.logger = logger
    }

    // MARK: - Connect sessions

    /// Creates a one-time connect link for a tenant.
    /// - Throws: ``ConnectError`` (400) for an unknown provider, a mode that is not available, or a return
    ///   URL outside the allowed origins.
    public func createSession(
        tenantID: UUID, provider: String, mode: String, returnURL: String?, requireOwner: Bool, actions: Bool = false
    ) async throws -> (session: ConnectSession, url: String) {
        guard registry.connector(provider) != nil else {
            throw ConnectError.invalid("provider must be one of: \(registry.providers.joined(separator: ", "))")
        }
        guard let parsedMode = ConnectionMode(rawValue: mode), parsedMode.isBrowserFlow else {
            throw ConnectError.invalid("mode must be platform or custom (server_to_server connects through POST .../connections)")
        }
        if parsedMode == .platform, registry.platformApp(provider) == nil {
            throw ConnectError.invalid("mode platform is off: no platform app is configured for \(provider); use mode custom")
        }
        let checkedReturnURL = try returnURL.map(validateReturnURL)
        let (session, token) = try await flows.createSession(
            tenantID: tenantID, provider: provider, mode: parsedMode, returnURL: checkedReturnURL, requireOwner: requireOwner, actions: actions,
            lifetime: configuration.sessionLifetime)
        return (session, "\(configuration.publicURL)/connect/\(token.unsafeValue)")
    }

    /// Accepts an absolute http(s) URL whose origin is allowed (DESIGN §5), and returns it unchanged.
    public func validateReturnURL(_ text: String) throws -> String {
        let refusal = ConnectError.invalid("return_url must be an absolute URL on an origin listed in TETHER_RETURN_URL_ORIGINS")
        guard text.utf8.count <= 2048, !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == " " }),
            let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = components.host, !host.isEmpty, components.user == nil, components.password == nil
        else { throw refusal }
        let origin = "\(scheme)://\(host.lowercased())\(components.port.map { ":\($0)" } ?? "")"
        guard configuration.returnURLOrigins.contains(origin) else { throw refusal }
        return text
    }

    /// What the connect page shows.
    public struct ConnectPage: Sendable {
        public let tenant: Tenant
        public let session: ConnectSession
        public let connector: any Connector
        /// The redirect URL a custom app must register.
        public let redirectURI: String
        /// Where a custom app's event notifications go (its client id is added as `?client_id=`).
        public let webhookURL: String
        /// False once the link was used or has expired.
        public let isUsable: Bool
    }

    /// The page behind a connect link, or `nil` when the link is unknown.
    public func page(token: String) async throws -> ConnectPage? {
        guard let session = try await flows.session(token: token), let connector = registry.connector(session.provider),
            let tenant = try await tenants.find(session.tenantID.uuidString)
        else { return nil }
        return ConnectPage(
            tenant: tenant, session: session, connector: connector, redirectURI: configuration.redirectURI(provider: session.provider),
            webhookURL: configuration.webhookURL(provider: session.provider), isUsable: session.usedAt == nil && session.expiresAt > Date())
    }

    // MARK: - Starting a flow

    /// How `POST /connect/{token}` answers.
    public enum FlowStart: Sendable {
        /// Send the browser to the provider, holding `browserToken` in the flow cookie.
        case started(authorizeURL: String, browserToken: Secret)
        /// The link was used or expired: send the browser to `location` (which says so).
        case ended(location: String)
    }

    /// Starts the authorization-code flow for a connect link: a 256-bit state (stored hashed), a browser
    /// binding token, a PKCE verifier (sealed), the exact redirect URI; the link is used up.
    /// - Parameters:
    ///   - customClient: the tenant's own app, required in custom mode and refused otherwise.
    ///   - webhookSecret: custom mode, optional: the app's webhook secret token, so that the provider's
    ///     events about that app (its removal) can be verified.
    /// - Throws: ``ConnectError``: 404 for an unknown link, 400 for missing or malformed app credentials.
    public func startFlow(token: String, customClient: ClientCredentials?, webhookSecret: Secret? = nil) async throws -> FlowStart {
        guard let page = try await page(token: token) else { throw ConnectError(404, "not_found", "this connect link does not exist") }
        guard page.isUsable else { return .ended(location: landing(returnURL: page.session.returnURL, outcome: .expired, connectionID: nil)) }
        let client: ClientCredentials
        if page.session.mode == .custom {
            guard let customClient else { throw ConnectError.invalid("client_id and client_secret are required") }
            try Self.validate(customClient)
            if let webhookSecret, !Self.isPrintable(webhookSecret.unsafeValue, maximum: 512) {
                throw ConnectError.invalid("webhook_secret_token must be 1 to 512 printable characters without spaces")
            }
            client = customClient
        } else {
            guard customClient == nil, webhookSecret == nil else {
                throw ConnectError.invalid("this link uses the platform app: client_id, client_secret and webhook_secret_token are not accepted")
            }
            guard let platform = registry.platformApp(page.session.provider) else {
                throw ConnectError(503, "platform_unavailable", "the platform app is no longer configured")
            }
            client = platform
        }
        let state = Secret(try SecureRandom.token(byteCount: 32))
        let browserToken = Secret(try SecureRandom.token(byteCount: 32))
        let verifier = try PKCE.makeVerifier()
        let redirectURI = page.redirectURI
        let server = page.connector.authorizationServer
        let tenantID = page.tenant.id
        let vault = vault
        let secret = page.session.mode == .custom ? client.clientSecret : nil
        let webhookSecret = page.session.mode == .custom ? webhookSecret : nil
        let flow = NewOAuthFlow(
            state: state, browserToken: browserToken, issuer: server.issuer, clientID: client.clientID, redirectURI: redirectURI,
            lifetime: configuration.flowLifetime,
            seal: { flowID in
                try vault.sealFlow(tenantID: tenantID, flowID: flowID, verifier: verifier, clientSecret: secret, webhookSecret: webhookSecret)
            })
        guard try await flows.startFlow(sessionToken: token, flow) != nil else {
            // Another request used the link between our read and our write.
            return .ended(location: landing(returnURL: page.session.returnURL, outcome: .expired, connectionID: nil))
        }
        let url = OAuthClient(server: server, http: http).authorizationURL(
            client: client, redirectURI: redirectURI, state: state, codeChallenge: PKCE.challenge(for: verifier))
        return .started(authorizeURL: url, browserToken: browserToken)
    }

    /// Client ids and secrets are printable ASCII without spaces, of sane length.
    static func validate(_ client: ClientCredentials) throws {
        guard isPrintable(client.clientID, maximum: 256) else {
            throw ConnectError.invalid("client_id must be 1 to 256 printable characters without spaces")
        }
        guard isPrintable(client.clientSecret.unsafeValue, maximum: 512) else {
            throw ConnectError.invalid("client_secret must be 1 to 512 printable characters without spaces")
        }
    }

    static func isPrintable(_ text: String, maximum: Int) -> Bool {
        !text.isEmpty && text.utf8.count <= maximum && text.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }

    // MARK: - Landing

    /// Where the browser goes when a flow ends: the session's return URL with `status` (and `error` or
    /// `connection_id`), or Tether's own result page.
    func landing(returnURL: String?, outcome: ConnectOutcome, connectionID: UUID?) -> String {
        var items = [URLQueryItem(name: "status", value: outcome == .connected ? "connected" : "error")]
        if outcome != .connected { items.append(URLQueryItem(name: "error", value: outcome.rawValue)) }
        if let connectionID { items.append(URLQueryItem(name: "connection_id", value: connectionID.uuidString.lowercased())) }
        var components =
            returnURL.flatMap { URLComponents(string: $0) }
            ?? URLComponents(string: "\(configuration.publicURL)/connect/result")!
        components.queryItems = (components.queryItems ?? []) + items
        return components.string!
    }
}
