import CurlHTTP
import Foundation
import Postgres
import TestSupport
import Testing

/// The data routes over real HTTP: keyset pages, filters, deleted rows, raw JSON, strict parameters and
/// tenant isolation.
@Suite("Data API", .enabled(if: TestDatabase.isAvailableOrRequired))
struct DataAPITests {
    /// A connection for `tenant` and `count` users: every third pending, every fifth deleted, user 7 with
    /// a capitalised email, users in group `g(i % 4)`, logins spread over the last 100 days.
    static func seedUsers(_ h: Harness, tenant: String, count: Int) async throws -> String {
        let connection = UUID()
        try await h.owner.withConnection { sql in
            try sql.execute(
                """
                INSERT INTO connections (tenant_id, id, provider, mode, status, external_account_id, client_id)
                VALUES (\(UUID(uuidString: tenant)!), \(connection), 'zoom', 'server_to_server', 'active', \(tenant), 'client')
                """)
            try sql.execute(
                """
                INSERT INTO users (tenant_id, connection_id, remote_id, email, first_name, status, license_type, role_id, group_ids,
                                   last_login_at, raw, content_hash, updated_at, deleted_at)
                SELECT \(UUID(uuidString: tenant)!), \(connection), 'u' || i,
                       CASE WHEN i = 7 THEN 'Seven@Example.com' ELSE 'user' || i || '@example.com' END, 'User ' || i,
                       CASE WHEN i % 3 = 0 THEN 'pending' ELSE 'active' END, CASE WHEN i % 2 = 0 THEN 'licensed' ELSE 'basic' END,
                       '2', ARRAY['g' || (i % 4)], timestamptz '2026-11-01T00:00:00Z' - i * interval '1 day',
                       jsonb_build_object('id', 'u' || i), '\\x00',
                       -- Runs of equal timestamps, so the id breaks ties across page boundaries.
                       timestamptz '2026-11-20T00:00:00Z' + (i / 7) * interval '1.5 microsecond',
                       CASE WHEN i % 5 = 0 THEN now() END
                FROM generate_series(1, \(count)) AS i
                """)
        }
        return connection.uuidString.lowercased()
    }

    func page(_ h: Harness, _ path: String, key: String) async throws -> (rows: [[String: Any]], next: String?) {
        let response = try await h.api("GET", path, key: key)
        #expect(response.status == 200, "\(path): \(response.bodyText.prefix(300))")
        let object = try h.object(response)
        return ((object["data"] as? [[String: Any]]) ?? [], object["next_cursor"] as? String)
    }

