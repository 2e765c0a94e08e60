public import Foundation
public import Postgres
public import Sensitive
import Vault

/// An operator's signed-in console session.
public struct ConsoleSession: Sendable, Hashable {
    /// The admin key that signed in: the session lives only as long as the key does.
    public let apiKeyID: UUID
    public let createdAt: Date
    public let expiresAt: Date
}

/// Console sessions (DESIGN §6.3): opened by signing in with an admin API key, for at most 12 hours. The
/// cookie carries 256 random bits; the table keeps only their SHA-256, so reading it opens no session.
public struct ConsoleSessions: Sendable {
    /// How long a session lasts, whatever happens in it: the table refuses longer.
    public static let lifetime: TimeInterval = 12 * 3600

    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// Opens a session for admin key `apiKeyID`; returns the cookie value, which is not stored. Also deletes
    /// sessions that have ended, so the table holds no more than the sessions of the last 12 hours.
    public func open(apiKeyID: UUID) async throws -> Secret {
        let token = try SecureRandom.token(byteCount: 32)
        try await pool.withTransaction { connection in
            try connection.execute("DELETE FROM console_sessions WHERE expires_at < now()")
            try connection.execute(
                """
                INSERT INTO console_sessions (token_hash, api_key_id, expires_at)
                VALUES (\(secretHash(token)), \(apiKeyID), now() + make_interval(secs => \(Self.lifetime)))
                """)
        }
        return Secret(token)
    }

    /// The session of a cookie value, or `nil` when it is unknown or has ended: past its 12 hours, signed
    /// out, or its admin key revoked or expired.
    public func find(_ token: String) async throws -> ConsoleSession? {
        guard !token.isEmpty, token.utf8.count <= 128 else { return nil }
        return try await pool.query(
            """
            SELECT s.api_key_id, s.created_at, s.expires_at FROM console_sessions s JOIN admin_api_keys k ON k.id = s.api_key_id
            WHERE s.token_hash = \(secretHash(token)) AND s.expires_at > now()
              AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
            """
        ).first.map { row in
            let (keyID, createdAt, expiresAt) = try row.decode((UUID, Date, Date).self)
            return ConsoleSession(apiKeyID: keyID, createdAt: createdAt, expiresAt: expiresAt)
        }
    }

    /// Ends the session of a cookie value (signing out); an unknown value changes nothing.
    public func close(_ token: String) async throws {
        try await pool.withConnection { connection in
            try connection.execute("DELETE FROM console_sessions WHERE token_hash = \(secretHash(token))")
        }
    }
}
