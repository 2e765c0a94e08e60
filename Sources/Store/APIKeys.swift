public import Foundation
public import Postgres
public import Sensitive
import Vault

/// Who an API key speaks for.
public enum APIPrincipal: Sendable, Hashable {
    /// Manages tenants; reads no tenant's data.
    case admin(keyID: UUID)
    /// Sees one tenant only.
    case tenant(UUID, keyID: UUID)
}

/// An API key as an operator sees it: never the key, nor its hash.
public struct APIKeyInfo: Sendable, Hashable {
    public let id: UUID
    /// `nil` for an admin key.
    public let tenantID: UUID?
    public let name: String
    /// The key's first characters (`tether_` and six more), to recognise it.
    public let prefix: String
    public let createdAt: Date
    public let lastUsedAt: Date?
    public let expiresAt: Date?
    public let revokedAt: Date?
}

/// Issues and checks API keys. A key is 256 random bits shown once; only its SHA-256 is stored, so a
/// database leak reveals no usable key. Lookup is by that hash: an attacker who can time it learns
/// about hashes of their own guesses, not about the stored keys.
public struct APIKeys: Sendable {
    /// Every key starts with this, so leaked keys are easy to recognise (and to scan for).
    public static let prefix = "tether_"
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// Creates a key for `tenantID`, or an admin key when it is `nil`; returns its id and the key itself,
    /// which is never stored and cannot be shown again.
    /// - Parameter expiresAt: when the key stops working; `nil` for never.
    public func create(tenantID: UUID?, name: String, expiresAt: Date? = nil) async throws -> (id: UUID, key: Secret) {
        guard name.count <= 200, !name.contains("\0") else { throw StoreError(.invalid, "name must be at most 200 characters") }
        if let expiresAt, expiresAt <= Date() { throw StoreError(.invalid, "expires_at must be in the future") }
        let key = Self.prefix + (try SecureRandom.token(byteCount: 32))
        let hash = secretHash(key)
        let shown = String(key.prefix(Self.prefix.count + 6))
        let id = try await pool.withTransaction { connection -> UUID in
            if let tenantID {
                try connection.scope(to: tenantID)
                return try connection.query(
                    """
                    INSERT INTO api_keys (tenant_id, name, key_hash, key_prefix, expires_at)
                    VALUES (\(tenantID), \(name), \(hash), \(shown), \(expiresAt)) RETURNING id
                    """)[0].decode(UUID.self, at: 0)
            }
            return try connection.query(
                """
                INSERT INTO admin_api_keys (name, key_hash, key_prefix, expires_at) VALUES (\(name), \(hash), \(shown), \(expiresAt)) RETURNING id
                """)[0].decode(UUID.self, at: 0)
        }
        return (id, Secret(key))
    }

    /// The principal of a presented key, or `nil` when it is unknown, revoked or expired. Notes when the
    /// key was used, at most once a minute (so the hot path rarely writes).
    public func authenticate(_ presented: String) async throws -> APIPrincipal? {
        guard presented.hasPrefix(Self.prefix), presented.utf8.count <= 128 else { return nil }
        let hash = secretHash(presented)
        return try await pool.withTransaction { connection -> APIPrincipal? in
            if let row = try connection.query(
                """
                SELECT id, key_hash, \(unescaped: Self.staleUse) FROM admin_api_keys
                WHERE key_hash = \(hash) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
                """
            ).first {
                let (id, stored, stale) = try row.decode((UUID, Data, Bool).self)
                guard ConstantTime.equals(Array(stored), Array(hash)) else { return nil }
                if stale { try connection.execute("UPDATE admin_api_keys SET last_used_at = now() WHERE id = \(id)") }
                return .admin(keyID: id)
            }
            try connection.allowLookup(bySecret: presented)
            guard
                let row = try connection.query(
                    """
                    SELECT id, tenant_id, key_hash, \(unescaped: Self.staleUse) FROM api_keys
                    WHERE key_hash = \(hash) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
                    """
                ).first
            else { return nil }
            let (id, tenantID, stored, stale) = try row.decode((UUID, UUID, Data, Bool).self)
            guard ConstantTime.equals(Array(stored), Array(hash)) else { return nil }
            if stale {
                try connection.scope(to: tenantID)
                try connection.execute("UPDATE api_keys SET last_used_at = now() WHERE tenant_id = \(tenantID) AND id = \(id)")
            }
            return .tenant(tenantID, keyID: id)
        }
    }

    /// A use is noted when the last one is a minute old or more: read with the key, so most requests
    /// write nothing and cost no extra round trip.
    static let staleUse = "(last_used_at IS NULL OR last_used_at < now() - interval '1 minute')"

    /// The name of the key behind `principal`, for records of who asked for something.
    public func name(of principal: APIPrincipal) async throws -> String {
        switch principal {
        case .admin(let keyID):
            return try await pool.query("SELECT name FROM admin_api_keys WHERE id = \(keyID)").first?.decode(String.self, at: 0) ?? "admin key"
        case .tenant(let tenantID, let keyID):
            return try await pool.withTenant(tenantID) { connection in
                try connection.query("SELECT name FROM api_keys WHERE tenant_id = \(tenantID) AND id = \(keyID)").first?.decode(String.self, at: 0)
            } ?? "API key"
        }
    }

    /// A tenant's keys (or the admin keys, for `nil`), newest first.
    public func list(tenantID: UUID?) async throws -> [APIKeyInfo] {
        try await pool.withTransaction { connection in
            let rows: PGResult
            if let tenantID {
                try connection.scope(to: tenantID)
                rows = try connection.query(
                    """
                    SELECT id, tenant_id, name, key_prefix, created_at, last_used_at, expires_at, revoked_at FROM api_keys
                    WHERE tenant_id = \(tenantID) ORDER BY created_at DESC, id
                    """)
            } else {
                rows = try connection.query(
                    """
                    SELECT id, NULL::uuid AS tenant_id, name, key_prefix, created_at, last_used_at, expires_at, revoked_at FROM admin_api_keys
                    ORDER BY created_at DESC, id
                    """)
            }
            return try rows.map { row in
                APIKeyInfo(
                    id: try row.decode(column: "id"), tenantID: try row.decode(column: "tenant_id"), name: try row.decode(column: "name"),
                    prefix: try row.decode(column: "key_prefix"), createdAt: try row.decode(column: "created_at"),
                    lastUsedAt: try row.decode(column: "last_used_at"), expiresAt: try row.decode(column: "expires_at"),
                    revokedAt: try row.decode(column: "revoked_at"))
            }
        }
    }

    /// Revokes key `id` of `tenantID` (an admin key for `nil`): it authenticates nothing from the next
    /// request on. Revoking a revoked key changes nothing.
    /// - Returns: the key, or `nil` when there is no such key.
    public func revoke(tenantID: UUID?, id: UUID) async throws -> APIKeyInfo? {
        try await pool.withTransaction { connection -> Void in
            if let tenantID {
                try connection.scope(to: tenantID)
                try connection.execute(
                    "UPDATE api_keys SET revoked_at = now() WHERE tenant_id = \(tenantID) AND id = \(id) AND revoked_at IS NULL")
            } else {
                try connection.execute("UPDATE admin_api_keys SET revoked_at = now() WHERE id = \(id) AND revoked_at IS NULL")
            }
        }
        return try await list(tenantID: tenantID).first { $0.id == id }
    }
}
