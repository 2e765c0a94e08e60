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

/// `tether api-keys create (--tenant SLUG | --admin) [--name N]`: the key is printed once, on the last line.
struct APIKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "api-keys", abstract: "Manage API keys.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key. It is shown once, on the last line of output; only its hash is stored.")

        @Option(help: "The tenant (slug or id) the key reads and manages.")
        var tenant: String?

        @Flag(help: "Create an admin key, which manages tenants.")
        var admin = false

        @Option(help: "A label for the key.")
        var name = ""

        func validate() throws {
            guard (tenant != nil) != admin else { throw ValidationError("give exactly one of --tenant SLUG and --admin") }
        }

        func run() async throws {
            let settings = try Runtime.loadSettings()
            let logger = Runtime.makeLogger(settings)
            let (label, key) = try await Runtime.withPool(settings, logger: logger) { pool in
                var tenantID: UUID?
                var label = "admin key"
                if let tenant {
                    guard let found = try await Tenants(pool: pool).find(tenant) else { throw ValidationError("no tenant \(tenant)") }
                    tenantID = found.id
                    label = "key for tenant \(found.slug)"
                }
                do {
                    return (label, try await APIKeys(pool: pool).create(tenantID: tenantID, name: name).key)
                } catch let error as StoreError {
                    throw ValidationError(error.message)
                }
            }
            print("created \(label); store it now, it cannot be shown again:")
            print(key.unsafeValue)
        }
    }
}
