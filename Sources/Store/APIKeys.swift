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
    public func create(tenantID: UUID?, name: String) async throws -> (id: UUID, key: Secret) {
        guard name.count <= 200, !name.contains("\0") else { throw StoreError(.invalid, "name must be at most 200 characters") }
        let key = Self.prefix + (try SecureRandom.token(byteCount: 32))
        let hash = secretHash(key)
        let shown = String(key.prefix(Self.prefix.count + 6))
        let id = try await pool.withTransaction { connection -> UUID in
            if let tenantID {
                try connection.scope(to: tenantID)
                return try connection.query(
                    """
                    INSERT INTO api_keys (tenant_id, name, key_hash, key_prefix) VALUES (\(tenantID), \(name), \(hash), \(shown)) RETURNING id
                    """)[0].decode(UUID.self, at: 0)
            }
            return try connection.query(
                """
                INSERT INTO admin_api_keys (name, key_hash, key_prefix) VALUES (\(name), \(hash), \(shown)) RETURNING id
                """)[0].decode(UUID.self, at: 0)
        }
        return (id, Secret(key))
    }

    /// The principal of a presented key, or `nil` when it is unknown or revoked.
    public func authenticate(_ presented: String) async throws -> APIPrincipal? {
        guard presented.hasPrefix(Self.prefix), presented.utf8.count <= 128 else { return nil }
        let hash = secretHash(presented)
        return try await pool.withTransaction(.init(readOnly: true)) { connection -> APIPrincipal? in
            if let row = try connection.query(
                "SELECT id, key_hash FROM admin_api_keys WHERE key_hash = \(hash) AND revoked_at IS NULL"
            ).first {
                let (id, stored) = try row.decode((UUID, Data).self)
                return ConstantTime.equals(Array(stored), Array(hash)) ? .admin(keyID: id) : nil
            }
            try connection.allowLookup(bySecret: presented)
            guard
                let row = try connection.query(
                    "SELECT id, tenant_id, key_hash FROM api_keys WHERE key_hash = \(hash) AND revoked_at IS NULL"
                ).first
            else { return nil }
            let (id, tenantID, stored) = try row.decode((UUID, UUID, Data).self)
            return ConstantTime.equals(Array(stored), Array(hash)) ? .tenant(tenantID, keyID: id) : nil
        }
    }
}
