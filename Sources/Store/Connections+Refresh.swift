public import Foundation
import Postgres

/// What a token refresh decided, written in the same transaction that held the row lock.
public enum CredentialChange: Sendable {
    /// Nothing to write (another process refreshed first; the caller uses what it read).
    case none
    /// New sealed tokens, committed before anyone uses the new access token.
    case replace(SealedCredentials)
    /// The grant is dead (`invalid_grant`): the connection needs re-authorization. Never retried.
    case needsReauthorization(reason: String)
    /// A failure worth trying again at `retryAt`. With `invalidAnswer`, the token endpoint answered
    /// something that is not a valid token response (SECURITY.md O9): the connection shows `error` with it
    /// until a refresh succeeds.
    case failed(retryAt: Date, invalidAnswer: String? = nil)
}

extension Connections {
    /// Locks a connection's credentials row (`SELECT … FOR UPDATE`) and runs `body` while holding it, so
    /// that across threads and processes one caller at a time refreshes a connection's tokens; the
    /// others wait, then read what the first one wrote. The lock is transaction-scoped: it survives
    /// PgBouncer's transaction pooling and is released if the process dies.
    /// - Returns: `body`'s result, or `nil` when the connection or its credentials are gone.
    public func withLockedCredentials<Result: Sendable>(
        tenantID: UUID,
        connectionID: UUID,
        _ body: (Connection, SealedCredentials) async throws -> (CredentialChange, Result)
    ) async throws -> Result? {
        try await pool.withLease { lease in
            // The token endpoint answers while the row stays locked; the transaction may idle that long.
            try await lease.withTransaction(PGTransactionOptions(idleTimeout: .seconds(60))) { lease -> Result? in
                let locked = try await lease.run { connection -> (Connection, SealedCredentials)? in
                    try connection.scope(to: tenantID)
                    try connection.execute("SET LOCAL lock_timeout = '30s'")
                    guard let credentials = try Self.fetchCredentials(connection, tenantID: tenantID, connectionID: connectionID, lock: true),
                        let record = try Self.fetch(connection, tenantID: tenantID, id: connectionID)
                    else { return nil }
                    return (record, credentials)
                }
                guard let (record, credentials) = locked else { return nil }
                let (change, result) = try await body(record, credentials)
                try await lease.run { connection in
                    try Self.apply(change, connection, tenantID: tenantID, connectionID: connectionID)
                }
                return result
            }
        }
    }

    static func apply(_ change: CredentialChange, _ connection: PGConnection, tenantID: UUID, connectionID: UUID) throws {
        switch change {
        case .none:
            break
        case .replace(let sealed):
            try writeCredentials(connection, tenantID: tenantID, connectionID: connectionID, sealed)
            try connection.execute(
                """
                UPDATE connections SET status = 'active', status_reason = NULL, updated_at = now()
                WHERE tenant_id = \(tenantID) AND id = \(connectionID) AND status = 'error'
                """)
        case .needsReauthorization(let reason):
            try connection.execute(
                """
                UPDATE connection_credentials SET next_refresh_attempt_at = NULL, updated_at = now()
                WHERE tenant_id = \(tenantID) AND connection_id = \(connectionID)
                """)
            try connection.execute(
                """
                UPDATE connections SET status = 'needs_reauth', status_reason = \(reason), updated_at = now()
                WHERE tenant_id = \(tenantID) AND id = \(connectionID)
                """)
        case .failed(let retryAt, let invalidAnswer):
            try connection.execute(
                """
                UPDATE connection_credentials SET refresh_failures = refresh_failures + 1, next_refresh_attempt_at = \(retryAt),
                    updated_at = now()
                WHERE tenant_id = \(tenantID) AND connection_id = \(connectionID)
                """)
            if let invalidAnswer {
                try connection.execute(
                    """
                    UPDATE connections SET status = 'error', status_reason = \(invalidAnswer), updated_at = now()
                    WHERE tenant_id = \(tenantID) AND id = \(connectionID) AND status = 'active'
                    """)
            }
        }
    }
}
