import ArgumentParser
import Foundation
import Postgres
import Store
import TetherApp
import TetherSettings

/// `tether migrate up|status`: applies or lists the migrations built into the binary (or those in
/// `TETHER_MIGRATIONS_DIR`) using `DATABASE_MIGRATION_URL` (default `DATABASE_URL`).
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply or list database migrations.",
        subcommands: [Up.self, Status.self])

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply every pending migration, each in its own transaction.")

        func run() async throws {
            try await withMigrator { migrator in
                let applied = try await migrator.migrate()
                for migration in applied { print("applied \(migration.fileName)") }
                print(applied.isEmpty ? "database is current" : "applied \(applied.count) migration(s)")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List applied and pending migrations; exits 1 when an applied file changed or is missing.")

        func run() async throws {
            let entries = try await withMigrator { try await $0.status() }
            let formatter = ISO8601DateFormatter()
            for entry in entries {
                let state: String =
                    switch entry.state {
                    case .applied(let at): "applied  \(formatter.string(from: at))"
                    case .pending: "pending"
                    case .changed: "CHANGED since applied"
                    case .missing: "MISSING file"
                    }
                print(String(format: "%04d  %@  %@", entry.version, entry.name.padding(toLength: 40, withPad: " ", startingAt: 0), state))
            }
            if entries.contains(where: { $0.state == .changed || $0.state == .missing }) { throw ExitCode(1) }
        }
    }
}

private func withMigrator<Result>(_ body: (Migrator) async throws -> Result) async throws -> Result {
    let settings = try Runtime.loadSettings()
    let logger = Runtime.makeLogger(settings)
    let migrations = try settings.migrations()
    let pool = Runtime.makePool(settings.migrationDatabaseURL, maximumConnections: 2, logger: logger)
    do {
        let result = try await body(Migrator(pool: pool, migrations: migrations, logger: logger))
        await pool.close()
        return result
    } catch {
        await pool.close()
        throw error
    }
}
