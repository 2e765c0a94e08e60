public import Foundation
public import Postgres

/// A tenant's webhook endpoint, without its secret (which is shown once, when it is set).
public struct TenantWebhook: Sendable, Hashable {
    public let url: String
    public let createdAt: Date
    public let updatedAt: Date
}

/// The event feed (migration 0006): what changed for a tenant, in the order it was committed, and where
/// the tenant wants it pushed.
public struct Events: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// The event types there are.
    public static let types: Set<String> = ["connection.status_changed", "sync_run.finished", "action.finished"]

    /// An event as JSON, rendered by PostgreSQL from the `events` row called `row`; the webhook body is
    /// exactly this text.
    static func rendered(_ row: String = "events") -> String {
        """
        json_build_object('id', \(row).id, 'type', \(row).type, 'tenant_id', \(row).tenant_id,
            'created_at', to_char(\(row).created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'data', \(row).data)::text
        """
    }

    /// Up to `limit` events after the event `after` (its id; from the start when nil), oldest first, of the
    /// given types (all when empty). `next` is the last event's id when more follow.
    /// - Throws: ``StoreError`` `.invalid` when `after` is not an event of this tenant.
    public func list(tenantID: UUID, after: UUID?, limit: Int, types: [String]) async throws -> (rows: [String], next: UUID?) {
        var sql = PGQuery(unsafeSQL: "SELECT \(Self.rendered()), id FROM events WHERE tenant_id = $1", binding: [tenantID])
        if let after {
            sql.appendSQL(" AND (created_at, id) > (SELECT created_at, id FROM events WHERE tenant_id = $1 AND id = ")
            sql.appendBind(after)
            sql.appendSQL(")")
        }
        if !types.isEmpty {
            sql.appendSQL(" AND type = ANY(")
            sql.appendBind(types)
            sql.appendSQL(")")
        }
        sql.appendSQL(" ORDER BY created_at, id LIMIT ")
        sql.appendBind(limit + 1)
        let query = sql
        let rows = try await pool.withTenant(tenantID, .apiRead) { connection -> [(String, UUID)] in
            if let after,
                try connection.query("SELECT count(*)::bigint FROM events WHERE tenant_id = \(tenantID) AND id = \(after)")[0]
                    .decode(Int.self, at: 0) == 0
            {
                throw StoreError(.invalid, "cursor is not an event of this tenant")
            }
            try connection.awaitOrderedEvents(of: tenantID)
            return try connection.query(query).map { try $0.decode((String, UUID).self) }
        }
        let page = rows.prefix(limit)
        return (page.map(\.0), rows.count > limit ? page.last?.1 : nil)
    }

    /// The tenant's webhook endpoint, if it has one.
    public func webhook(tenantID: UUID) async throws -> TenantWebhook? {
        try await pool.withTenant(tenantID) { connection in
            try connection.query("SELECT url, created_at, updated_at FROM tenant_webhooks WHERE tenant_id = \(tenantID)")
                .first.map { row in
                    let (url, created, updated) = try row.decode((String, Date, Date).self)
                    return TenantWebhook(url: url, createdAt: created, updatedAt: updated)
                }
        }
    }

    /// Sets (or replaces) the endpoint and its sealed signing secret.
    public func setWebhook(tenantID: UUID, url: String, sealedSecret: Data, keyID: String) async throws -> TenantWebhook {
        try await pool.withTenant(tenantID) { connection in
            let (created, updated) = try connection.query(
                """
                INSERT INTO tenant_webhooks (tenant_id, url, secret, key_id) VALUES (\(tenantID), \(url), \(sealedSecret), \(keyID))
                ON CONFLICT (tenant_id) DO UPDATE SET url = excluded.url, secret = excluded.secret, key_id = excluded.key_id, updated_at = now()
                RETURNING created_at, updated_at
                """)[0].decode((Date, Date).self)
            return TenantWebhook(url: url, createdAt: created, updatedAt: updated)
        }
    }

    /// Removes the endpoint; events still pending delivery then fail. False when there was none.
    public func deleteWebhook(tenantID: UUID) async throws -> Bool {
        try await pool.withTenant(tenantID) { connection in
            try connection.execute("DELETE FROM tenant_webhooks WHERE tenant_id = \(tenantID)") == 1
        }
    }
}
