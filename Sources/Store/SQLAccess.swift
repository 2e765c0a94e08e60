public import Postgres

/// The read-only SQL role of README "SQL access": SELECT on every synced table and every view, nothing on
/// tokens, credentials, keys or the queue. Row-level security applies to it as to the runtime role: it
/// reads a tenant's rows only in a transaction that set `app.tenant_id`, and none otherwise.
public enum SQLAccess {
    /// What the reader may read, from the catalog (so a table or view added later is covered): the views in
    /// `public`, the tables with the synced frame (`raw` and `content_hash`), and the providers' reference
    /// data the views join (`provider_…`, which hold no tenant's rows).
    static let readableRelations = """
        SELECT c.relname::text FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace
          AND (c.relkind = 'v'
               OR (c.relkind = 'r' AND c.relname LIKE 'provider\\_%'
                   AND NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
               OR (c.relkind = 'r'
                   AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'raw' AND NOT a.attisdropped)
                   AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'content_hash' AND NOT a.attisdropped)))
        ORDER BY 1
        """

    /// Grants `role` SELECT on the readable relations; run it as the role that owns them (the migration
    /// role), again after migrations that add tables. Refuses a role that could read past row-level
    /// security. Returns the relations granted.
    public static func grant(to role: String, on connection: PGConnection) throws -> [String] {
        try requireConfinable(role, on: connection)
        let relations = try connection.query(PGQuery(unsafeSQL: readableRelations)).map { try $0.decode(String.self, at: 0) }
        let names = relations.map(PGQuery.quoteIdentifier).joined(separator: ", ")
        try connection.execute(PGQuery(unsafeSQL: "GRANT SELECT ON \(names) TO \(PGQuery.quoteIdentifier(role))"))
        return relations
    }

    /// Takes back everything ``grant(to:on:)`` gave.
    public static func revoke(from role: String, on connection: PGConnection) throws {
        let relations = try connection.query(PGQuery(unsafeSQL: readableRelations)).map { try $0.decode(String.self, at: 0) }
        let names = relations.map(PGQuery.quoteIdentifier).joined(separator: ", ")
        try connection.execute(PGQuery(unsafeSQL: "REVOKE SELECT ON \(names) FROM \(PGQuery.quoteIdentifier(role))"))
    }

    static func requireConfinable(_ role: String, on connection: PGConnection) throws {
        let rows = try connection.query("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = \(role)")
        guard let row = rows.first else { throw StoreError(.notFound, "no role named \(role.debugDescription)") }
        let (superuser, bypass) = try row.decode((Bool, Bool).self)
        guard !superuser, !bypass else {
            throw StoreError(.invalid, "role \(role.debugDescription) is a superuser or has BYPASSRLS: row-level security would not confine it")
        }
    }
}
