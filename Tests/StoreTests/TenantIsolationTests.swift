import Connectors
import Foundation
import Postgres
import Store
import TestSupport
import Testing

/// Row-level security as the runtime role meets it (SECURITY.md T3, T5, T7, T9, and T4 in SQL), over every
/// table that has a `tenant_id`, found in the catalog, so a table added later is covered without a new test.
@Suite("Tenant isolation in SQL", .enabled(if: TestDatabase.isAvailableOrRequired))
struct TenantIsolationTests {
    /// Two tenants, each with a connection, a stream state, a queued run and one row in every synced table.
    struct World {
        let app: PGPool
        let owner: PGPool
        let a: UUID
        let b: UUID
        let connectionB: UUID
        let tenantTables: [String]
    }

    static func withWorld(_ body: (World) async throws -> Void) async throws {
        try await TestDatabase.withMigratedDatabase { app, owner, _ in
            var tenants: [(UUID, UUID)] = []
            for slug in ["tenant-a", "tenant-b"] {
                let tenant = try await Tenants(pool: app).create(slug: slug, name: slug)
                let connection = UUID()
                try await owner.withConnection { sql in
                    try sql.execute(
                        """
                        INSERT INTO connections (tenant_id, id, provider, mode, status, external_account_id, client_id)
                        VALUES (\(tenant.id), \(connection), 'zoom', 'server_to_server', 'active', \(slug), 'client')
                        """)
                    try sql.execute(
                        "INSERT INTO connection_streams (tenant_id, connection_id, name, permitted) VALUES (\(tenant.id), \(connection), 'users', true)"
                    )
                    for table in RecordTable.all { try sql.execute(try Self.row(of: table.name, tenant: tenant.id, connection: connection, sql)) }
                }
                _ = try await SyncRuns(pool: app).enqueue(tenantID: tenant.id, connectionID: connection, streams: ["users"], trigger: .manual)
                tenants.append((tenant.id, connection))
            }
            let tables = try await owner.withConnection { sql in
                try sql.query(
                    """
                    SELECT c.relname::text FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
                    WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace ORDER BY 1
                    """
                ).map { try $0.decode(String.self, at: 0) }
            }
            try await body(World(app: app, owner: owner, a: tenants[0].0, b: tenants[1].0, connectionB: tenants[1].1, tenantTables: tables))
        }
    }

    /// An insert of a minimal row into synced table `table`: the frame, and the table's name in every other
    /// required (text) column.
    static func row(of table: String, tenant: UUID, connection: UUID, _ sql: PGConnection) throws -> PGQuery {
        let frame = ["tenant_id", "connection_id", "remote_id", "raw", "content_hash"]
        let required = try sql.query(
            """
            SELECT attname::text FROM pg_attribute
            WHERE attrelid = \(table)::regclass AND attnum > 0 AND attnotnull AND NOT atthasdef AND NOT (attname = ANY(\(frame)))
            """
        ).map { try $0.decode(String.self, at: 0) }
        let names = (frame + required).map(PGQuery.quoteIdentifier).joined(separator: ", ")
        let values = (["$1", "$2", "'r1'", "'{}'", "'\\x00'"] + required.map { _ in "'x'" }).joined(separator: ", ")
        return PGQuery(unsafeSQL: "INSERT INTO \(PGQuery.quoteIdentifier(table)) (\(names)) VALUES (\(values))", binding: [tenant, connection])
    }

    static func count(_ sql: PGConnection, _ table: String, tenant: UUID? = nil) throws -> Int {
        var query = PGQuery(unsafeSQL: "SELECT count(*)::bigint FROM \(PGQuery.quoteIdentifier(table))")
        if let tenant {
            query = PGQuery(unsafeSQL: "SELECT count(*)::bigint FROM \(PGQuery.quoteIdentifier(table)) WHERE tenant_id = $1", binding: [tenant])
        }
        return try sql.query(query)[0].decode(Int.self, at: 0)
    }