    @Test("users page by keyset: every live user exactly once, in (updated_at, id) order, with the documented fields")
    func pagination() async throws {
        try await withHarness { h in
            let (tenant, key) = try await h.makeTenant("acme")
            let connection = try await Self.seedUsers(h, tenant: tenant, count: 250)
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let (rows, next) = try await page(h, "/v1/tenants/acme/users?limit=70" + (cursor.map { "&cursor=\($0)" } ?? ""), key: key)
                seen += rows.compactMap { $0["remote_id"] as? String }
                cursor = next
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen.count == 200 && Set(seen).count == 200, "live users: every fifth of 250 is deleted")
            let first = try #require(try await page(h, "/v1/tenants/acme/users?limit=1", key: key).rows.first)
            #expect(
                Set(first.keys) == [
                    "id", "connection_id", "remote_id", "email", "first_name", "last_name", "display_name", "status", "license_type", "role_id",
                    "department", "job_title", "timezone", "group_ids", "last_login_at", "created_remote_at", "sub_account_id", "presence_status",
                    "deleted",
                    "deleted_at",
                    "updated_at",
                ])
            #expect(first["connection_id"] as? String == connection)
            let index = try #require(Int((first["remote_id"] as? String ?? "").dropFirst()))
            #expect((1...6).contains(index), "the oldest run of equal timestamps comes first")
            #expect(first["group_ids"] as? [String] == ["g\(index % 4)"])
            #expect(first["last_login_at"] as? String == "2026-10-\(32 - index)T00:00:00Z")
            #expect(first["deleted"] as? Bool == false && first["deleted_at"] is NSNull)
            #expect(first["raw"] == nil)
        }
    }

    @Test("filters narrow the list: email ignoring case, status, license type, group, last login, deleted rows, raw JSON")
    func filters() async throws {
        try await withHarness { h in
            let (tenant, key) = try await h.makeTenant("acme")
            let connection = try await Self.seedUsers(h, tenant: tenant, count: 60)
            func count(_ query: String) async throws -> Int { try await page(h, "/v1/tenants/acme/users?limit=1000&" + query, key: key).rows.count }
            #expect(try await count("email=seven@EXAMPLE.com") == 1)
            #expect(try await count("status=pending") == 16)  // multiples of 3 up to 60, less those of 15
            #expect(try await count("license_type=licensed") == 24)
            #expect(try await count("group_id=g2") == 12)
            #expect(try await count("last_login_before=2026-10-02T00:00:00Z") == 24)  // users 31…60 less deleted
            #expect(try await count("include_deleted=true") == 60)
            #expect(try await count("connection_id=\(connection)&status=active&license_type=basic") == 16)
            #expect(try await count("connection_id=\(UUID().uuidString)") == 0)
            #expect(try await count("updated_since=2030-01-01T00:00:00Z") == 0)
            let deleted = try await page(h, "/v1/tenants/acme/users?include_deleted=true&limit=1000&email=user5@example.com", key: key).rows
            #expect(deleted.first?["deleted"] as? Bool == true && deleted.first?["deleted_at"] is String)
            let raw = try await page(h, "/v1/tenants/acme/users?include=raw&limit=1", key: key).rows.first?["raw"] as? [String: Any]
            #expect(raw?["id"] as? String != nil)
        }
    }

    @Test("bad parameters get 400 naming the parameter; another tenant's data is invisible; the other lists answer")
    func refusalsAndIsolation() async throws {
        try await withHarness { h in
            let (tenant, key) = try await h.makeTenant("acme")
            _ = try await Self.seedUsers(h, tenant: tenant, count: 10)
            let (otherTenant, otherKey) = try await h.makeTenant("globex")
            _ = try await Self.seedUsers(h, tenant: otherTenant, count: 3)
            let refusals = [
                "limit=0": "limit", "limit=1001": "limit", "limit=ten": "limit", "cursor=abc": "cursor", "cursor=v1.x.y": "cursor",
                "updated_since=yesterday": "updated_since", "include_deleted=yes": "include_deleted", "connection_id=42": "connection_id",
                "include=secrets": "include", "status=gone": "status", "license_type=gold": "license_type", "emial=x": "emial",
                "limit=5&limit=6": "limit", "last_login_before=soon": "last_login_before",
            ]
            for (query, parameter) in refusals {
                let response = try await h.api("GET", "/v1/tenants/acme/users?" + query, key: key)
                #expect(response.status == 400, "\(query)")
                #expect(response.bodyText.contains(parameter), "\(query): \(response.bodyText)")
            }
            Figures.count("input.api_cases", refusals.count)
            #expect(try await page(h, "/v1/tenants/globex/users?limit=1000", key: otherKey).rows.count == 3)
            #expect(try await h.api("GET", "/v1/tenants/acme/users", key: otherKey).status == 404)
            #expect(try await h.api("GET", "/v1/tenants/acme/users", key: nil).status == 401)
            for path in [
                "groups", "roles", "sub-accounts", "billing/plan-usage", "billing/plans", "billing/invoices", "reports/daily-usage",
                "reports/active-hosts", "reports/sign-ins", "reports/operation-logs", "reports/billing", "reports/telephone",
                "phone/users", "phone/calling-plans", "phone/call-history", "rooms", "rooms/devices", "rooms/locations",
            ] {
                let (rows, next) = try await page(h, "/v1/tenants/acme/\(path)", key: key)
                #expect(rows.isEmpty && next == nil, "\(path)")
            }
        }
    }

    @Test("group members: Tether's group id, users resolved to Tether's ids, pages, deleted members on request, 404 elsewhere")
    func groupMembers() async throws {
        try await withHarness { h in
            let (tenant, key) = try await h.makeTenant("acme")
            let connection = try await Self.seedUsers(h, tenant: tenant, count: 12)
            let (otherTenant, otherKey) = try await h.makeTenant("globex")
            _ = try await Self.seedUsers(h, tenant: otherTenant, count: 1)
            try await h.owner.withConnection { sql in
                let tenantID = UUID(uuidString: tenant)!, connectionID = UUID(uuidString: connection)!
                try sql.execute(
                    """
                    INSERT INTO groups (tenant_id, connection_id, remote_id, name, raw, content_hash)
                    VALUES (\(tenantID), \(connectionID), 'g1', 'Sales', '{}', '\\x00')
                    """)
                // Users 1…12 (user 12 never synced as a user: 'u99'), member 3 removed from the group.
                try sql.execute(
                    """
                    INSERT INTO group_members (tenant_id, connection_id, remote_id, group_remote_id, user_remote_id, email, raw, content_hash, deleted_at)
                    SELECT \(tenantID), \(connectionID), 'g1:' || u, 'g1', u, u || '@example.com', '{}', '\\x00', CASE WHEN u = 'u3' THEN now() END
                    FROM unnest(ARRAY['u1','u2','u3','u4','u5','u6','u7','u8','u9','u10','u11','u99']) AS u
                    """)
            }
            let groups = try await page(h, "/v1/tenants/acme/groups", key: key).rows
            let groupID = try #require(groups.first?["id"] as? String)
            #expect(groups.first?["name"] as? String == "Sales")
            var members: [[String: Any]] = []
            var cursor: String?
            repeat {
                let (rows, next) = try await page(
                    h, "/v1/tenants/acme/groups/\(groupID)/members?limit=5" + (cursor.map { "&cursor=\($0)" } ?? ""), key: key)
                members += rows
                cursor = next
            } while cursor != nil && members.count < 50
            #expect(members.count == 11)
            #expect(Set(members.compactMap { $0["remote_user_id"] as? String }).count == 11)
            #expect(!members.contains { $0["remote_user_id"] as? String == "u3" })
            #expect(members.first { $0["remote_user_id"] as? String == "u99" }?["user_id"] is NSNull)
            let u1 = try #require(members.first { $0["remote_user_id"] as? String == "u1" })
            #expect(Set(u1.keys) == ["user_id", "remote_user_id", "email", "first_name", "last_name", "deleted"])
            let users = try await page(h, "/v1/tenants/acme/users?email=user1@example.com", key: key).rows
            #expect(u1["user_id"] as? String == users.first?["id"] as? String)
            #expect(try await page(h, "/v1/tenants/acme/groups/\(groupID)/members?include_deleted=true&limit=100", key: key).rows.count == 12)
            #expect(try await h.api("GET", "/v1/tenants/acme/groups/\(UUID())/members", key: key).status == 404)
            #expect(try await h.api("GET", "/v1/tenants/acme/groups/not-an-id/members", key: key).status == 404)
            #expect(try await h.api("GET", "/v1/tenants/globex/groups/\(groupID)/members", key: otherKey).status == 404)
            #expect(try await h.api("GET", "/v1/tenants/acme/groups/\(groupID)/members?status=active", key: key).status == 400)
            #expect(try await h.api("GET", "/v1/tenants/acme/roles/\(groupID)/members", key: key).status == 404)
        }
    }
}
