public import Foundation
public import Postgres
import Sensitive
import Store

extension TestDatabase {
    /// The repository's SQL migrations.
    public static var migrationsDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../migrations").standardized
    }

    /// The role tests connect as to exercise row-level security: like production's runtime role, it is
    /// not a superuser and cannot bypass RLS (a superuser would see every tenant's rows).
    public static let appRole = "tether_test_app"

    /// A fresh, migrated database. `body` gets a pool that connects as ``appRole`` (subject to row-level
    /// security, as `tether serve` is) and the owner's pool and URL (a superuser, for setting up and inspecting).
    /// The acquire timeout only tells waiting from hanging: the whole suite runs side by side on two cores,
    /// and a test's burst of callers (fifty asking for one token at once) waited more than 10 s for one of
    /// its 8 connections in a clean-clone run.
    @discardableResult
    public static func withMigratedDatabase<Result>(
        maximumConnections: Int = 8, acquireTimeout: Duration = TestScale.bound(.seconds(30)),
        _ body: (_ app: PGPool, _ owner: PGPool, _ ownerURL: String) async throws -> Result
    ) async throws -> Result {
        try await withFreshDatabase(maximumConnections: 4) { owner, url in
            let migrator = Migrator(pool: owner, migrations: try Migration.load(from: migrationsDirectory), logger: logger)
            try await migrator.migrate()
            try await owner.withConnection { connection in
                try ensureConfinedRole(appRole, on: connection)
                try connection.executeScript(
                    """
                    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \(appRole);
                    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO \(appRole);
                    """)
            }
            var configuration = PGPool.Configuration(connectionString: Secret(appURL(url)))
            configuration.maximumConnections = maximumConnections
            configuration.acquireTimeout = acquireTimeout
            let app = PGPool(configuration: configuration, logger: logger)
            do {
                let result = try await body(app, owner, url)
                await app.close()
                return result
            } catch {
                await app.close()
                throw error
            }
        }
    }

    /// Creates login role `name`, without superuser or BYPASSRLS, unless it exists. Roles are cluster-wide
    /// and tests run in parallel: a race to create it is tolerated.
    public static func ensureConfinedRole(_ name: String, on connection: PGConnection) throws {
        try connection.executeScript(
            """
            DO $$ BEGIN
                CREATE ROLE \(name) LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
            END $$;
            """)
    }

    /// The runtime role's URL for the database of `url`: through PgBouncer (transaction mode) when
    /// `scripts/test` runs a suite behind it (`TETHER_TEST_PGBOUNCER_PORT`), else straight to PostgreSQL.
    /// Owners and superusers always connect directly (they create and drop databases).
    public static func appURL(_ url: String) -> String {
        let app = asRole(url, appRole)
        guard let port = ProcessInfo.processInfo.environment["TETHER_TEST_PGBOUNCER_PORT"].flatMap(Int.init),
            var components = URLComponents(string: app)
        else { return app }
        components.port = port
        return components.string ?? app
    }

    /// `url` with its user replaced by `role` (the test cluster trusts loopback connections).
    public static func asRole(_ url: String, _ role: String) -> String {
        guard var components = URLComponents(string: url), components.scheme?.hasPrefix("postgres") == true else {
            return url + " user=\(role)"
        }
        components.user = role
        components.password = nil
        return components.string!
    }
}
