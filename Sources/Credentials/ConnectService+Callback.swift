import Connectors
import Foundation
import Logging
import OAuth
import Sensitive
import Store
import Vault

extension ConnectService {
    /// How the callback answers the browser.
    public enum CallbackResult: Sendable, Hashable {
        /// 303 to `location` (the return URL or Tether's result page).
        case redirect(location: String, outcome: ConnectOutcome)
        /// 400: the request cannot be tied to a flow this browser started. Nothing was written and the
        /// provider was not called.
        case rejected(ConnectOutcome, message: String)
    }

    /// Finishes a flow at `GET /oauth/callback/{provider}` (SECURITY.md O1–O13, B2, B3).
    ///
    /// The state is consumed atomically before anything else, so of concurrent callbacks with one state
    /// exactly one reaches the provider. Tenant, client and verifier come only from the flow row. A denied
    /// or failed flow stores no token and leaves no new connection.
    /// - Parameters:
    ///   - rawQuery: the query string as received (percent-encoded).
    ///   - browserToken: the flow cookie's value, if the browser sent one.
    public func completeFlow(provider: String, rawQuery: String, browserToken: String?) async throws -> CallbackResult {
        let query: CallbackQuery
        do {
            query = try CallbackQuery.parse(rawQuery)
        } catch let error as ConnectError {
            return .rejected(.invalidState, message: error.message)
        }
        guard query.hasWellFormedState, let state = query.state else {
            return .rejected(.invalidState, message: "state is missing or malformed")
        }
        let flow: OAuthFlow
        switch try await flows.consume(state: state) {
        case .unknown, .alreadyUsed:
            return .rejected(.invalidState, message: "this state is unknown or was already used")
        case .expired:
            return .rejected(.expired, message: "this sign-in took longer than allowed; start again from the connect link")
        case .consumed(let consumed):
            flow = consumed
        }
        // From here on the state is burned: whatever happens, it cannot be presented again.
        func end(_ outcome: ConnectOutcome, connectionID: UUID? = nil) async throws -> CallbackResult {
            try await flows.finish(tenantID: flow.tenantID, flowID: flow.id, outcome: outcome.rawValue, connectionID: connectionID)
            return .redirect(location: landing(returnURL: flow.returnURL, outcome: outcome, connectionID: connectionID), outcome: outcome)
        }
        func refuse(_ message: String) async throws -> CallbackResult {
            try await flows.finish(tenantID: flow.tenantID, flowID: flow.id, outcome: ConnectOutcome.invalidState.rawValue, connectionID: nil)
            return .rejected(.invalidState, message: message)
        }
        guard let browserToken, browserToken.utf8.count <= 128,
            ConstantTime.equals(SHA256Digest.hash(Array(browserToken.utf8)), Array(flow.browserHash))
        else { return try await refuse("this sign-in was started in another browser (the flow cookie is missing or different)") }
        guard flow.provider == provider, let connector = registry.connector(provider) else {
            return try await refuse("this state belongs to another provider")
        }
        if let issuer = query.issuer, issuer != flow.issuer {
            return try await refuse("the response names another authorization server (iss)")
        }
        if let error = query.error {
            logger.info("provider declined the authorization", metadata: ["tenant": "\(flow.tenantID)", "flow": "\(flow.id)"])
            return try await end(error == "unauthorized_client" || error == "invalid_client" ? .invalidClient : .accessDenied)
        }
        guard let code = query.code else { return try await refuse("code is missing") }

        let client: ClientCredentials
        if flow.mode == .custom {
            guard let sealed = flow.sealedClientSecret else { return try await end(.invalidClient) }
            client = ClientCredentials(
                clientID: flow.clientID,
                clientSecret: try vault.openFlow(sealed, column: "client_secret", tenantID: flow.tenantID, flowID: flow.id))
        } else {
            guard let platform = registry.platformApp(provider), platform.clientID == flow.clientID else { return try await end(.invalidClient) }
            client = platform
        }
        let verifier = try vault.openFlow(flow.sealedVerifier, column: "code_verifier", tenantID: flow.tenantID, flowID: flow.id)
        let oauth = OAuthClient(server: connector.authorizationServer, http: http)
        let issuedAt = Date()
        let tokens: TokenSet
        do {
            tokens = try await oauth.exchangeCode(Secret(code), redirectURI: flow.redirectURI, verifier: verifier, client: client)
        } catch let error as OAuthError {
            logger.warning("code exchange failed", metadata: ["tenant": "\(flow.tenantID)", "flow": "\(flow.id)", "error": "\(error)"])
            return try await end(error.code == .invalidClient ? .invalidClient : .tokenExchangeFailed)
        }
        let identity: ConnectedIdentity
        do {
            identity = try await connector.identify(accessToken: tokens.accessToken)
        } catch {
            logger.warning("identity call failed", metadata: ["tenant": "\(flow.tenantID)", "flow": "\(flow.id)", "error": "\(error)"])
            await revokeQuietly(tokens, oauth: oauth, client: client)
            return try await end(.identityFailed)
        }
        if flow.requireOwner, !identity.isOwner {
            logger.info("non-owner refused", metadata: ["tenant": "\(flow.tenantID)", "flow": "\(flow.id)"])
            await revokeQuietly(tokens, oauth: oauth, client: client)
            return try await end(.ownerRequired)
        }
        let account = authorizedAccount(
            connector: connector, mode: flow.mode, clientID: client.clientID, identity: identity, grantedScopes: tokens.scopes,
            rateLimitPlan: await connector.rateLimitPlan(accessToken: tokens.accessToken))
        let vault = vault
        let tenantID = flow.tenantID
        let secret = flow.mode == .custom ? client.clientSecret : nil
        let webhookSecret = try flow.sealedWebhookSecret.map {
            try vault.openFlow($0, column: "webhook_secret", tenantID: flow.tenantID, flowID: flow.id)
        }
        let (connection, _) = try await connections.saveAuthorized(
            tenantID: tenantID, account, defaultRateLimitPlan: connector.defaultRateLimitPlan
        ) { connectionID in
            try vault.seal(
                tenantID: tenantID, connectionID: connectionID, accessToken: tokens.accessToken,
                expiresAt: tokens.expiresAt(issuedAt: issuedAt), refreshToken: tokens.refreshToken, clientSecret: secret,
                webhookSecret: webhookSecret)
        }
        logger.info("connection authorized", metadata: ["tenant": "\(tenantID)", "connection": "\(connection.id)", "mode": "\(flow.mode)"])
        await queueFirstSync(connection)
        return try await end(.connected, connectionID: connection.id)
    }

