public import Foundation
public import Postgres
public import Sensitive
import Vault

/// A one-time connect link, as stored.
public struct ConnectSession: Sendable, Hashable {
    public let tenantID: UUID
    public let id: UUID
    public let provider: String
    public let mode: ConnectionMode
    public let returnURL: String?
    public let requireOwner: Bool
    /// The link asks for the connector's actions as well as its reads.
    public let actions: Bool
    public let expiresAt: Date
    public let usedAt: Date?
}

/// What starting a flow stores: only hashes of the state and the browser cookie; sealed verifier and secret.
public struct NewOAuthFlow: Sendable {
    public var state: Secret
    public var browserToken: Secret
    public var issuer: String
    public var clientID: String
    public var redirectURI: String
    public var lifetime: TimeInterval
    /// Seals the PKCE verifier and (custom mode) the app's client secret and webhook secret token for the
    /// flow id it is given. The store never sees a key.
    public var seal: @Sendable (_ flowID: UUID) throws -> SealedFlowSecrets

    public init(
        state: Secret, browserToken: Secret, issuer: String, clientID: String, redirectURI: String, lifetime: TimeInterval,
        seal: @escaping @Sendable (_ flowID: UUID) throws -> SealedFlowSecrets
    ) {
        self.state = state
        self.browserToken = browserToken
        self.issuer = issuer
        self.clientID = clientID
        self.redirectURI = redirectURI
        self.lifetime = lifetime
        self.seal = seal
    }
}

/// A flow's sealed values, as the vault made them.
public struct SealedFlowSecrets: Sendable {
    public var verifier: Data
    /// Custom mode: the tenant's app's client secret.
    public var clientSecret: Data?
    /// Custom mode, when the admin gave it: the app's webhook secret token.
    public var webhookSecret: Data?
    public var keyID: String

    public init(verifier: Data, clientSecret: Data?, webhookSecret: Data?, keyID: String) {
        self.verifier = verifier
        self.clientSecret = clientSecret
        self.webhookSecret = webhookSecret
        self.keyID = keyID
    }
}

/// A flow as the callback reads it, after consuming it.
public struct OAuthFlow: Sendable {
    public let tenantID: UUID
    public let id: UUID
    public let browserHash: Data
    public let provider: String
    public let issuer: String
    public let mode: ConnectionMode
    public let clientID: String
    public let sealedClientSecret: Data?
    public let sealedWebhookSecret: Data?
    public let sealedVerifier: Data
    public let redirectURI: String
    public let returnURL: String?
    public let requireOwner: Bool
}

/// The outcome of presenting a state at the callback.
public enum FlowConsumption: Sendable {
    /// No flow has this state.
    case unknown
    /// The flow existed but its ten minutes are up.
    case expired(tenantID: UUID, returnURL: String?)
    /// The state was already used.
    case alreadyUsed
    /// The flow, now consumed: no second callback can use it.
    case consumed(OAuthFlow)
}

