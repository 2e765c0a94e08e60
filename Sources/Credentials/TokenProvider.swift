import Connectors
import CoreMetrics
public import Foundation
public import Logging
import NIOConcurrencyHelpers
import OAuth
public import Sensitive
public import Store
public import Transport

/// Why no access token could be had.
public struct TokenError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The connection has no credentials, is revoked, or needs re-authorization.
        case unavailable
        /// The provider refused the grant: an admin must reconnect. Not retried.
        case needsReauthorization = "needs_reauth"
        /// The provider could not be reached; a later call may succeed.
        case transient
    }

    public let kind: Kind
    public let reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "\(kind.rawValue): \(reason)" }
}

/// Hands out valid access tokens for connections, refreshing them when less than min(300 s, half the
/// token's lifetime) remains.
///
/// Refreshes are single-flight: within the process, concurrent callers for one connection share one
/// refresh; across processes, the refresh runs while holding the credentials row lock, and whoever gets
/// the lock next re-reads the row and finds the fresh token. The rotated refresh token is committed
/// before the new access token is handed out, a response without a refresh token keeps the old one,
/// `invalid_grant` marks the connection `needs_reauth` (no retry loop), and transient failures back off.
public final class TokenProvider: Sendable {
    let connections: Connections
    public let vault: CredentialVault
    let registry: ConnectorRegistry
    let http: any HTTPTransport
    let logger: Logger
    let now: @Sendable () -> Date
    private let inFlight = NIOLockedValueBox<[UUID: Task<Secret, any Error>]>([:])

    public init(
        connections: Connections, vault: CredentialVault, registry: ConnectorRegistry, http: any HTTPTransport, logger: Logger,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.connections = connections
        self.vault = vault
        self.registry = registry
        self.http = http
        self.logger = logger
        self.now = now
    }

    /// A valid access token for the connection, refreshed first when it is about to expire.
    public func accessToken(tenantID: UUID, connectionID: UUID) async throws -> Secret {
        guard let credentials = try await connections.credentials(tenantID: tenantID, connectionID: connectionID) else {
            throw TokenError(.unavailable, "the connection has no credentials")
        }
        if !TokenLifecycle.needsRefresh(credentials, now: now()),
            let token = try vault.open(credentials.accessToken, column: "access_token", tenantID: tenantID, connectionID: connectionID)
        {
            return token
        }
        return try await refresh(tenantID: tenantID, connectionID: connectionID, force: false)
    }

    /// Refreshes now (unless another caller just did): after a 401, or from the background refresher.
    /// - Parameter force: refresh even when the stored token still looks valid (it was just refused).
    public func refresh(tenantID: UUID, connectionID: UUID, force: Bool) async throws -> Secret {
        let (task, isNew) = inFlight.withLockedValue { tasks -> (Task<Secret, any Error>, Bool) in
            if let running = tasks[connectionID] { return (running, false) }
            let task = Task { try await self.refreshHoldingLock(tenantID: tenantID, connectionID: connectionID, force: force) }
            tasks[connectionID] = task
            return (task, true)
        }
        defer {
            if isNew { _ = inFlight.withLockedValue { $0.removeValue(forKey: connectionID) } }
        }
        return try await task.value
    }

    private func refreshHoldingLock(tenantID: UUID, connectionID: UUID, force: Bool) async throws -> Secret {
        // The version before waiting for the lock: if it differs under the lock, another process refreshed.
        let seenVersion = try await connections.credentials(tenantID: tenantID, connectionID: connectionID)?.version
        let outcome = try await connections.withLockedCredentials(tenantID: tenantID, connectionID: connectionID) {
            connection, credentials -> (CredentialChange, Result<Secret, TokenError>) in
            try await self.decide(connection: connection, credentials: credentials, force: force, seenVersion: seenVersion)
        }
        guard let outcome else { throw TokenError(.unavailable, "the connection has no credentials") }
        return try outcome.get()
    }

