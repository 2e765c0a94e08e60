import CurlHTTP
import Foundation
import Postgres
import Sensitive
import Store
import TestSupport
import Testing

/// SECURITY.md T8: the data API can read through a role that cannot read a single token, secret or key
/// hash (`DATABASE_API_URL`), and Tether refuses to use a role that could.
@Suite("The data API's read role (T8)", .enabled(if: TestDatabase.isAvailableOrRequired))
struct APIReadRoleTests {
    static let reader = "tether_test_api_reader"

    @Test("T8: with the data API on a reader role, lists answer as before, and that role's SELECT on every token table is permission denied")
    func readerRoleServesTheDataAPI() async throws {
        try await withHarness(dataAPIReaderRole: Self.reader) { h in
            let (tenant, key) = try await h.makeTenant("acme")
            _ = try await DataAPITests.seedUsers(h, tenant: tenant, count: 30)
            let users = try await h.api("GET", "/v1/tenants/acme/users?limit=1000", key: key)
            #expect(users.status == 200, "\(users.bodyText)")
            #expect((try h.object(users)["data"] as? [Any])?.count == 24, "30 users, 6 of them deleted")
            let readers = PGPool(
                configuration: .init(connectionString: Secret(TestDatabase.asRole(h.ownerURL, Self.reader))), logger: TestDatabase.logger)
            defer { Task { await readers.close() } }
            for table in DatabaseRole.secretTables {
                do {
                    _ = try await readers.withConnection { try $0.query(PGQuery(unsafeSQL: "SELECT * FROM \(table) LIMIT 1")) }
                    Issue.record("the reader role read \(table)")
                } catch let error as PGError {
                    #expect(error.sqlState == "42501", "\(table): \(error)")
                }
            }
            #expect(try await DatabaseRole.readableSecretTables(readers).isEmpty)
            #expect(try await DatabaseRole.readableSecretTables(h.app) == DatabaseRole.secretTables.sorted(), "the runtime role can")
        }
    }
}
