public import Postgres

/// The role a pool's connections log in as, and what it can do to row-level security.
public struct DatabaseRole: Sendable {
    public let name: String
    public let isSuperuser: Bool
    public let bypassesRLS: Bool
    /// Tables in `public` the role owns (an owner could turn row-level security off).
    public let ownedTables: Int

    /// The tables holding tokens, sealed secrets or key hashes: a role that only serves the data API must
    /// not be able to read any of them (SECURITY.md T8).
    public static let secretTables = ["connection_credentials", "oauth_flows", "tenant_webhooks", "api_keys", "admin_api_keys", "console_sessions", "actions"]

    /// Which of ``secretTables`` the pool's role may read (any column).
    public static func readableSecretTables(_ pool: PGPool) async throws -> [String] {
        try await pool.withConnection { connection in
            try connection.query(
                """
                SELECT t FROM unnest(\(secretTables)::text[]) t
                WHERE has_table_privilege(current_user, t, 'SELECT')
                   OR has_any_column_privilege(current_user, t, 'SELECT')
                ORDER BY t
                """
            ).map { try $0.decode(String.self, at: 0) }
        }
    }

    /// The pool's login role.
    public static func current(_ pool: PGPool) async throws -> DatabaseRole {
        try await pool.withConnection { connection in
            let (name, superuser, bypass, owned) = try connection.query(
                """
                SELECT current_user::text, rolsuper, rolbypassrls,
                       (SELECT count(*) FROM pg_class WHERE relowner = r.oid AND relkind = 'r' AND relnamespace = 'public'::regnamespace)
                FROM pg_roles r WHERE rolname = current_user
                """)[0].decode((String, Bool, Bool, Int).self)
            return DatabaseRole(name: name, isSuperuser: superuser, bypassesRLS: bypass, ownedTables: owned)
        }
    }
}
