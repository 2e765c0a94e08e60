import ArgumentParser
import Credentials
import Foundation
import Sensitive
import Store
import TetherApp

/// `tether tenants create SLUG [--name N] | list | delete SLUG --purge`.
struct TenantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenants", abstract: "Manage tenants.", subcommands: [Create.self, List.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant; prints its id and slug.")

        @Argument(help: "The tenant's slug: [a-z0-9][a-z0-9-]{0,62}.")
        var slug: String

        @Option(help: "A display name (default: the slug).")
        var name: String?

        func run() async throws {
            let settings = try Runtime.loadSettings()
            let logger = Runtime.makeLogger(settings)
            let tenant = try await Runtime.withPool(settings, logger: logger) { pool in
                do {
                    return try await Tenants(pool: pool).create(slug: slug, name: name ?? slug)
                } catch let error as StoreError {
                    throw ValidationError(error.message)
                }
            }
            print("created tenant \(tenant.slug) (\(tenant.id.uuidString.lowercased()))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tenants: id, slug, name, created.")

        func run() async throws {
            let settings = try Runtime.loadSettings()
            let tenants = try await Runtime.withPool(settings, logger: Runtime.makeLogger(settings)) { try await Tenants(pool: $0).all() }
            let formatter = ISO8601DateFormatter()
            for tenant in tenants {
                print("\(tenant.id.uuidString.lowercased())\t\(tenant.slug)\t\(tenant.name)\t\(formatter.string(from: tenant.createdAt))")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Offboard a tenant: revoke its connections' tokens at the provider, then delete every row and credential it has.",
            discussion: "Prints the rows deleted per table. Nothing of the tenant is left; there is no undo, hence --purge.")

        @Argument(help: "The tenant (slug or id).")
        var tenant: String

        @Flag(help: "Required: confirms that every row of the tenant is to be deleted.")
        var purge = false

        func validate() throws {
            guard purge else { throw ValidationError("deleting a tenant removes all of its data and credentials: add --purge to confirm") }
        }

        func run() async throws {
            let settings = try Runtime.loadSettings()
            let logger = Runtime.makeLogger(settings)
            let deleted = try await Runtime.withComponents(settings, logger: logger) { components in
                guard let found = try await Tenants(pool: components.pool).find(tenant) else { throw ValidationError("no tenant \(tenant)") }
                // Tokens are revoked at the provider first (best effort), as disconnecting does.
                for connection in try await Connections(pool: components.pool).list(tenantID: found.id) {
                    _ = try await components.connect.disconnect(tenantID: found.id, connectionID: connection.id, purge: false)
                }
                return (found, try await TenantOffboarding(pool: components.pool).purge(tenantID: found.id))
            }
            for (table, rows) in deleted.1.sorted(by: { $0.key < $1.key }) { print("\(table)\t\(rows)") }
            print("deleted tenant \(deleted.0.slug) (\(deleted.0.id.uuidString.lowercased())) and \(deleted.1.values.reduce(0, +)) rows")
        }
    }
}
