public import Connectors
public import Foundation
import Logging
public import OAuth
public import Sensitive
public import Store

extension ConnectService {
    /// Connects an account with server-to-server credentials: a token is minted and the account read with
    /// it before anything is stored, so wrong credentials store nothing.
    /// - Returns: the connection and whether it was created (a reconnect of the same account reuses it).
    /// - Throws: ``ConnectError``: 400 for malformed or refused credentials, 502 when the provider cannot
    ///   be reached.
    public func connectServerToServer(
        tenantID: UUID, provider: String, accountID: String, client: ClientCredentials, name: String?
    ) async throws -> (connection: Store.Connection, created: Bool) {
        guard let connector = registry.connector(provider) else {
            throw ConnectError.invalid("provider must be one of: \(registry.providers.joined(separator: ", "))")
        }
        guard !accountID.isEmpty, accountID.utf8.count <= 128, accountID.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw ConnectError.invalid("account_id must be 1 to 128 printable characters without spaces")
        }
        try Self.validate(client)
        if let name, name.count > 200 { throw ConnectError.invalid("name must be at most 200 characters") }
        let oauth = OAuthClient(server: connector.authorizationServer, http: http)
        let issuedAt = Date()
        let tokens: TokenSet
        do {
            tokens = try await oauth.clientCredentials(connector.serverToServerGrant(accountID: accountID), client: client)
        } catch let error as OAuthError {
            switch error.code {
            case .invalidClient: throw ConnectError(400, "invalid_client", "\(connector.displayName) rejected the client ID or secret")
            case .unreachable: throw ConnectError(502, "provider_unavailable", "\(connector.displayName) could not be reached; try again")
            default: throw ConnectError(400, "invalid_credentials", "\(connector.displayName) issued no token for this account (\(error.code))")
            }
        }
        let identity: ConnectedIdentity
        do {
            identity = try await connector.identify(accessToken: tokens.accessToken)
        } catch let error as ConnectorError {
            throw ConnectError(
                error.kind == .unavailable ? 502 : 400, "identity_failed",
                "\(connector.displayName) did not say which account the credentials belong to (\(error.kind.rawValue))")
        }
        guard identity.accountID == accountID else {
            throw ConnectError.invalid("the credentials belong to another account than account_id")
        }
        let account = authorizedAccount(
            connector: connector, mode: .serverToServer, clientID: client.clientID, identity: identity, grantedScopes: tokens.scopes,
            rateLimitPlan: await connector.rateLimitPlan(accessToken: tokens.accessToken), name: name)
        let vault = vault
        let result = try await connections.saveAuthorized(
            tenantID: tenantID, account, defaultRateLimitPlan: connector.defaultRateLimitPlan
        ) { connectionID in
            try vault.seal(
                tenantID: tenantID, connectionID: connectionID, accessToken: tokens.accessToken,
                expiresAt: tokens.expiresAt(issuedAt: issuedAt), refreshToken: nil, clientSecret: client.clientSecret)
        }
        logger.info(
            "connection authorized",
            metadata: ["tenant": "\(tenantID)", "connection": "\(result.connection.id)", "mode": "\(ConnectionMode.serverToServer)"])
        await queueFirstSync(result.connection)
        return result
    }

    /// Disconnects: revokes the tokens at the provider (best effort: a provider that is down must not keep
    /// a tenant from disconnecting), deletes the credentials, and with `purge` deletes the connection and
    /// every row synced through it.
    /// - Returns: false when the tenant has no such connection.
    public func disconnect(tenantID: UUID, connectionID: UUID, purge: Bool) async throws -> Bool {
        guard let connection = try await connections.find(tenantID: tenantID, id: connectionID) else { return false }
        if let connector = registry.connector(connection.provider), connection.mode != .serverToServer,
            let sealed = try await connections.credentials(tenantID: tenantID, connectionID: connectionID)
        {
            await revokeAtProvider(connection, sealed, connector: connector)
        }
        return try await connections.revoke(tenantID: tenantID, id: connectionID, reason: "disconnected through the API", purge: purge)
    }

    private func revokeAtProvider(_ connection: Store.Connection, _ sealed: SealedCredentials, connector: any Connector) async {
        do {
            let secret = try vault.open(sealed.clientSecret, column: "client_secret", tenantID: connection.tenantID, connectionID: connection.id)
            guard
                let clientSecret = secret
                    ?? registry.platformApp(connection.provider).flatMap({ $0.clientID == connection.clientID ? $0.clientSecret : nil }),
                let token = try vault.open(
                    sealed.refreshToken ?? sealed.accessToken, column: sealed.refreshToken == nil ? "access_token" : "refresh_token",
                    tenantID: connection.tenantID, connectionID: connection.id)
            else { return }
            try await OAuthClient(server: connector.authorizationServer, http: http)
                .revoke(token, client: ClientCredentials(clientID: connection.clientID, clientSecret: clientSecret))
        } catch {
            logger.warning(
                "revoking at the provider failed; deleting the credentials anyway",
                metadata: ["tenant": "\(connection.tenantID)", "connection": "\(connection.id)", "error": "\(error)"])
        }
    }

    // MARK: - Webhooks

    /// How a webhook delivery is answered.
    public enum WebhookResult: Sendable, Hashable {
        /// 200 with this JSON body (a URL-validation challenge) or none.
        case accepted(body: [UInt8]?)
        /// 401: the signature, timestamp or body was refused; nothing was done.
        case rejected(reason: String)
        /// 503: no secret is configured, so nothing can be verified.
        case notConfigured
        /// 404: no such provider.
        case unknownProvider
    }

    /// Verifies and acts on a provider webhook. A deauthorization revokes every connection made to that
    /// account with that app (server-to-server connections are not affected), deletes their credentials
    /// and purges the data synced through them, as the provider requires. An exact replay is acted on once.
    ///
    /// The platform app's events verify with `secret`; a custom app signs with its own secret token, which
    /// its connections keep when the admin gave it: the app is the one `appHint` names (a URL-validation
    /// challenge names none) or the delivery claims.
    public func handleWebhook(
        provider: String, delivery: WebhookDelivery, secret: Secret?, appHint: String? = nil, now: Date = Date()
    ) async throws -> WebhookResult {
        guard let connector = registry.connector(provider) else { return .unknownProvider }
        let app = appHint ?? connector.claimedApp(of: delivery)
        var customSecrets: [Connections.CustomAppSecret] = []
        if let app { customSecrets = try await connections.customAppWebhookSecrets(provider: provider, clientID: app) }
        guard secret != nil || !customSecrets.isEmpty else { return .notConfigured }
        let verified: VerifiedWebhook
        switch verify(delivery, connector: connector, platformSecret: secret, app: app, customSecrets: customSecrets, now: now) {
        case .success(let event):
            verified = event
        case .failure(let rejection):
            logger.warning("webhook refused", metadata: ["provider": "\(provider)", "reason": "\(rejection.reason)"])
            return .rejected(reason: rejection.reason)
        }
        switch verified.event {
        case .challenge(let response):
            return .accepted(body: response)
        case .ignored(let event):
            logger.debug("webhook ignored", metadata: ["provider": "\(provider)", "event": "\(event)"])
            return .accepted(body: nil)
        case .deauthorized(let accountID, let clientID):
            guard try await deliveries.recordFirst(provider: provider, replayKey: verified.replayKey, event: "deauthorized") else {
                logger.info("webhook replay ignored", metadata: ["provider": "\(provider)"])
                return .accepted(body: nil)
            }
            do {
                try await deauthorize(provider: provider, accountID: accountID, clientID: clientID)
            } catch {
                // Let the provider's retry do the work again.
                try? await deliveries.forget(provider: provider, replayKey: verified.replayKey)
                throw error
            }
            return .accepted(body: nil)
        case .records(let accountID, let upserts, let deletions):
            guard try await deliveries.recordFirst(provider: provider, replayKey: verified.replayKey, event: "records") else {
                logger.info("webhook replay ignored", metadata: ["provider": "\(provider)"])
                return .accepted(body: nil)
            }
            do {
                for connection in try await connections.findByExternalAccount(provider: provider, externalAccountID: accountID)
                where connection.status != .revoked {
                    try await connections.storePushedRecords(
                        tenantID: connection.tenantID, connectionID: connection.id, upserts: upserts, deletions: deletions)
                }
            } catch {
                try? await deliveries.forget(provider: provider, replayKey: verified.replayKey)
                throw error
            }
            return .accepted(body: nil)
        }
    }

    /// Verifies with the platform secret, else with each secret token the custom app's connections keep.
    /// An event a custom app's token verifies may concern only that app and that connection's account:
    /// the tenant who knows the token must not be able to revoke anyone else's connections with it.
    private func verify(
        _ delivery: WebhookDelivery, connector: any Connector, platformSecret: Secret?, app: String?,
        customSecrets: [Connections.CustomAppSecret], now: Date
    ) -> Result<VerifiedWebhook, WebhookRejection> {
        var rejection = WebhookRejection("no configured secret verifies the delivery")
        if let platformSecret {
            do {
                return .success(try connector.verifyWebhook(delivery, secret: platformSecret, now: now))
            } catch {
                rejection = error as? WebhookRejection ?? rejection
            }
        }
        for candidate in customSecrets {
            guard
                let token = try? vault.open(
                    candidate.sealed, column: "webhook_secret", tenantID: candidate.tenantID, connectionID: candidate.connectionID),
                let verified = try? connector.verifyWebhook(delivery, secret: token, now: now)
            else { continue }
            if case .deauthorized(let account, let client) = verified.event, account != candidate.externalAccountID || client != app {
                return .failure(WebhookRejection("the event concerns another account or app than the one whose secret signed it"))
            }
            if case .records(let account, _, _) = verified.event, account != candidate.externalAccountID {
                return .failure(WebhookRejection("the event concerns another account than the one whose secret signed it"))
            }
            return .success(verified)
        }
        return .failure(rejection)
    }

    private func deauthorize(provider: String, accountID: String, clientID: String) async throws {
        let affected = try await connections.findByExternalAccount(provider: provider, externalAccountID: accountID)
            .filter { $0.clientID == clientID && $0.mode != .serverToServer }
        for connection in affected {
            try await connections.revoke(
                tenantID: connection.tenantID, id: connection.id, reason: "the app was removed from the account at \(provider)", purge: false)
            let purged = try await connections.purgeSyncedData(tenantID: connection.tenantID, connectionID: connection.id)
            logger.info(
                "connection deauthorized by the provider",
                metadata: ["tenant": "\(connection.tenantID)", "connection": "\(connection.id)", "rows_purged": "\(purged)"])
        }
    }
}
