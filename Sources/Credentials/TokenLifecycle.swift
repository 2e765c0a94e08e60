import Foundation
import OAuth
import Store

/// The token lifecycle's decisions, without I/O: what a connection's stored credentials call for, and
/// what a failed token request means. ``TokenProvider`` reads the row, asks here, and carries out the
/// answer (decrypting, calling the token endpoint, sealing, writing), in the style of postgres-nio's
/// state machines, so every branch is testable without a database or a provider.
enum TokenLifecycle {
    /// What the stored state of one connection says, read under its credentials row lock.
    struct Facts: Sendable {
        var provider: String
        var status: ConnectionStatus
        var mode: ConnectionMode
        /// The caller asks for a new token even if the stored one looks valid (it was just refused).
        var force: Bool
        /// Another caller wrote the credentials since this one first read them.
        var refreshedSinceRead: Bool
        /// The stored access token is missing or within the refresh threshold (``needsRefresh(_:now:)``).
        var storedTokenNeedsRefresh: Bool
        /// When a failed refresh may be tried again, if one failed.
        var nextAttemptAt: Date?
        var now: Date
        /// A connector for the connection's provider is configured.
        var hasConnector: Bool
        /// For platform mode: Tether's platform app is configured and is the one that authorized the connection.
        var platformAppMatches: Bool
        /// A sealed client secret is stored (custom and server-to-server modes).
        var hasClientSecret: Bool
        /// A sealed refresh token is stored (authorization-code modes).
        var hasRefreshToken: Bool
    }

    /// The grant to ask the token endpoint for.
    enum Grant: Equatable, Sendable {
        /// Server-to-server: mint a new token with the app's credentials.
        case accountCredentials
        /// Authorization-code modes: exchange the stored refresh token.
        case refreshToken
    }

    /// What to do.
    enum Step: Equatable, Sendable {
        /// The stored access token is good: hand it out, write nothing.
        case useStoredToken
        /// No token can be had now; write nothing.
        case refuse(TokenError)
        /// Ask the token endpoint.
        case request(Grant)
        /// The stored state can never produce a token again: the connection needs re-authorization.
        case reauthorize(reason: String, TokenError)
    }

    static func step(_ facts: Facts) -> Step {
        guard facts.status.keepsCredentialsFresh else {
            return .refuse(TokenError(.unavailable, "the connection is \(facts.status)"))
        }
        // Someone else may have refreshed while we waited for the lock: their token is fresh, even when
        // `force` asked for a new one.
        if !facts.force || facts.refreshedSinceRead, !facts.storedTokenNeedsRefresh { return .useStoredToken }
        if let retryAt = facts.nextAttemptAt, retryAt > facts.now, !facts.force {
            return .refuse(TokenError(.transient, "the token endpoint failed recently; next attempt after \(retryAt)"))
        }
        guard facts.hasConnector else { return .refuse(TokenError(.unavailable, "no connector for \(facts.provider)")) }
        if facts.mode == .platform {
            guard facts.platformAppMatches else {
                return .reauthorize(
                    reason: "the platform app that authorized this connection is no longer configured",
                    TokenError(.needsReauthorization, "the platform app changed"))
            }
        } else if !facts.hasClientSecret {
            return .reauthorize(reason: "the client secret is missing", TokenError(.needsReauthorization, "no client secret"))
        }
        if facts.mode == .serverToServer { return .request(.accountCredentials) }
        guard facts.hasRefreshToken else {
            return .reauthorize(reason: "no refresh token is stored", TokenError(.needsReauthorization, "no refresh token"))
        }
        return .request(.refreshToken)
    }

    /// What a token request that the endpoint refused, or that never got an answer, leaves behind.
    enum FailureOutcome: Equatable, Sendable {
        /// The grant or the client is dead: an admin must reconnect. Never retried.
        case reauthorize(reason: String)
        /// Try again at `retryAt`; meanwhile hand out the stored token if it has not expired yet.
        case retryLater(at: Date, storedTokenUsable: Bool)
    }

    static func outcome(of code: OAuthError.Code, refreshFailures: Int, storedTokenExpiresAt: Date?, now: Date) -> FailureOutcome {
        switch code {
        case .invalidGrant:
            return .reauthorize(reason: "the provider rejected the refresh token (invalid_grant); an admin must reconnect")
        case .invalidClient:
            return .reauthorize(reason: "the provider rejected the client credentials (invalid_client); an admin must reconnect")
        default:
            return .retryLater(
                at: now.addingTimeInterval(retryDelay(afterFailures: refreshFailures)),
                storedTokenUsable: storedTokenExpiresAt.map { $0 > now } ?? false)
        }
    }

    /// 30 s after the first failure, doubling with each one, at most an hour.
    static func retryDelay(afterFailures failures: Int) -> TimeInterval {
        min(3_600, 30 * pow(2, Double(min(failures, 7))))
    }

    /// When the stored access token should be replaced: missing, or less than min(300 s, half its
    /// lifetime) left (DESIGN §5, so short test lifetimes do not refresh on every call).
    static func needsRefresh(_ credentials: SealedCredentials, now: Date) -> Bool {
        guard credentials.accessToken != nil, let expiresAt = credentials.accessTokenExpiresAt else { return true }
        let issuedAt = credentials.refreshedAt ?? now
        let lifetime = max(0, expiresAt.timeIntervalSince(issuedAt))
        return expiresAt.timeIntervalSince(now) < min(300, lifetime / 2)
    }
}
