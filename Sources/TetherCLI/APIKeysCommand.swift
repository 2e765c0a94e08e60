import ArgumentParser
import Foundation
import Postgres
import Sensitive
import Store

/// `tether api-keys create|list|revoke`: keys are printed once, on the last line, when created; listed by id and prefix, never the key.
struct APIKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-keys", abstract: "Manage API keys.", subcommands: [Create.self, List.self, Revoke.self])

    /// `--tenant SLUG` or `--admin`: whose keys a subcommand works on.
    struct Owner: ParsableArguments {
        @Option(help: "The tenant (slug or id) whose keys these are.")
        var tenant: String?

        @Flag(help: "The admin keys.")
        var admin = false

        func validate() throws {
            guard (tenant != nil) != admin else { throw ValidationError("give exactly one of --tenant SLUG and --admin") }
        }

        /// The tenant's id (nil for admin keys) and how to name the owner.
        func resolve(_ pool: PGPool) async throws -> (tenantID: UUID?, label: String) {
            guard let tenant else { return (nil, "admin key") }
            guard let found = try await Tenants(pool: pool).find(tenant) else { throw ValidationError("no tenant \(tenant)") }
            return (found.id, "key for tenant \(found.slug)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List API keys: id, prefix, name, created, last used, expiry, revocation.")

        @OptionGroup var owner: Owner

        func run() async throws {
            let settings = try Runtime.loadSettings()
            let keys = try await Runtime.withPool(settings, logger: Runtime.makeLogger(settings)) { pool in
                try await APIKeys(pool: pool).list(tenantID: try await owner.resolve(pool).tenantID)
            }
            let formatter = ISO8601DateFormatter()
            func time(_ date: Date?) -> String { date.map(formatter.string(from:)) ?? "-" }
            for key in keys {
                let state =
                    key.revokedAt != nil ? "revoked \(time(key.revokedAt))" : key.expiresAt.map { $0 <= Date() ? "expired" : "active" } ?? "active"
                print(
                    "\(key.id.uuidString.lowercased())  \(key.prefix)…  \(key.name.isEmpty ? "-" : key.name)  created \(time(key.createdAt))  "
                        + "last used \(time(key.lastUsedAt))  expires \(time(key.expiresAt))  \(state)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API key: it answers 401 from the next request on.")

        @OptionGroup var owner: Owner

        @Argument(help: "The key's id (from `tether api-keys list`).")
        var id: String

        func run() async throws {
            guard let keyID = UUID(uuidString: id) else { throw ValidationError("\(id) is not a key id") }
            let settings = try Runtime.loadSettings()
            let revoked = try await Runtime.withPool(settings, logger: Runtime.makeLogger(settings)) { pool in
                try await APIKeys(pool: pool).revoke(tenantID: try await owner.resolve(pool).tenantID, id: keyID)
            }
            guard let revoked else { throw ValidationError("no such key \(id)") }
            print("revoked \(revoked.prefix)… (\(revoked.id.uuidString.lowercased()))")
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key. It is shown once, on the last line of output; only its hash is stored.")

        @Option(help: "The tenant (slug or id) the key reads and manages.")
        var tenant: String?

        @Flag(help: "Create an admin key, which manages tenants.")
        var admin = false

        @Option(help: "A label for the key.")
        var name = ""

        @Option(help: "When the key stops working, as an ISO 8601 time (2027-01-01T00:00:00Z); default never.")
        var expiresAt: String?

        func validate() throws {
            guard (tenant != nil) != admin else { throw ValidationError("give exactly one of --tenant SLUG and --admin") }
            if let expiresAt, ISO8601DateFormatter().date(from: expiresAt) == nil {
                throw ValidationError("--expires-at must be an ISO 8601 time such as 2027-01-01T00:00:00Z")
            }
        }

        func run() async throws {
            let expiry = expiresAt.flatMap { ISO8601DateFormatter().date(from: $0) }
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
                    return (label, try await APIKeys(pool: pool).create(tenantID: tenantID, name: name, expiresAt: expiry).key)
                } catch let error as StoreError {
                    throw ValidationError(error.message)
                }
            }
            print("created \(label); store it now, it cannot be shown again:")
            print(key.unsafeValue)
        }
    }
}
