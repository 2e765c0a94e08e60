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

    @Test("B7: the tenant comes from the key and the path, never from the query or the body: a tenant named there is refused")
    func tenantNeverFromQueryOrBody() async throws {
        try await withHarness { h in
            let (_, keyA) = try await h.makeTenant("acme")
            let (beta, _) = try await h.makeTenant("beta")
            #expect(try await h.api("GET", "/v1/tenants/acme/users?tenant_id=\(beta)", key: keyA).status == 400)
            #expect(try await h.api("GET", "/v1/tenants/acme/users?tenant=beta", key: keyA).status == 400)
            let posted = try await h.api(
                "POST", "/v1/tenants/acme/connect-sessions", key: keyA, json: ["provider": "zoom", "mode": "platform", "tenant_id": beta])
            #expect(posted.status == 400)
            let sessions = try await h.owner.withConnection { try $0.query("SELECT count(*) FROM connect_sessions")[0].decode(Int.self, at: 0) }
            #expect(sessions == 0)
        }
    }

    @Test("B7: an expired key gets the very same generic 401 as an unknown one")
    func expiredKeyIsGeneric401() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            let unknown = try await h.api("GET", "/v1/tenants/acme/connections", key: "tether_" + String(repeating: "y", count: 43))
            try await h.owner.withConnection { _ = try $0.query("UPDATE api_keys SET expires_at = now() - interval '1 second'") }
            let expired = try await h.api("GET", "/v1/tenants/acme/connections", key: key)
            #expect(expired.status == 401)
            #expect(expired.bodyText == unknown.bodyText)
        }
    }

    @Test("B11: a server error answers a generic 500: no SQL, SQLSTATE, table name or driver text")
    func serverErrorsAreGeneric() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            // This database only: the runtime role loses its read of one table, so the query fails.
            try await h.owner.withConnection { _ = try $0.query("REVOKE SELECT ON users FROM \(unescaped: TestDatabase.appRole)") }
            let response = try await h.api("GET", "/v1/tenants/acme/users", key: key)
            #expect(response.status == 500)
            #expect(response.bodyText.contains("internal_error"))
            for leak in ["permission", "42501", "users", "PG", "SELECT", "denied"] {
                #expect(!response.bodyText.contains(leak), "\(leak) in \(response.bodyText)")
            }
            #expect(response.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(response.header("X-Content-Type-Options") == "nosniff")
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