    @Test("T3, T4: without a tenant the runtime role sees no row of any tenant table; with tenant A, none of B's")
    func reads() async throws {
        try await Self.withWorld { world in
            #expect(world.tenantTables.count >= RecordTable.all.count + 5)
            let seededForB = try await world.owner.withConnection { sql in
                try world.tenantTables.filter { try Self.count(sql, $0, tenant: world.b) > 0 }
            }
            #expect(seededForB.count >= RecordTable.all.count + 4, "B has rows in \(seededForB)")
            let (unscoped, crossTenant, own) = try await world.app.withTransaction { sql in
                let unscoped = try world.tenantTables.filter { try Self.count(sql, $0) > 0 }
                try sql.scope(to: world.a)
                let crossTenant = try seededForB.filter { try Self.count(sql, $0, tenant: world.b) > 0 }
                let own = try seededForB.filter { try Self.count(sql, $0, tenant: world.a) > 0 }
                return (unscoped, crossTenant, own)
            }
            #expect(unscoped.isEmpty, "visible without a tenant: \(unscoped)")
            #expect(crossTenant.isEmpty, "B's rows visible to A: \(crossTenant)")
            #expect(own.count == seededForB.count, "A sees its own rows")
        }
    }

    @Test("T5: with tenant A set, updates and deletes of B's rows touch nothing and inserts as B are refused")
    func writes() async throws {
        try await Self.withWorld { world in
            for table in world.tenantTables {
                let name = PGQuery.quoteIdentifier(table)
                let (updated, deleted) = try await world.app.withTenant(world.a) { sql in
                    (
                        try sql.execute(PGQuery(unsafeSQL: "UPDATE \(name) SET tenant_id = tenant_id WHERE tenant_id = $1", binding: [world.b])),
                        try sql.execute(PGQuery(unsafeSQL: "DELETE FROM \(name) WHERE tenant_id = $1", binding: [world.b]))
                    )
                }
                #expect(updated == 0 && deleted == 0, "\(table): \(updated) updated, \(deleted) deleted")
            }
            for table in RecordTable.all.map(\.name) + ["connection_streams"] {
                let error = await #expect(throws: PGError.self) {
                    try await world.app.withTenant(world.a) { sql in
                        try sql.execute(
                            table == "connection_streams"
                                ? "INSERT INTO connection_streams (tenant_id, connection_id, name, permitted) VALUES (\(world.b), \(world.connectionB), 'groups', true)"
                                : try Self.row(of: table, tenant: world.b, connection: world.connectionB, sql))
                    }
                }
                #expect(error?.serverMessage?.contains("row-level security") == true, "\(table): \(error.map { "\($0)" } ?? "accepted")")
            }
            let remaining = try await world.owner.withConnection { sql in try world.tenantTables.map { try Self.count(sql, $0, tenant: world.b) } }
            #expect(remaining.reduce(0, +) >= RecordTable.all.count + 4)
        }
    }

    @Test("T7: the runtime role cannot create tables, switch off row-level security, drop policies or truncate")
    func privileges() async throws {
        try await Self.withWorld { world in
            let statements = [
                "CREATE TABLE sneaky (tenant_id uuid)", "ALTER TABLE users NO FORCE ROW LEVEL SECURITY",
                "ALTER TABLE users DISABLE ROW LEVEL SECURITY", "DROP POLICY users_tenant ON users", "TRUNCATE users",
                "ALTER ROLE CURRENT_USER BYPASSRLS",
            ]
            for statement in statements {
                let error = await #expect(throws: PGError.self) {
                    try await world.app.withTenant(world.a) { try $0.execute(PGQuery(unsafeSQL: statement)) }
                }
                let refused = error.map { $0.sqlState == "42501" || ($0.serverMessage ?? "").contains("must be owner") }
                #expect(refused == true, "\(statement): \(error.map { "\($0)" } ?? "accepted")")
            }
            let users = try await world.owner.withConnection { try Self.count($0, "users") }
            #expect(users == 2)
        }
    }

    @Test("T9: a row of tenant A cannot point at tenant B's connection, even for a role that bypasses RLS")
    func compositeForeignKeys() async throws {
        try await Self.withWorld { world in
            for table in ["users", "connection_streams"] {
                let error = await #expect(throws: PGError.self) {
                    try await world.owner.withConnection { sql in
                        if table == "users" {
                            try sql.execute(
                                """
                                INSERT INTO users (tenant_id, connection_id, remote_id, raw, content_hash)
                                VALUES (\(world.a), \(world.connectionB), 'cross', '{}', '\\x00')
                                """)
                        } else {
                            try sql.execute(
                                """
                                INSERT INTO connection_streams (tenant_id, connection_id, name, permitted)
                                VALUES (\(world.a), \(world.connectionB), 'cross', true)
                                """)
                        }
                    }
                }
                #expect(error?.sqlState == "23503", "\(table): \(error.map { "\($0)" } ?? "accepted")")
            }
        }
    }
}
