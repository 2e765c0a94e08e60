import Foundation
import Postgres
import Sensitive
import Store
import TestSupport
import Testing

/// The read-only SQL role and the views it reads: confined by row-level security like the runtime role,
/// refused everything but the synced tables and views, and the views answer the SMP's questions exactly.
@Suite("SQL access for backend services", .enabled(if: TestDatabase.isAvailableOrRequired))
struct SQLAccessTests {
    static let reader = "tether_test_reader"
    static let views = [
        "inactive_licensed_users", "seat_usage", "account_admins", "users_without_group", "licences_without_use", "meeting_quality_by_user",
        "room_health_summary",
    ]

    /// Tenant A: six users (see the expectations), built-in roles and a base plan of 10 seats, 4 used.
    /// Tenant B: one long-inactive licensed user and its own plan.
    static func seed(_ owner: PGPool, tenant: UUID, connection: UUID, full: Bool) async throws {
        try await owner.withConnection { sql in
            try sql.execute(
                """
                INSERT INTO connections (tenant_id, id, provider, mode, status, external_account_id, client_id)
                VALUES (\(tenant), \(connection), 'zoom', 'server_to_server', 'active', \(connection.uuidString), 'client')
                """)
            let users: [(String, String, String?, [String], Int?, Int?, Bool)] =
                full
                ? [
                    // remote id, license, role, groups, days since login, days since created, deleted
                    ("u1", "licensed", "0", [], 100, 400, false),
                    ("u2", "licensed", "2", ["g1"], 45, 400, false),
                    ("u3", "licensed", "1", ["g1"], 1, 400, false),
                    ("u4", "licensed", "2", [], nil, 10, false),
                    ("u5", "basic", "2", [], 200, 400, false),
                    ("u6", "licensed", "2", [], 300, 400, true),
                ] : [("b1", "licensed", "0", [], 100, 400, false)]
            for (remote, license, role, groups, login, created, deleted) in users {
                try sql.execute(
                    """
                    INSERT INTO users (tenant_id, connection_id, remote_id, email, license_type, status, role_id, group_ids,
                                       last_login_at, created_remote_at, deleted_at, raw, content_hash)
                    VALUES (\(tenant), \(connection), \(remote), \(remote + "@example.com"), \(license), 'active', \(role), \(groups),
                            now() - make_interval(days => \(login)::integer),
                            now() - make_interval(days => \(created)::integer) - interval '1 hour',
                            CASE WHEN \(deleted) THEN now() END, '{}', '\\x00')
                    """)
            }
            for (remote, name) in [("0", "Owner"), ("1", "Admin"), ("2", "Member")] {
                try sql.execute(
                    """
                    INSERT INTO roles (tenant_id, connection_id, remote_id, name, raw, content_hash)
                    VALUES (\(tenant), \(connection), \(remote), \(name), '{}', '\\x00')
                    """)
            }
            try sql.execute(
                """
                INSERT INTO billing_plan_usage (tenant_id, connection_id, remote_id, plan, plan_type, seats_bought, seats_used, raw, content_hash)
                VALUES (\(tenant), \(connection), 'base', 'base', 'monthly', \(full ? 10 : 3), \(full ? 4 : 1), '{}', '\\x00')
                """)
        }
    }

    static func withReader(_ body: (_ reader: PGPool, _ owner: PGPool, _ a: UUID, _ b: UUID) async throws -> Void) async throws {
        try await TestDatabase.withMigratedDatabase { app, owner, ownerURL in
            let (a, b) = (try await Tenants(pool: app).create(slug: "a", name: "A").id, try await Tenants(pool: app).create(slug: "b", name: "B").id)
            try await seed(owner, tenant: a, connection: UUID(), full: true)
            try await seed(owner, tenant: b, connection: UUID(), full: false)
            try await owner.withConnection { sql in
                try TestDatabase.ensureConfinedRole(reader, on: sql)
                _ = try SQLAccess.grant(to: reader, on: sql)
            }
            let pool = PGPool(configuration: .init(connectionString: Secret(TestDatabase.asRole(ownerURL, reader))), logger: TestDatabase.logger)
            do {
                try await body(pool, owner, a, b)
                await pool.close()
            } catch {
                await pool.close()
                throw error
            }
        }
    }

    static func strings(_ sql: PGConnection, _ query: String) throws -> [String] {
        try sql.query(PGQuery(unsafeSQL: query)).map { try $0.decode(String.self, at: 0) }
    }