    /// Runs under the row lock: asks ``TokenLifecycle`` what the stored state calls for and carries it out,
    /// returning what to write and what to hand the caller.
    private func decide(
        connection: Store.Connection, credentials: SealedCredentials, force: Bool, seenVersion: Int?
    ) async throws -> (CredentialChange, Result<Secret, TokenError>) {
        let tenantID = connection.tenantID
        let id = connection.id
        let connector = registry.connector(connection.provider)
        let platform = registry.platformApp(connection.provider)
        let step = TokenLifecycle.step(
            TokenLifecycle.Facts(
                provider: connection.provider, status: connection.status, mode: connection.mode, force: force,
                refreshedSinceRead: credentials.version != seenVersion,
                storedTokenNeedsRefresh: TokenLifecycle.needsRefresh(credentials, now: now()),
                nextAttemptAt: credentials.nextRefreshAttemptAt, now: now(), hasConnector: connector != nil,
                platformAppMatches: platform?.clientID == connection.clientID, hasClientSecret: credentials.clientSecret != nil,
                hasRefreshToken: credentials.refreshToken != nil))
        let grant: TokenLifecycle.Grant
        switch step {
        case .useStoredToken:
            return (.none, .success(try openStored(credentials.accessToken, column: "access_token", connection)))
        case .refuse(let error):
            return (.none, .failure(error))
        case .reauthorize(let reason, let error):
            return (.needsReauthorization(reason: reason), .failure(error))
        case .request(let chosen):
            grant = chosen
        }
        guard let connector else { return (.none, .failure(TokenError(.unavailable, "no connector for \(connection.provider)"))) }
        let client: ClientCredentials
        if connection.mode == .platform, let platform {
            client = platform
        } else {
            client = ClientCredentials(
                clientID: connection.clientID, clientSecret: try openStored(credentials.clientSecret, column: "client_secret", connection))
        }
        let oauth = OAuthClient(server: connector.authorizationServer, http: http)
        let issuedAt = now()
        do {
            let tokens: TokenSet
            var refreshToken: Secret?
            switch grant {
            case .accountCredentials:
                tokens = try await oauth.clientCredentials(connector.serverToServerGrant(accountID: connection.externalAccountID), client: client)
            case .refreshToken:
                let current = try openStored(credentials.refreshToken, column: "refresh_token", connection)
                tokens = try await oauth.refresh(current, client: client)
                refreshToken = tokens.refreshToken ?? current
            }
            var sealed = try vault.seal(
                tenantID: tenantID, connectionID: id, accessToken: tokens.accessToken, expiresAt: tokens.expiresAt(issuedAt: issuedAt),
                refreshToken: refreshToken, clientSecret: connection.mode.storesClientSecret ? client.clientSecret : nil,
                webhookSecret: try vault.open(credentials.webhookSecret, column: "webhook_secret", tenantID: tenantID, connectionID: id))
            sealed.version = credentials.version
            logger.info("refreshed access token", metadata: ["tenant": "\(tenantID)", "connection": "\(id)"])
            Self.countRefresh(.succeeded)
            return (.replace(sealed), .success(tokens.accessToken))
        } catch let error as OAuthError {
            switch TokenLifecycle.outcome(
                of: error.code, refreshFailures: credentials.refreshFailures, storedTokenExpiresAt: credentials.accessTokenExpiresAt, now: now())
            {
            case .reauthorize(let reason):
                logger.warning(
                    "connection needs re-authorization", metadata: ["tenant": "\(tenantID)", "connection": "\(id)", "reason": "\(error.code)"])
                Self.countRefresh(.needsReauth)
                return (.needsReauthorization(reason: reason), .failure(TokenError(.needsReauthorization, reason)))
            case .retryLater(let retryAt, let storedTokenUsable):
                logger.warning("token refresh failed", metadata: ["tenant": "\(tenantID)", "connection": "\(id)", "error": "\(error)"])
                Self.countRefresh(.failed)
                let change = CredentialChange.failed(
                    retryAt: retryAt,
                    invalidAnswer: error.code == .invalidResponse ? "the token endpoint's answer to a refresh was not a valid token response" : nil)
                // The old token still works until it expires: hand it out and try again later.
                if storedTokenUsable,
                    let token = try vault.open(credentials.accessToken, column: "access_token", tenantID: tenantID, connectionID: id)
                {
                    return (change, .success(token))
                }
                return (change, .failure(TokenError(.transient, error.reason)))
            }
        }
    }

    /// Opens a sealed value the lifecycle found stored (so it is present).
    private func openStored(_ sealed: Data?, column: String, _ connection: Store.Connection) throws -> Secret {
        guard let secret = try vault.open(sealed, column: column, tenantID: connection.tenantID, connectionID: connection.id) else {
            throw TokenError(.unavailable, "the stored \(column) is missing")
        }
        return secret
    }

    /// Counts a refresh by outcome (`succeeded`, `needs_reauth`, `failed`) as `tether_token_refreshes_total`.
    private static func countRefresh(_ outcome: RefreshOutcome) {
        Counter(label: "tether_token_refreshes_total", dimensions: [("outcome", outcome.rawValue)]).increment()
    }

    /// How a refresh ended, as the metric's `outcome` label.
    private enum RefreshOutcome: String {
        case succeeded
        case needsReauth = "needs_reauth"
        case failed
    }
}