/// Connect sessions (links an SMP hands out) and OAuth flows (one browser round trip to the provider).
public struct ConnectFlows: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// Creates a connect session; returns it with its token, which only the link carries.
    public func createSession(
        tenantID: UUID, provider: String, mode: ConnectionMode, returnURL: String?, requireOwner: Bool, actions: Bool = false,
        lifetime: TimeInterval
    ) async throws -> (session: ConnectSession, token: Secret) {
        let token = try SecureRandom.token(byteCount: 32)
        let hash = secretHash(token)
        let session = try await pool.withTenant(tenantID) { connection in
            try connection.query(
                """
                INSERT INTO connect_sessions (tenant_id, token_hash, provider, mode, return_url, require_owner, actions, expires_at)
                VALUES (\(tenantID), \(hash), \(provider), \(mode), \(returnURL), \(requireOwner), \(actions),
                    now() + make_interval(secs => \(lifetime)))
                RETURNING \(unescaped: Self.sessionColumns)
                """)[0].decodeSession()
        }
        return (session, Secret(token))
    }

    /// The session a link token opens, used or not; `nil` when unknown.
    public func session(token: String) async throws -> ConnectSession? {
        guard token.utf8.count <= 128 else { return nil }
        return try await pool.withTransaction(.init(readOnly: true)) { connection in
            try connection.allowLookup(bySecret: token)
            return try connection.query(
                "SELECT \(unescaped: Self.sessionColumns) FROM connect_sessions WHERE token_hash = \(secretHash(token))"
            ).first?.decodeSession()
        }
    }

    /// Marks the session used and records a new flow, in one transaction. `nil` when the session is
    /// unknown, used or expired: a link starts one flow.
    public func startFlow(sessionToken: String, _ flow: NewOAuthFlow) async throws -> ConnectSession? {
        guard sessionToken.utf8.count <= 128 else { return nil }
        return try await pool.withTransaction { connection -> ConnectSession? in
            try connection.allowLookup(bySecret: sessionToken)
            guard
                let found = try connection.query(
                    "SELECT \(unescaped: Self.sessionColumns) FROM connect_sessions WHERE token_hash = \(secretHash(sessionToken))"
                ).first?.decodeSession()
            else { return nil }
            try connection.scope(to: found.tenantID)
            guard
                let session = try connection.query(
                    """
                    UPDATE connect_sessions SET used_at = now()
                    WHERE tenant_id = \(found.tenantID) AND id = \(found.id) AND used_at IS NULL AND expires_at > now()
                    RETURNING \(unescaped: Self.sessionColumns)
                    """
                ).first?.decodeSession()
            else { return nil }
            let flowID = UUID()
            let sealed = try flow.seal(flowID)
            try connection.execute(
                """
                INSERT INTO oauth_flows (tenant_id, id, connect_session_id, state_hash, browser_hash, provider, issuer, mode,
                    client_id, client_secret, webhook_secret, code_verifier, key_id, redirect_uri, return_url, require_owner, expires_at)
                VALUES (\(session.tenantID), \(flowID), \(session.id), \(secretHash(flow.state.unsafeValue)),
                    \(secretHash(flow.browserToken.unsafeValue)), \(session.provider), \(flow.issuer), \(session.mode), \(flow.clientID),
                    \(sealed.clientSecret), \(sealed.webhookSecret), \(sealed.verifier), \(sealed.keyID), \(flow.redirectURI), \(session.returnURL),
                    \(session.requireOwner), now() + make_interval(secs => \(min(flow.lifetime, 600))))
                """)
            return session
        }
    }

    /// Consumes the flow with `state` atomically (SECURITY.md O3): of any number of concurrent callbacks
    /// with the same state, exactly one gets ``FlowConsumption/consumed(_:)``.
    public func consume(state: String) async throws -> FlowConsumption {
        try await pool.withTransaction { connection -> FlowConsumption in
            try connection.allowLookup(bySecret: state)
            let hash = secretHash(state)
            guard
                let row = try connection.query(
                    "SELECT tenant_id, id, return_url, expires_at <= now(), consumed_at IS NOT NULL FROM oauth_flows WHERE state_hash = \(hash)"
                ).first
            else { return .unknown }
            let (tenantID, id, returnURL, expired, used) = try row.decode((UUID, UUID, String?, Bool, Bool).self)
            if used { return .alreadyUsed }
            if expired { return .expired(tenantID: tenantID, returnURL: returnURL) }
            try connection.scope(to: tenantID)
            guard
                let consumed = try connection.query(
                    """
                    UPDATE oauth_flows SET consumed_at = now()
                    WHERE tenant_id = \(tenantID) AND id = \(id) AND consumed_at IS NULL AND expires_at > now()
                    RETURNING tenant_id, id, browser_hash, provider, issuer, mode, client_id, client_secret, webhook_secret, code_verifier,
                        redirect_uri, return_url, require_owner
                    """
                ).first
            else { return .alreadyUsed }
            guard let verifier = try consumed.decode(Data?.self, column: "code_verifier") else { return .alreadyUsed }
            return .consumed(
                OAuthFlow(
                    tenantID: try consumed.decode(column: "tenant_id"), id: try consumed.decode(column: "id"),
                    browserHash: try consumed.decode(column: "browser_hash"), provider: try consumed.decode(column: "provider"),
                    issuer: try consumed.decode(column: "issuer"), mode: try consumed.decode(column: "mode"),
                    clientID: try consumed.decode(column: "client_id"), sealedClientSecret: try consumed.decode(column: "client_secret"),
                    sealedWebhookSecret: try consumed.decode(column: "webhook_secret"),
                    sealedVerifier: verifier, redirectURI: try consumed.decode(column: "redirect_uri"),
                    returnURL: try consumed.decode(column: "return_url"), requireOwner: try consumed.decode(column: "require_owner")))
        }
    }

    /// Records how a consumed flow ended (`connected` or an error code) and drops its sealed verifier and
    /// secret, which are of no further use.
    public func finish(tenantID: UUID, flowID: UUID, outcome: String, connectionID: UUID?) async throws {
        try await pool.withTenant(tenantID) { connection in
            try connection.execute(
                """
                UPDATE oauth_flows SET outcome = \(outcome), connection_id = \(connectionID), client_secret = NULL, webhook_secret = NULL,
                    code_verifier = NULL
                WHERE tenant_id = \(tenantID) AND id = \(flowID)
                """)
        }
    }

    static let sessionColumns = "tenant_id, id, provider, mode, return_url, require_owner, actions, expires_at, used_at"
}

extension PGRow {
    func decodeSession() throws -> ConnectSession {
        ConnectSession(
            tenantID: try decode(column: "tenant_id"), id: try decode(column: "id"), provider: try decode(column: "provider"),
            mode: try decode(column: "mode"), returnURL: try decode(column: "return_url"), requireOwner: try decode(column: "require_owner"),
            actions: try decode(column: "actions"), expiresAt: try decode(column: "expires_at"), usedAt: try decode(column: "used_at"))
    }
}