    @Test("the views answer for tenant A alone: inactive licensed users, seats bought vs assigned, owners and admins, users in no group")
    func viewsAnswerTheQuestions() async throws {
        try await Self.withReader { reader, _, a, _ in
            try await reader.withTenant(a) { sql in
                let inactive = try sql.query("SELECT remote_id, inactive_days, never_signed_in FROM inactive_licensed_users ORDER BY remote_id")
                    .map { try $0.decode((String, Int?, Bool).self) }
                #expect(inactive.map(\.0) == ["u1", "u2", "u4"])
                #expect(inactive.map(\.1) == [100, 45, 10])
                #expect(inactive.map(\.2) == [false, false, true])
                #expect(
                    try Self.strings(sql, "SELECT remote_id FROM inactive_licensed_users WHERE inactive_days >= 60 OR never_signed_in ORDER BY 1")
                        == ["u1", "u4"])
                let seats = try sql.query("SELECT seats_bought, seats_used_reported, licensed_users, seats_unassigned FROM seat_usage")
                    .map { try $0.decode((Int, Int, Int, Int).self) }
                #expect(seats.count == 1)
                #expect(seats.first.map { [$0.0, $0.1, $0.2, $0.3] } == [10, 4, 4, 6])
                #expect(try Self.strings(sql, "SELECT remote_id || ':' || role_name FROM account_admins ORDER BY 1") == ["u1:Owner", "u3:Admin"])
                #expect(try Self.strings(sql, "SELECT remote_id FROM users_without_group ORDER BY 1") == ["u1", "u4", "u5"])
            }
        }
    }

    @Test("connection_provider, which the views use in the reader's stead, names a connection's provider only inside its own tenant")
    func connectionProviderStaysInItsTenant() async throws {
        try await Self.withReader { reader, owner, a, b in
            let connectionOfA = try await owner.withTenant(a) { sql in try sql.query("SELECT id FROM connections")[0].decode(UUID.self, at: 0) }
            let lookup: PGQuery = "SELECT connection_provider(\(a), \(connectionOfA))"
            #expect(try await reader.withTenant(a) { sql in try sql.query(lookup)[0].decode(String?.self, at: 0) } == "zoom")
            #expect(try await reader.withTenant(b) { sql in try sql.query(lookup)[0].decode(String?.self, at: 0) } == nil)
            #expect(try await reader.withTransaction { sql in try sql.query(lookup)[0].decode(String?.self, at: 0) } == nil)
        }
    }

    @Test("the reader sees no row without a tenant set, only B's with B set, and is refused tokens (T8), keys, the queue and every write")
    func readerIsConfined() async throws {
        try await Self.withReader { reader, _, _, b in
            let unscoped = try await reader.withTransaction { sql in
                try (Self.views + ["users", "roles", "billing_plan_usage"]).map {
                    try sql.query(PGQuery(unsafeSQL: "SELECT count(*)::bigint FROM \($0)"))[0].decode(Int.self, at: 0)
                }
            }
            #expect(unscoped.allSatisfy { $0 == 0 }, "\(unscoped)")
            try await reader.withTenant(b) { (sql: PGConnection) throws in
                #expect(try Self.strings(sql, "SELECT remote_id FROM users ORDER BY 1") == ["b1"])
                #expect(try Self.strings(sql, "SELECT remote_id FROM inactive_licensed_users") == ["b1"])
            }
            for statement in [
                "SELECT count(*) FROM connection_credentials", "SELECT count(*) FROM api_keys", "SELECT count(*) FROM connections",
                "SELECT count(*) FROM sync_runs", "SELECT count(*) FROM tenants",
                "INSERT INTO users (tenant_id, connection_id, remote_id, raw, content_hash) VALUES (gen_random_uuid(), gen_random_uuid(), 'x', '{}', '\\x00')",
                "UPDATE users SET email = 'x'", "DELETE FROM users", "TRUNCATE users",
            ] {
                let error = await #expect(throws: PGError.self, "\(statement)") {
                    try await reader.withTenant(b) { sql in try sql.execute(PGQuery(unsafeSQL: statement)) }
                }
                #expect(error?.sqlState == "42501", "\(statement): \(error?.serverMessage ?? "")")
            }
        }
    }

    @Test(
        "T1 catalog lint: every view runs with the caller's rights, no definer function floats its search_path, no policy is true; grant refuses a role that bypasses RLS"
    )
    func viewsAndGrantsCannotBypass() async throws {
        try await Self.withReader { _, owner, _, _ in
            let definerViews = try await owner.withConnection { sql in
                try Self.strings(
                    sql,
                    """
                    SELECT relname::text FROM pg_class
                    WHERE relkind = 'v' AND relnamespace = 'public'::regnamespace
                      AND NOT coalesce(reloptions @> ARRAY['security_invoker=true'], false)
                    """)
            }
            #expect(definerViews.isEmpty, "views that would bypass RLS: \(definerViews)")
            // T1's other lints: no SECURITY DEFINER function without a pinned search_path, no policy that is
            // simply true.
            let (unpinned, alwaysTrue) = try await owner.withConnection { sql in
                (
                    try Self.strings(
                        sql,
                        """
                        SELECT proname::text FROM pg_proc
                        WHERE pronamespace = 'public'::regnamespace AND prosecdef
                          AND NOT coalesce(array_to_string(proconfig, ',') LIKE '%search_path=%', false)
                        """),
                    try Self.strings(
                        sql,
                        """
                        SELECT polname::text FROM pg_policy
                        WHERE pg_get_expr(polqual, polrelid) = 'true' OR pg_get_expr(polwithcheck, polrelid) = 'true'
                        """)
                )
            }
            #expect(unpinned.isEmpty, "SECURITY DEFINER functions without a pinned search_path: \(unpinned)")
            #expect(alwaysTrue.isEmpty, "policies that let every row through: \(alwaysTrue)")
            let views = try await owner.withConnection { sql in
                try Self.strings(sql, "SELECT relname::text FROM pg_class WHERE relkind = 'v' AND relnamespace = 'public'::regnamespace ORDER BY 1")
            }
            #expect(views == Self.views.sorted())
            let refused = await #expect(throws: StoreError.self) {
                try await owner.withConnection { sql in try SQLAccess.grant(to: "postgres", on: sql) }
            }
            #expect(refused?.kind == .invalid)
            await #expect(throws: StoreError.self) {
                try await owner.withConnection { sql in try SQLAccess.grant(to: "no_such_role", on: sql) }
            }
        }
    }
}
