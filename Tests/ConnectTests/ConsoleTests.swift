import Credentials
import CurlHTTP
import Foundation
import Postgres
import Sensitive
import Store
import TestSupport
import Testing
import ZoomSandbox

/// The operator console over real HTTP (DESIGN §6.3): sign-in with an admin key only, a Strict HttpOnly
/// session of 12 hours at most, CSRF on every POST, and the three buttons doing what they say.
// Serialized: each test runs a server, a sandbox and a worker; seven at once add nothing but load.
@Suite("Operator console", .serialized, .enabled(if: TestDatabase.isAvailableOrRequired))
struct ConsoleTests {
    /// A browser signed in (or trying to) to the console.
    struct Operator {
        var browser: Browser
        /// The CSRF field of the last console page shown.
        var csrf = ""

        init(_ h: Harness) { browser = Browser(h) }

        mutating func signIn(_ key: String) async throws -> HTTPClientResponse {
            let page = try await browser.send("GET", browser.harness.base + "/console/sign-in")
            #expect(page.status == 200)
            return try await browser.send("POST", browser.harness.base + "/console/sign-in", form: [("key", key)])
        }

        mutating func get(_ path: String) async throws -> HTTPClientResponse {
            let page = try await browser.send("GET", browser.harness.base + path)
            if let range = page.bodyText.range(of: #"name="csrf" value=""#) {
                csrf = String(page.bodyText[range.upperBound...].prefix { $0 != "\"" })
            }
            return page
        }

        /// Posts a console form; `csrf: nil` leaves the token out, as a forged form would.
        mutating func post(_ path: String, csrf: String?) async throws -> HTTPClientResponse {
            try await browser.send("POST", browser.harness.base + path, form: csrf.map { [("csrf", $0)] } ?? [])
        }

        var sessionCookie: String? { browser.cookies["tether_console"] }
    }

    /// The sandbox of tests that sync: no rate limits, since their worker does not pace itself.
    static func unlimited(_ configuration: inout SandboxConfiguration) { configuration.rateLimits = false }

    func sessions(_ h: Harness) async throws -> Int {
        try await h.owner.withConnection { try $0.query("SELECT count(*)::bigint FROM console_sessions")[0].decode(Int.self, at: 0) }
    }

    /// A tenant with an active platform connection to the sandbox's first account, synced once. The pages
    /// are what these tests are about, so the sync is not paced (the harness is made with ``unlimited``): a
    /// Pro account's Resource-intensive calls are spaced 6 s apart, and the connect sync makes several.
    /// The walk of every page syncs paced, so the rate-limit page has the account's use to show.
    func syncedTenant(_ h: Harness, _ slug: String, paced: Bool = false) async throws -> (key: String, connectionID: String) {
        let (_, key) = try await h.makeTenant(slug)
        var browser = Browser(h)
        let callback = try await browser.connect(try await h.connectURL(slug, key: key))
        let connectionID = try #require(callback.locationParameters["connection_id"])
        try await h.runSyncWorker(paced: paced) {
            let runs = try h.object(try await h.api("GET", "/v1/tenants/\(slug)/connections/\(connectionID)/sync-runs", key: key))
            return (runs["data"] as? [[String: Any]])?.contains { ["succeeded", "partial"].contains($0["status"] as? String) } == true
        }
        return (key, connectionID)
    }