    /// A new or reconnected account gets a full sync at once. Best effort: the scheduler queues one
    /// anyway, so a failure here only delays the first data.
    func queueFirstSync(_ connection: Store.Connection) async {
        do {
            _ = try await runs.enqueue(
                tenantID: connection.tenantID, connectionID: connection.id, streams: connection.streams.map(\.name), trigger: .connect)
        } catch {
            logger.warning("could not queue the first sync", metadata: ["connection": "\(connection.id)", "error": "\(error)"])
        }
    }

    /// The record to store for an authorized account, with each stream marked permitted or missing.
    func authorizedAccount(
        connector: any Connector, mode: ConnectionMode, clientID: String, identity: ConnectedIdentity, grantedScopes: [String],
        rateLimitPlan: String?, name: String? = nil
    ) -> AuthorizedAccount {
        let granted = Set(grantedScopes)
        let streams = connector.streams.map { stream in
            StreamState(name: stream.name, permitted: stream.isPermitted(granted: granted), missingScopes: stream.missingScopes(granted: granted))
        }
        return AuthorizedAccount(
            provider: connector.provider, mode: mode, externalAccountID: identity.accountID, clientID: clientID,
            authorizedByEmail: identity.email, authorizedByRemoteUserID: identity.userID, authorizedByRole: identity.role,
            grantedScopes: grantedScopes, streams: streams, name: name, detectedRateLimitPlan: rateLimitPlan)
    }

    /// Revokes tokens that will not be kept; a failure only means they expire on their own.
    func revokeQuietly(_ tokens: TokenSet, oauth: OAuthClient, client: ClientCredentials) async {
        do {
            try await oauth.revoke(tokens.refreshToken ?? tokens.accessToken, client: client)
        } catch {
            logger.warning("revoking unused tokens failed", metadata: ["error": "\(error)"])
        }
    }
}
