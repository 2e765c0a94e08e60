public import Postgres

/// The role a pool's connections log in as, and what it can do to row-level security.
public struct DatabaseRole: Sendable {
    public let name: String
    public let isSuperuser: Bool
    public let bypassesRLS: Bool
    /// Tables in `public` the role owns (an owner could turn row-level security off).
    public let ownedTables: Int

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
