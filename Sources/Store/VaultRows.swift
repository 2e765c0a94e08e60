public import Foundation
public import Postgres

/// The sealed rows of one tenant as key rotation sees them: which key sealed them, and a compare-and-swap
/// write that never overwrites a concurrent refresh (SECURITY.md §2, online rotation step 3).
public struct VaultRows: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// A row of sealed values: the columns, by name, and what identifies its current content.
    public struct SealedRow: Sendable {
        public let table: String
        public let tenantID: UUID
        /// The connection (credentials), flow (OAuth flows) or tenant (webhook secret) the values are bound to.
        public let ownerID: UUID
        public let keyID: String
        public let values: [String: Data]
        /// Credentials: the row's version; flows: 0 (their sealed values are compared instead).
        let version: Int
    }

    /// Rows per key id in one tenant, over every table that holds sealed values.
    public func countsByKey(tenantID: UUID) async throws -> [String: Int] {
        try await pool.withTenant(tenantID) { connection in
            var counts: [String: Int] = [:]
            for row in try connection.query(
                """
                SELECT key_id, count(*)::bigint FROM (
                    SELECT key_id FROM connection_credentials WHERE tenant_id = \(tenantID)
                    UNION ALL
                    SELECT key_id FROM oauth_flows WHERE tenant_id = \(tenantID) AND code_verifier IS NOT NULL
                    UNION ALL
                    SELECT key_id FROM tenant_webhooks WHERE tenant_id = \(tenantID)
                    UNION ALL
                    SELECT key_id FROM actions WHERE tenant_id = \(tenantID) AND sealed_input IS NOT NULL
                ) sealed GROUP BY key_id
                """)
            {
                let (key, count) = try row.decode((String, Int).self)
                counts[key] = count
            }
            return counts
        }
    }

    /// Up to `limit` rows of a tenant whose values are not sealed with `keyID`.
    /// - Parameter skipping: owners (connections, flows, the tenant) whose rows are left out (rows that
    ///   could not be re-sealed, which would otherwise come back in every batch).
    public func notSealedWith(_ keyID: String, tenantID: UUID, limit: Int, skipping: Set<UUID> = []) async throws -> [SealedRow] {
        try await rows(tenantID: tenantID, excludingKey: keyID, limit: limit, skipping: skipping)
    }

    /// Every sealed row of a tenant, whatever its key (for `tether vault verify`).
    public func all(tenantID: UUID) async throws -> [SealedRow] {
        try await rows(tenantID: tenantID, excludingKey: nil, limit: Int(Int32.max))
    }

    private func rows(tenantID: UUID, excludingKey keyID: String?, limit: Int, skipping: Set<UUID> = []) async throws -> [SealedRow] {
        let skipped = Array(skipping)
        return try await pool.withTenant(tenantID) { connection in
            var rows = try connection.query(
                """
                SELECT connection_id, key_id, version, access_token, refresh_token, client_secret, webhook_secret FROM connection_credentials
                WHERE tenant_id = \(tenantID) AND key_id IS DISTINCT FROM \(keyID) AND NOT (connection_id = ANY(\(skipped)))
                ORDER BY connection_id LIMIT \(limit)
                """
            ).map { row in
                let v = try row.decode((UUID, String, Int, Data?, Data?, Data?, Data?).self)
                let values = ["access_token": v.3, "refresh_token": v.4, "client_secret": v.5, "webhook_secret": v.6].compactMapValues { $0 }
                return SealedRow(table: "connection_credentials", tenantID: tenantID, ownerID: v.0, keyID: v.1, values: values, version: v.2)
            }
            rows += try connection.query(
                """
                SELECT id, key_id, code_verifier, client_secret, webhook_secret FROM oauth_flows
                WHERE tenant_id = \(tenantID) AND key_id IS DISTINCT FROM \(keyID) AND code_verifier IS NOT NULL AND NOT (id = ANY(\(skipped)))
                ORDER BY id LIMIT \(limit)
                """
            ).map { row in
                let v = try row.decode((UUID, String, Data, Data?, Data?).self)
                let values = ["code_verifier": v.2, "client_secret": v.3, "webhook_secret": v.4].compactMapValues { $0 }
                return SealedRow(table: "oauth_flows", tenantID: tenantID, ownerID: v.0, keyID: v.1, values: values, version: 0)
            }
            rows += try connection.query(
                """
                SELECT key_id, secret FROM tenant_webhooks
                WHERE tenant_id = \(tenantID) AND key_id IS DISTINCT FROM \(keyID) AND NOT (tenant_id = ANY(\(skipped)))
                """
            ).map { row in
                let (key, secret) = try row.decode((String, Data).self)
                return SealedRow(table: "tenant_webhooks", tenantID: tenantID, ownerID: tenantID, keyID: key, values: ["secret": secret], version: 0)
            }
            rows += try connection.query(
                """
                SELECT id, key_id, sealed_input FROM actions
                WHERE tenant_id = \(tenantID) AND sealed_input IS NOT NULL AND key_id IS DISTINCT FROM \(keyID) AND NOT (id = ANY(\(skipped)))
                ORDER BY id LIMIT \(limit)
                """
            ).map { row in
                let (id, key, sealed) = try row.decode((UUID, String, Data).self)
                return SealedRow(table: "actions", tenantID: tenantID, ownerID: id, keyID: key, values: ["sealed_input": sealed], version: 0)
            }
            return rows
        }
    }

    /// Writes `resealed` (same columns, sealed with `keyID`) if the row has not changed since it was read.
    /// - Returns: false when a concurrent write won; the row is then left as that write made it.
    public func replace(_ row: SealedRow, with resealed: [String: Data], keyID: String) async throws -> Bool {
        try await pool.withTenant(row.tenantID) { connection in
            switch row.table {
            case "connection_credentials":
                return try connection.execute(
                    """
                    UPDATE connection_credentials SET access_token = \(resealed["access_token"]), refresh_token = \(resealed["refresh_token"]),
                        client_secret = \(resealed["client_secret"]), webhook_secret = \(resealed["webhook_secret"]), key_id = \(keyID),
                        version = version + 1, updated_at = now()
                    WHERE tenant_id = \(row.tenantID) AND connection_id = \(row.ownerID) AND version = \(row.version)
                    """) == 1
            case "actions":
                return try connection.execute(
                    """
                    UPDATE actions SET sealed_input = \(resealed["sealed_input"]), key_id = \(keyID)
                    WHERE tenant_id = \(row.tenantID) AND id = \(row.ownerID) AND sealed_input = \(row.values["sealed_input"])
                    """) == 1
            case "tenant_webhooks":
                return try connection.execute(
                    """
                    UPDATE tenant_webhooks SET secret = \(resealed["secret"]), key_id = \(keyID)
                    WHERE tenant_id = \(row.tenantID) AND key_id = \(row.keyID) AND secret = \(row.values["secret"])
                    """) == 1
            default:
                return try connection.execute(
                    """
                    UPDATE oauth_flows SET code_verifier = \(resealed["code_verifier"]), client_secret = \(resealed["client_secret"]),
                        webhook_secret = \(resealed["webhook_secret"]), key_id = \(keyID)
                    WHERE tenant_id = \(row.tenantID) AND id = \(row.ownerID) AND key_id = \(row.keyID)
                      AND code_verifier = \(row.values["code_verifier"])
                    """) == 1
            }
        }
    }
}
