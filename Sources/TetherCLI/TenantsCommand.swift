import ArgumentParser
import Foundation
import Sensitive
import Store

/// `tether tenants create SLUG [--name N]`.
struct TenantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tenants", abstract: "Manage tenants.", subcommands: [Create.self])

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
}
