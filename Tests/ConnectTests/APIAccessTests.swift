import CurlHTTP
import Foundation
import Postgres
import Store
import TestSupport
import Testing

/// SECURITY.md B7 and the row-level security the connect tables rely on.
@Suite("API keys and tenant isolation", .enabled(if: TestDatabase.isAvailableOrRequired))
struct APIAccessTests {
    @Test("a missing, malformed or unknown key gets the same generic 401; a tenant key sees only its tenant (404 elsewhere)")
    func authentication() async throws {
        try await withHarness { h in
            let (_, keyA) = try await h.makeTenant("acme")
            _ = try await h.makeTenant("beta")
            var bodies: Set<String> = []
            for key in [nil, "", "tether_" + String(repeating: "x", count: 43), "Basic abc", keyA + "x"] as [String?] {
                let response = try await h.api("GET", "/v1/tenants/acme/connections", key: key)
                #expect(response.status == 401)
                bodies.insert(response.bodyText)
            }
            #expect(bodies.count == 1, "\(bodies)")
            #expect(try await h.api("GET", "/v1/tenants/beta/connections", key: keyA).status == 404)
            #expect(try await h.api("GET", "/v1/tenants/nope/connections", key: keyA).status == 404)
            #expect(try await h.api("GET", "/v1/tenants/acme/connections", key: keyA).status == 200)
            #expect(try await h.api("POST", "/v1/tenants", key: keyA, json: ["slug": "gamma"]).status == 403)
            #expect(try await h.api("POST", "/v1/tenants", key: h.adminKey, json: ["slug": "Bad Slug"]).status == 400)
            #expect(try await h.api("POST", "/v1/tenants", key: h.adminKey, json: ["slug": "acme"]).status == 409)
        }
    }

    @Test("every table with a tenant_id has forced row-level security and a policy; unscoped reads see no tenant's rows")
    func rowLevelSecurity() async throws {
        try await withHarness { h in
            let lax = try await h.owner.withConnection { connection in
                try connection.query(
                    """
                    SELECT c.relname::text FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
                    WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
                      AND (NOT c.relrowsecurity OR NOT c.relforcerowsecurity
                           OR NOT EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = c.oid))
                    """
                ).map { try $0.decode(String.self, at: 0) }
            }
            #expect(lax.isEmpty, "tables without forced RLS: \(lax)")
            let (tables, forced) = try await h.owner.withConnection { connection in
                try connection.query(
                    """
                    SELECT count(*)::bigint, count(*) FILTER (WHERE c.relrowsecurity AND c.relforcerowsecurity)::bigint
                    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
                    WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
                    """)[0].decode((Int, Int).self)
            }
            let (superuser, bypassRLS) = try await h.app.withConnection { connection in
                try connection.query("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")[0].decode((Bool, Bool).self)
            }
            #expect(!superuser && !bypassRLS)
            Figures.record("rls.tenant_tables", tables)
            Figures.record("rls.forced", forced)
            Figures.record("rls.lint_violations", lax.count)
            Figures.record("rls.runtime_role", "superuser \(superuser), bypassrls \(bypassRLS)")
            let (tenant, key) = try await h.makeTenant("acme")
            var browser = Browser(h)
            _ = try await browser.connect(try await h.connectURL("acme", key: key))
            let (unscoped, other, own) = try await h.app.withTransaction { connection in
                let unscoped = try connection.query("SELECT count(*)::bigint FROM connection_credentials")[0].decode(Int.self, at: 0)
                try connection.scope(to: UUID())
                let other = try connection.query("SELECT count(*)::bigint FROM connections")[0].decode(Int.self, at: 0)
                try connection.scope(to: UUID(uuidString: tenant)!)
                let own = try connection.query("SELECT count(*)::bigint FROM connections")[0].decode(Int.self, at: 0)
                return (unscoped, other, own)
            }
            #expect(unscoped == 0)
            #expect(other == 0)
            #expect(own == 1)
        }
    }
}
