import Foundation
import Store
import TestSupport
import Testing

/// `tether api-keys create|list|revoke` as an operator runs them.
@Suite("API keys from the CLI", .enabled(if: TestDatabase.isAvailableOrRequired))
struct APIKeysCommandTests {
    @Test("create with an expiry, list without ever printing a key, revoke by id: the key stops authenticating")
    func createListRevoke() async throws {
        try await withSyncHarness { h in
            let environment = ["DATABASE_URL": h.databaseURL, "TETHER_VAULT_KEYS": h.vaultKeys, "TETHER_LOG_LEVEL": "error"]
            func tether(_ arguments: [String]) async throws -> (status: Int32?, output: String) {
                let process = try TetherProcess(arguments, environment: environment)
                let status = await process.exitStatus(within: .seconds(60))
                return (status, process.standardOutput + process.standardError)
            }
            let created = try await tether(["api-keys", "create", "--tenant", "acme", "--name", "ops", "--expires-at", "2099-01-01T00:00:00Z"])
            #expect(created.status == 0, "\(created.output)")
            let key = try #require(created.output.split(separator: "\n").last.map(String.init))
            #expect(try await APIKeys(pool: h.pool).authenticate(key) != nil)

            let listed = try await tether(["api-keys", "list", "--tenant", "acme"])
            #expect(listed.status == 0)
            #expect(listed.output.contains("ops") && listed.output.contains("expires 2099-01-01T00:00:00Z") && listed.output.contains("active"))
            #expect(!listed.output.contains(key), "the list never shows a key")
            let id = try #require(listed.output.split(separator: " ").first.map(String.init))

            let revoked = try await tether(["api-keys", "revoke", "--tenant", "acme", id])
            #expect(revoked.status == 0, "\(revoked.output)")
            #expect(try await APIKeys(pool: h.pool).authenticate(key) == nil, "revoked keys authenticate nothing")
            #expect(try await tether(["api-keys", "list", "--tenant", "acme"]).output.contains("revoked"))
            #expect(try await tether(["api-keys", "revoke", "--tenant", "acme", UUID().uuidString]).status != 0, "an unknown id is an error")
        }
    }
}
