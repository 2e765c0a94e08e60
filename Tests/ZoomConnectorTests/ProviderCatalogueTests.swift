import Connectors
import Postgres
import TestSupport
import Testing
import ZoomConnector
import ZoomSandbox

/// The SQL views learn a provider's owner and admin roles and its seat plans from the `provider_` tables,
/// which migrations fill; this holds those rows to the connector's own catalogue, so they cannot drift apart.
@Suite("The provider catalogue in the database", .enabled(if: TestDatabase.isAvailableOrRequired))
struct ProviderCatalogueTests {
    @Test("provider_account_roles and provider_seat_plans hold exactly the Zoom connector's owner and admin roles and seat plans")
    func rolesMatchTheConnector() async throws {
        let zoom = ZoomConnector(configuration: .init(), http: SandboxTransport(sandbox: try ZoomSandbox()))
        let (roles, seatPlans) = try await TestDatabase.withMigratedDatabase { _, owner, _ in
            try await owner.withConnection { sql in
                (
                    try sql.query("SELECT role_id, kind, name FROM provider_account_roles WHERE provider = \(zoom.provider) ORDER BY role_id").map {
                        AccountRole(
                            id: try $0.decode(column: "role_id"), kind: AccountRole.Kind(rawValue: try $0.decode(column: "kind")) ?? .admin,
                            name: try $0.decode(column: "name"))
                    },
                    try sql.query("SELECT plan FROM provider_seat_plans WHERE provider = \(zoom.provider) ORDER BY plan").map {
                        try $0.decode(String.self, column: "plan")
                    }
                )
            }
        }
        #expect(roles == zoom.accountRoles.sorted { $0.id < $1.id })
        #expect(zoom.accountRoles.contains { $0.kind == .owner })
        #expect(seatPlans == zoom.seatPlans.sorted())
    }
}
