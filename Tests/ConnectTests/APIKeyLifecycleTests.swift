import CurlHTTP
import Foundation
import Postgres
import TestSupport
import Testing

/// API keys can be listed, revoked and made to expire, effective at once (issue 18, finding 6).
@Suite("API key revocation and expiry", .enabled(if: TestDatabase.isAvailableOrRequired))
struct APIKeyLifecycleTests {
    @Test("a revoked key answers 401 on its next request; the listing shows it revoked and never a key or hash")
    func revocationIsImmediate() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            let spare = try h.object(try await h.api("POST", "/v1/tenants/acme/api-keys", key: h.adminKey, json: ["name": "spare"]))
            let spareKey = try #require(spare["key"] as? String)
            #expect(try await h.api("GET", "/v1/tenants/acme/users", key: spareKey).status == 200)

            let revoked = try await h.api("DELETE", "/v1/tenants/acme/api-keys/\(try #require(spare["id"] as? String))", key: key)
            #expect(revoked.status == 200)
            #expect(try h.object(revoked)["revoked_at"] is String)
            #expect(try await h.api("GET", "/v1/tenants/acme/users", key: spareKey).status == 401, "revoked at once")
            #expect(try await h.api("GET", "/v1/tenants/acme/users", key: key).status == 200, "the other key still works")

            let listing = try await h.api("GET", "/v1/tenants/acme/api-keys", key: key)
            let keys = try #require(try h.object(listing)["data"] as? [[String: Any]])
            #expect(keys.count == 2)
            #expect(keys.filter { $0["revoked_at"] is String }.count == 1)
            #expect(!listing.bodyText.contains(spareKey) && !listing.bodyText.contains(key), "no key in a listing")
            #expect(keys.allSatisfy { ($0["key_prefix"] as? String)?.hasPrefix("tether_") == true && $0["key"] == nil && $0["key_hash"] == nil })
            #expect(keys.contains { $0["last_used_at"] is String }, "use is noted")
        }
    }

    @Test("a key past its expires_at answers 401; expires_at in the past or unreadable is refused when creating")
    func expiry() async throws {
        try await withHarness { h in
            _ = try await h.makeTenant("acme")
            let soon = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3_600))
            let created = try h.object(try await h.api("POST", "/v1/tenants/acme/api-keys", key: h.adminKey, json: ["expires_at": soon]))
            #expect(created["expires_at"] as? String == soon)
            let key = try #require(created["key"] as? String)
            let idText = try #require(created["id"] as? String)
            let id = try #require(UUID(uuidString: idText))
            #expect(try await h.api("GET", "/v1/tenants/acme/users", key: key).status == 200)
            try await h.owner.withConnection { sql in
                _ = try sql.execute(
                    "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = \(id)")
            }
            #expect(try await h.api("GET", "/v1/tenants/acme/users", key: key).status == 401, "expired keys authenticate nothing")
            for bad in ["2001-01-01T00:00:00Z", "tomorrow"] {
                #expect(try await h.api("POST", "/v1/tenants/acme/api-keys", key: h.adminKey, json: ["expires_at": bad]).status == 400, "\(bad)")
            }
        }
    }

    @Test("a tenant's key cannot see or revoke another tenant's keys")
    func tenantsAreApart() async throws {
        try await withHarness { h in
            let (_, keyA) = try await h.makeTenant("alpha")
            let (_, keyB) = try await h.makeTenant("beta")
            let listedB = try h.object(try await h.api("GET", "/v1/tenants/beta/api-keys", key: keyB))["data"] as? [[String: Any]]
            let idB = try #require(listedB?.first?["id"] as? String)
            #expect(try await h.api("GET", "/v1/tenants/beta/api-keys", key: keyA).status == 404)
            #expect(try await h.api("DELETE", "/v1/tenants/alpha/api-keys/\(idB)", key: keyA).status == 404, "B's key is not A's to revoke")
            #expect(try await h.api("DELETE", "/v1/tenants/beta/api-keys/\(idB)", key: keyA).status == 404)
            #expect(try await h.api("GET", "/v1/tenants/beta/users", key: keyB).status == 200, "B's key still works")
        }
    }
}