    @Test("an admin key signs in to a Strict, HttpOnly session of 12 hours; every page answers and none shows a key, token or secret")
    func signInAndWalk() async throws {
        try await withHarness(sandbox: Self.unlimited) { h in
            let (tenantKey, connectionID) = try await syncedTenant(h, "acme", paced: true)
            var console = Operator(h)
            let signedIn = try await console.signIn(h.adminKey)
            #expect(signedIn.status == 303 && signedIn.header("location") == "/console/tenants")
            let cookie = try #require(signedIn.headers.first { $0.name.lowercased() == "set-cookie" && $0.value.hasPrefix("tether_console=") }?.value)
            #expect(
                cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Max-Age=43200") && cookie.contains("Path=/"))
            #expect(try await sessions(h) == 1)

            var pages: [String: String] = [:]
            for path in [
                "/console/tenants", "/console/tenants/acme", "/console/tenants/acme/connections/\(connectionID)", "/console/queue",
                "/console/rate-limits", "/console/events",
            ] {
                let page = try await console.get(path)
                #expect(page.status == 200, "\(path): \(page.status)")
                #expect(page.header("content-security-policy")?.contains("form-action 'self'") == true)
                pages[path] = page.bodyText
            }
            #expect(pages["/console/tenants"]?.contains("href=\"/console/tenants/acme\"") == true)
            #expect(pages["/console/tenants"]?.contains("healthy") == true)
            let connectionPage = try #require(pages["/console/tenants/acme/connections/\(connectionID)"])
            #expect(connectionPage.contains("<svg class=\"run-chart\"") && connectionPage.contains("class=\"chip good\">succeeded"))
            #expect(connectionPage.contains("Sync now") && !connectionPage.contains("Create a re-auth link"))
            #expect(pages["/console/rate-limits"]?.contains(h.account.id) == true, "the synced account's use is shown")
            #expect(pages["/console/events"]?.contains("sync_run.finished") == true)

            // Sentinel scan: keys, the connection's live tokens and every app secret stay out of every page.
            let access = try await h.tokens.accessToken(
                tenantID: UUID(uuidString: try tenantID(h, "acme"))!, connectionID: UUID(uuidString: connectionID)!)
            let sentinels = [
                h.adminKey, tenantKey, access.unsafeValue, h.platformApp.clientSecret, h.customApp().clientSecret, Harness.webhookSecret,
            ]
            for (path, html) in pages {
                for sentinel in sentinels { #expect(!html.contains(sentinel), "\(path) shows a secret") }
            }
        }
    }

    func tenantID(_ h: Harness, _ slug: String) async throws -> String {
        try h.object(try await h.api("GET", "/v1/tenants/\(slug)", key: h.adminKey))["id"] as? String ?? ""
    }

    @Test("a tenant key, an unknown key or a sign-in form without its cookie and field opens no session")
    func signInRefusals() async throws {
        try await withHarness { h in
            let (_, tenantKey) = try await h.makeTenant("acme")
            var console = Operator(h)
            let tenant = try await console.signIn(tenantKey)
            #expect(tenant.status == 403 && tenant.bodyText.contains("tenant API key cannot sign in"))
            let unknown = try await console.signIn("tether_" + String(repeating: "x", count: 43))
            #expect(unknown.status == 401 && !unknown.bodyText.contains("xxxxxxxx"), "the key is not echoed")
            // A form posted from another site: no form cookie, no field.
            var forger = Operator(h)
            let forged = try await forger.post("/console/sign-in", csrf: nil)
            #expect(forged.status == 403)
            let withKey = try await h.http.execute(
                HTTPClientRequest(
                    method: "POST", url: h.base + "/console/sign-in", headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded")],
                    body: Array("key=\(h.adminKey)".utf8)))
            #expect(withKey.status == 403, "even the right key needs the form's token")
            #expect(try await sessions(h) == 0)
            #expect(try await forger.get("/console/tenants").header("location") == "/console/sign-in")
        }
    }

    @Test("a console POST without its session's CSRF token, or with another's, does nothing")
    func postsNeedTheSessionsToken() async throws {
        try await withHarness(sandbox: Self.unlimited) { h in
            let (key, connectionID) = try await syncedTenant(h, "acme")
            var console = Operator(h)
            _ = try await console.signIn(h.adminKey)
            var other = Operator(h)
            _ = try await other.signIn(h.adminKey)
            _ = try await other.get("/console/tenants")
            _ = try await console.get("/console/tenants/acme/connections/\(connectionID)")
            let runsBefore = try await runCount(h, "acme", connectionID, key)
            let path = "/console/tenants/acme/connections/\(connectionID)/sync"
            for csrf in [nil, "", other.csrf, String(console.csrf.reversed())] as [String?] {
                let refused = try await console.post(path, csrf: csrf)
                #expect(refused.status == 403, "\(csrf ?? "none")")
            }
            #expect(try await runCount(h, "acme", connectionID, key) == runsBefore)
            let queued = try await console.post(path, csrf: console.csrf)
            #expect(queued.status == 303 && queued.header("location")?.hasSuffix("?notice=sync-queued") == true)
            #expect(try await runCount(h, "acme", connectionID, key) == runsBefore + 1)
            let again = try await console.post(path, csrf: console.csrf)
            #expect(again.header("location")?.hasSuffix("?notice=sync-in-flight") == true, "a sync in flight is not queued twice")
            #expect(try await runCount(h, "acme", connectionID, key) == runsBefore + 1)
            let page = try await console.get(try #require(again.header("location")))
            #expect(page.bodyText.contains("already queued or running"))
        }
    }

    func runCount(_ h: Harness, _ slug: String, _ connectionID: String, _ key: String) async throws -> Int {
        let runs = try h.object(try await h.api("GET", "/v1/tenants/\(slug)/connections/\(connectionID)/sync-runs", key: key))
        return (runs["data"] as? [Any])?.count ?? -1
    }

    @Test("a session past 12 hours, signed out, or whose admin key was revoked opens nothing")
    func sessionsEnd() async throws {
        try await withHarness { h in
            _ = try await h.makeTenant("acme")
            // Past 12 hours.
            var expired = Operator(h)
            _ = try await expired.signIn(h.adminKey)
            #expect(try await expired.get("/console/tenants").status == 200)
            try await h.owner.withConnection { sql in
                try sql.execute(
                    "UPDATE console_sessions SET created_at = now() - interval '12 hours 1 minute', expires_at = now() - interval '1 minute'")
            }
            #expect(try await expired.get("/console/tenants").header("location") == "/console/sign-in")
            #expect(try await expired.post("/console/tenants/acme/api-keys/\(UUID())/revoke", csrf: expired.csrf).status == 401)

            // Signed out: the old cookie, replayed, opens nothing.
            var leaving = Operator(h)
            _ = try await leaving.signIn(h.adminKey)
            _ = try await leaving.get("/console/tenants")
            let cookie = try #require(leaving.sessionCookie)
            #expect(try await leaving.post("/console/sign-out", csrf: leaving.csrf).header("location") == "/console/sign-in")
            leaving.browser.cookies["tether_console"] = cookie
            #expect(try await leaving.get("/console/tenants").header("location") == "/console/sign-in")

            // The admin key revoked: its sessions end with it.
            let second = try await APIKeys(pool: h.app).create(tenantID: nil, name: "operator")
            var revoked = Operator(h)
            _ = try await revoked.signIn(second.key.unsafeValue)
            #expect(try await revoked.get("/console/tenants").status == 200)
            _ = try await APIKeys(pool: h.app).revoke(tenantID: nil, id: second.id)
            #expect(try await revoked.get("/console/tenants").header("location") == "/console/sign-in")
        }
    }

    @Test("revoking a tenant's API key in the console makes it answer 401 at once")
    func revokeAPIKey() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            #expect(try await h.api("GET", "/v1/tenants/acme/connections", key: key).status == 200)
            let id = try #require(try await APIKeys(pool: h.app).list(tenantID: UUID(uuidString: try tenantID(h, "acme"))!).first?.id)
            var console = Operator(h)
            _ = try await console.signIn(h.adminKey)
            let tenantPage = try await console.get("/console/tenants/acme")
            #expect(tenantPage.bodyText.contains("/console/tenants/acme/api-keys/\(id.uuidString.lowercased())/revoke"))
            let revoked = try await console.post("/console/tenants/acme/api-keys/\(id.uuidString.lowercased())/revoke", csrf: console.csrf)
            #expect(revoked.status == 303 && revoked.header("location") == "/console/tenants/acme?notice=key-revoked")
            #expect(try await h.api("GET", "/v1/tenants/acme/connections", key: key).status == 401)
            let after = try await console.get(try #require(revoked.header("location")))
            #expect(after.bodyText.contains("class=\"chip neutral\">revoked") && after.bodyText.contains("was revoked"))
            // Another tenant's key id under this tenant's path: not found, nothing revoked.
            #expect(try await console.post("/console/tenants/acme/api-keys/\(UUID())/revoke", csrf: console.csrf).status == 404)
        }
    }

    @Test("a connection that needs re-auth shows it, and its re-auth link reconnects the same connection")
    func reauthLinkFixesABrokenConnection() async throws {
        try await withHarness(sandbox: Self.unlimited) { h in
            let (key, connectionID) = try await syncedTenant(h, "acme")
            let tenant = try #require(UUID(uuidString: try await tenantID(h, "acme")))
            try await h.connections.setStatus(tenantID: tenant, id: UUID(uuidString: connectionID)!, status: .needsReauth, reason: "invalid_grant")
            var console = Operator(h)
            _ = try await console.signIn(h.adminKey)
            #expect(try await console.get("/console/tenants").bodyText.contains("needs attention"))
            let path = "/console/tenants/acme/connections/\(connectionID)"
            let page = try await console.get(path)
            #expect(page.bodyText.contains("class=\"chip bad\">needs re-auth") && page.bodyText.contains("Create a re-auth link"))
            #expect(!page.bodyText.contains("Sync now"), "a connection that needs re-auth cannot sync")
            let created = try await console.post(path + "/reauth-link", csrf: console.csrf)
            #expect(created.status == 201)
            let range = try #require(created.bodyText.range(of: #"readonly value=""#))
            let link = String(created.bodyText[range.upperBound...].prefix { $0 != "\"" })
            #expect(link.hasPrefix(Harness.publicURL + "/connect/"))

            var admin = Browser(h)
            let callback = try await admin.connect(link)
            #expect(callback.locationParameters["connection_id"] == connectionID, "the same connection, restored")
            let connection = try h.object(try await h.api("GET", "/v1/tenants/acme/connections/\(connectionID)", key: key))
            #expect(connection["status"] as? String == "active")
            #expect(try await console.get(path).bodyText.contains("Sync now"))
        }
    }

    @Test("rate-limit use is counted per account and category today, and starts again the next UTC day")
    func rateUseToday() async throws {
        try await withHarness { h in
            let budget = ProviderRateBudget(pool: h.app)
            let key = ProviderRateBudget.Key(provider: "zoom", accountID: "acct-1", category: "Heavy")
            let now = Date()
            for _ in 0..<3 { _ = try await budget.reserve(key, perSecond: 10, at: now) }
            try await budget.throttled(key, perSecond: 10, retryAfter: .seconds(1), at: now)
            var use = try #require(try await OperatorOverview(pool: h.app).rateUse().first { $0.accountID == "acct-1" })
            #expect(use.requestsToday == 3 && use.throttledToday == 1 && use.planRate == 10)
            _ = try await budget.reserve(key, perSecond: 10, at: now.addingTimeInterval(86_400))
            try await h.owner.withConnection { sql in
                let (requests, throttled) = try sql.query("SELECT requests_today, throttled_today FROM provider_rate_budget")[0].decode(
                    (Int, Int).self)
                #expect(requests == 1 && throttled == 0)
            }
            use = try #require(try await OperatorOverview(pool: h.app).rateUse().first { $0.accountID == "acct-1" })
            #expect(use.requestsToday == 0, "tomorrow's count is not today's")
        }
    }
}
