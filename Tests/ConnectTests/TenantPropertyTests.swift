import CurlHTTP
import Foundation
import Postgres
import TestSupport
import Testing

/// SECURITY.md T10 (and T4 over HTTP): random API calls by random tenants, at their own and at other
/// tenants' paths and ids, never answer with another tenant's data.
@Suite("Tenant isolation over HTTP, property test (T10)", .enabled(if: TestDatabase.isAvailableOrRequired))
struct TenantPropertyTests {
    struct World: Sendable {
        let slugs: [String]
        let keys: [String]
        /// Per tenant: its id, its connection's id, and ids of its rows (users, groups).
        let tenantIDs: [String]
        let connectionIDs: [String]
        let groupIDs: [[String]]
    }

    static func build(_ h: Harness) async throws -> World {
        var (slugs, keys, tenantIDs, connectionIDs, groupIDs) = ([String](), [String](), [String](), [String](), [[String]]())
        for index in 0..<3 {
            let slug = "tenant-\(index)"
            let (tenant, key) = try await h.makeTenant(slug)
            let connection = try await DataAPITests.seedUsers(h, tenant: tenant, count: 30)
            let groups = try await h.owner.withConnection { sql in
                try sql.query(
                    """
                    INSERT INTO groups (tenant_id, connection_id, remote_id, name, raw, content_hash)
                    SELECT \(UUID(uuidString: tenant)!), \(UUID(uuidString: connection)!), 'g' || i, 'Group ' || i, '{}', '\\x00'
                    FROM generate_series(0, 3) i RETURNING id
                    """
                ).map { try $0.decode(UUID.self, at: 0).uuidString.lowercased() }
            }
            slugs.append(slug)
            keys.append(key)
            tenantIDs.append(tenant)
            connectionIDs.append(connection)
            groupIDs.append(groups)
        }
        return World(slugs: slugs, keys: keys, tenantIDs: tenantIDs, connectionIDs: connectionIDs, groupIDs: groupIDs)
    }

    @Test("10,000 random calls by random tenants: no answer carries another tenant's id, and other tenants' resources answer 404")
    func randomCalls() async throws {
        try await withHarness { h in
            let world = try await Self.build(h)
            let calls = TestScale.cases(10_000)
            let violations = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var generator = SystemRandomNumberGenerator()
                        var found: [String] = []
                        for _ in 0..<(calls / 8) {
                            let caller = Int.random(in: 0..<3, using: &generator)
                            // Mostly its own tenant, sometimes another's slug or id, with ids from anyone.
                            let target = Int.random(in: 0..<5, using: &generator) == 0 ? Int.random(in: 0..<3, using: &generator) : caller
                            let slug = Bool.random(using: &generator) ? world.slugs[target] : world.tenantIDs[target]
                            let owner = Int.random(in: 0..<3, using: &generator)
                            let path = Self.randomPath(slug: slug, world: world, owner: owner, using: &generator)
                            let response = try await h.api("GET", path, key: world.keys[caller])
                            let body = response.bodyText
                            for other in 0..<3 where other != caller {
                                if body.contains(world.tenantIDs[other]) || body.contains(world.connectionIDs[other])
                                    || world.groupIDs[other].contains(where: body.contains)
                                {
                                    found.append("worker \(worker): tenant \(caller) saw tenant \(other)'s data at \(path)")
                                }
                            }
                            let foreign = target != caller || (path.contains("/connections/") || path.contains("/groups/")) && owner != caller
                            if foreign, response.status != 404 {
                                found.append("tenant \(caller) got \(response.status) for \(path)")
                            }
                            if !foreign, response.status != 200 {
                                found.append("tenant \(caller) got \(response.status) for its own \(path)")
                            }
                        }
                        return found
                    }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(violations.isEmpty, "\(violations.count) violations, e.g. \(violations.prefix(5))")
            Figures.record("rls.cross_tenant_calls", calls / 8 * 8)
            Figures.record("rls.cross_tenant_leaks", violations.count)
        }
    }

    static func randomPath(slug: String, world: World, owner: Int, using generator: inout SystemRandomNumberGenerator) -> String {
        let base = "/v1/tenants/\(slug)"
        switch Int.random(in: 0..<8, using: &generator) {
        case 0: return base + "/users?limit=\(Int.random(in: 1...50, using: &generator))"
        case 1: return base + "/users?include=raw&include_deleted=true&limit=10"
        case 2: return base + "/groups"
        case 3: return base + "/connections"
        case 4: return base + "/connections/\(world.connectionIDs[owner])"
        case 5: return base + "/connections/\(world.connectionIDs[owner])/sync-runs"
        case 6: return base + "/groups/\(world.groupIDs[owner].randomElement(using: &generator)!)/members"
        default: return base + "/events"
        }
    }
}
