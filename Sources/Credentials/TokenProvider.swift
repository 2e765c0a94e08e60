import Connectors
import CoreMetrics
public import Transport
public import Foundation
public import Logging
import NIOConcurrencyHelpers
import OAuth
public import Sensitive
public import Store

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
    let vault: CredentialVault
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
        if !Self.needsRefresh(credentials, now: now()),
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

    /// When the stored access token should be replaced: missing, or less than min(300 s, half its
    /// lifetime) left (DESIGN §5, so short test lifetimes do not refresh on every call).
    static func needsRefresh(_ credentials: SealedCredentials, now: Date) -> Bool {
        guard credentials.accessToken != nil, let expiresAt = credentials.accessTokenExpiresAt else { return true }
        let issuedAt = credentials.refreshedAt ?? now
        let lifetime = max(0, expiresAt.timeIntervalSince(issuedAt))
        return expiresAt.timeIntervalSince(now) < min(300, lifetime / 2)
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

    /// Runs under the row lock: re-checks, calls the token endpoint if still needed, and says what to write.
    private func decide(
        connection: Store.Connection, credentials: SealedCredentials, force: Bool, seenVersion: Int?
    ) async throws -> (CredentialChange, Result<Secret, TokenError>) {
        let tenantID = connection.tenantID
        let id = connection.id
        guard ["active", "disabled", "error"].contains(connection.status) else {
            return (.none, .failure(TokenError(.unavailable, "the connection is \(connection.status)")))
        }
        // Someone else may have refreshed while we waited for the lock: their token is fresh, even when
        // `force` asked for a new one.
        let refreshedSinceRead = credentials.version != seenVersion
        if (!force || refreshedSinceRead), !Self.needsRefresh(credentials, now: now()),
            let token = try vault.open(credentials.accessToken, column: "access_token", tenantID: tenantID, connectionID: id)
        {
            return (.none, .success(token))
        }
        if let retryAt = credentials.nextRefreshAttemptAt, retryAt > now(), !force {
            return (.none, .failure(TokenError(.transient, "the token endpoint failed recently; next attempt after \(retryAt)")))
        }
        guard let connector = registry.connector(connection.provider) else {
            return (.none, .failure(TokenError(.unavailable, "no connector for \(connection.provider)")))
        }
        let client: ClientCredentials
        if connection.mode == "platform" {
            guard let platform = registry.platformApp(connection.provider), platform.clientID == connection.clientID else {
                return (.needsReauthorization(reason: "the platform app that authorized this connection is no longer configured"),
                        .failure(TokenError(.needsReauthorization, "the platform app changed")))
            }
            client = platform
        } else {
            guard let secret = try vault.open(credentials.clientSecret, column: "client_secret", tenantID: tenantID, connectionID: id) else {
                return (.needsReauthorization(reason: "the client secret is missing"), .failure(TokenError(.needsReauthorization, "no client secret")))
            }
            client = ClientCredentials(clientID: connection.clientID, clientSecret: secret)
        }
        let oauth = OAuthClient(server: connector.authorizationServer, http: http)
        let issuedAt = now()
        do {
            let tokens: TokenSet
            var refreshToken: Secret?
            if connection.mode == "server_to_server" {
                tokens = try await oauth.clientCredentials(connector.serverToServerGrant(accountID: connection.externalAccountID), client: client)
            } else {
                guard let current = try vault.open(credentials.refreshToken, column: "refresh_token", tenantID: tenantID, connectionID: id) else {
                    return (.needsReauthorization(reason: "no refresh token is stored"), .failure(TokenError(.needsReauthorization, "no refresh token")))
                }
                tokens = try await oauth.refresh(current, client: client)
                refreshToken = tokens.refreshToken ?? current
            }
            var sealed = try vault.seal(
                tenantID: tenantID, connectionID: id, accessToken: tokens.accessToken, expiresAt: tokens.expiresAt(issuedAt: issuedAt),
                refreshToken: refreshToken, clientSecret: connection.mode == "platform" ? nil : client.clientSecret)
            sealed.version = credentials.version
            logger.info("refreshed access token", metadata: ["tenant": "\(tenantID)", "connection": "\(id)"])
            Self.countRefresh("succeeded")
            return (.replace(sealed), .success(tokens.accessToken))
        } catch let error as OAuthError where error.code == .invalidGrant || error.code == .invalidClient {
            let reason = error.code == .invalidGrant
                ? "the provider rejected the refresh token (invalid_grant); an admin must reconnect"
                : "the provider rejected the client credentials (invalid_client); an admin must reconnect"
            logger.warning("connection needs re-authorization", metadata: ["tenant": "\(tenantID)", "connection": "\(id)", "reason": "\(error.code)"])
            Self.countRefresh("needs_reauth")
            return (.needsReauthorization(reason: reason), .failure(TokenError(.needsReauthorization, reason)))
        } catch let error as OAuthError {
            let delay = min(3600, 30 * pow(2, Double(min(credentials.refreshFailures, 7))))
            logger.warning("token refresh failed", metadata: ["tenant": "\(tenantID)", "connection": "\(id)", "error": "\(error)"])
            Self.countRefresh("failed")
            // The old token still works until it expires: hand it out and try again later.
            if let expiresAt = credentials.accessTokenExpiresAt, expiresAt > now(),
                let token = try vault.open(credentials.accessToken, column: "access_token", tenantID: tenantID, connectionID: id)
            {
                return (.failed(retryAt: now().addingTimeInterval(delay)), .success(token))
            }
            return (.failed(retryAt: now().addingTimeInterval(delay)), .failure(TokenError(.transient, error.reason)))
        }
    }

    /// Counts a refresh by outcome (`succeeded`, `needs_reauth`, `failed`) as `tether_token_refreshes_total`.
    private static func countRefresh(_ outcome: String) {
        Counter(label: "tether_token_refreshes_total", dimensions: [("outcome", outcome)]).increment()
    }
}
