import ArgumentParser
import Foundation
import Postgres
import Store
import TetherSettings

/// `tether sql-access grant|revoke ROLE`: gives an existing, non-superuser role (created by the operator,
/// with its own password) read access to the synced tables and the views, through the migration role that
/// owns them. Row-level security still applies: the role sees a tenant's rows only after
/// `set_config('app.tenant_id', …, true)` in its transaction.
struct SQLAccessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql-access",
        abstract: "Grant or revoke read-only SQL access to the synced tables and views.",
        subcommands: [Grant.self, Revoke.self])

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let ROLE read every synced table and view (rerun after migrations that add tables).")

        @Argument(help: "An existing role without SUPERUSER or BYPASSRLS.")
        var role: String

        func run() async throws {
            let role = role
            let granted = try await withMigrationConnection { try SQLAccess.grant(to: role, on: $0) }
            print("granted SELECT on \(granted.count) tables and views to \(role)")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take back what grant gave ROLE.")

        @Argument(help: "The role to revoke from.")
        var role: String

        func run() async throws {
            let role = role
            try await withMigrationConnection { try SQLAccess.revoke(from: role, on: $0) }
            print("revoked SELECT on the synced tables and views from \(role)")
        }
    }
}

/// Runs `body` on one connection of `DATABASE_MIGRATION_URL`, reporting a refusal as a one-line error.
private func withMigrationConnection<Result: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> Result) async throws -> Result {
    let settings = try Runtime.loadSettings()
    let pool = Runtime.makePool(settings.migrationDatabaseURL, maximumConnections: 1, logger: Runtime.makeLogger(settings))
    do {
        let result = try await pool.withTransaction { try body($0) }
        await pool.close()
        return result
    } catch let error as StoreError {
        await pool.close()
        throw ValidationError(error.message)
    } catch {
        await pool.close()
        throw error
    }
}
