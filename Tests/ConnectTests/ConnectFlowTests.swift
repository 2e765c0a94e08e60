import Credentials
import CurlHTTP
import Foundation
import Sensitive
import Store
import TestSupport
import Testing
import ZoomConnector
import ZoomSandbox

/// The three ways to connect a Zoom account, end to end over real HTTP against the sandbox.
@Suite("Connecting Zoom accounts", .enabled(if: TestDatabase.isAvailableOrRequired))
struct ConnectFlowTests {
    @Test("platform mode: connect page, consent, callback, return URL; the connection has identity, scopes and streams, never a token")
    func platformMode() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            let url = try await h.connectURL("acme", key: key)
            #expect(url.hasPrefix(Harness.publicURL + "/connect/"))

            var browser = Browser(h)
            let page = try await browser.send("GET", browser.local(url))
            #expect(page.status == 200)
            #expect(page.header("content-type") == "text/html; charset=utf-8")
            #expect(page.bodyText.contains("Acme"))
            #expect(page.bodyText.contains("user:read:list_users:admin"))
            #expect(page.bodyText.contains("the user list"))
            #expect(!page.bodyText.contains("<script"))
            #expect(!page.bodyText.contains("https://"), "the page loads nothing from elsewhere")

            let started = try await browser.start(url)
            #expect(started.status == 303)
            let authorize = try #require(started.header("location"))
            let query = try #require(URLComponents(string: authorize)?.queryItems)
            func item(_ name: String) -> String? { query.first { $0.name == name }?.value }
            #expect(item("code_challenge_method") == "S256")
            #expect(item("redirect_uri") == Harness.redirectURI)
            #expect(item("client_id") == h.platformApp.clientID)
            #expect(item("state")?.count == 43)
            let cookie = try #require(started.headers.first { $0.name.lowercased() == "set-cookie" }?.value)
            #expect(cookie.hasPrefix("tether_flow="))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(cookie.contains("Path=/"))

            let done = try await browser.callback(try await browser.consent(authorize, role: .owner))
            #expect(done.status == 303)
            #expect(done.header("cache-control") == "no-store")
            #expect(done.header("referrer-policy") == "no-referrer")
            let landing = try #require(done.header("location"))
            #expect(landing.hasPrefix(Harness.returnOrigin + "/done?"))
            #expect(done.locationParameters["status"] == "connected")
            let id = try #require(done.locationParameters["connection_id"])

            let connection = try h.object(try await h.api("GET", "/v1/tenants/acme/connections/\(id)", key: key))
            #expect(connection["status"] as? String == "active")
            #expect(connection["mode"] as? String == "platform")
            #expect(connection["external_account_id"] as? String == h.account.id)
            let owner = h.sandbox.world.user(of: h.account, role: .owner)
            let authorizedBy = try #require(connection["authorized_by"] as? [String: Any])
            #expect(authorizedBy["email"] as? String == owner.email)
            #expect(authorizedBy["remote_user_id"] as? String == owner.id)
            #expect(authorizedBy["role"] as? String == "Owner")
            #expect(Set(connection["granted_scopes"] as? [String] ?? []) == Set(h.platformApp.scopes))
            let streams = try #require(connection["streams"] as? [[String: Any]])
            #expect(streams.count == ZoomCatalog.streams.count)
            #expect(streams.allSatisfy { $0["permitted"] as? Bool == true })

            // Reconnecting the same account reuses the connection and replaces its tokens.
            let before = try await h.connections.credentials(
                tenantID: UUID(uuidString: connection["tenant_id"] as! String)!, connectionID: UUID(uuidString: id)!)
            var again = Browser(h)
            let second = try await again.connect(try await h.connectURL("acme", key: key))
            #expect(second.locationParameters["connection_id"] == id)
            let list = try h.object(try await h.api("GET", "/v1/tenants/acme/connections", key: key))
            #expect((list["data"] as? [Any])?.count == 1)
            #expect(list.keys.contains("next_cursor"))
            let after = try await h.connections.credentials(
                tenantID: UUID(uuidString: connection["tenant_id"] as! String)!, connectionID: UUID(uuidString: id)!)
            #expect(before?.refreshToken != after?.refreshToken)
        }
    }

    @Test("without a return URL the browser lands on Tether's own result page")
    func ownResultPage() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            var browser = Browser(h)
            let done = try await browser.connect(try await h.connectURL("acme", key: key, returnURL: nil))
            let landing = try #require(done.header("location"))
            #expect(landing.hasPrefix(Harness.publicURL + "/connect/result?status=connected&connection_id="))
            let page = try await browser.send("GET", browser.local(landing))
            #expect(page.status == 200)
            #expect(page.bodyText.contains("The account is connected."))
        }
    }

    @Test("custom mode: the tenant's own app; its secret is stored sealed and used for refreshes; require_owner refuses an admin")
    func customMode() async throws {
        try await withHarness { h in
            let (tenantID, key) = try await h.makeTenant("acme")
            let app = h.customApp()
            var browser = Browser(h)
            let url = try await h.connectURL("acme", key: key, mode: "custom", requireOwner: true)
            let page = try await browser.send("GET", browser.local(url))
            #expect(page.bodyText.contains(Harness.redirectURI), "the page shows the redirect URL to register")
            #expect(page.bodyText.contains("name=\"client_secret\""))

            // An admin is not the owner: refused, nothing stored, the tokens just issued are revoked.
            let revocations = h.sandbox.revocations
            let refused = try await browser.connect(url, client: (app.clientID, app.clientSecret), role: .admin)
            #expect(refused.status == 303)
            #expect(refused.locationParameters["status"] == "error")
            #expect(refused.locationParameters["error"] == "owner_required")
            #expect(try await h.connectionRowCounts() == [0, 0, 0])
            #expect(h.sandbox.revocations == revocations + 1)

            // The owner succeeds with the same app (a new link: each works once).
            var owner = Browser(h)
            let done = try await owner.connect(
                try await h.connectURL("acme", key: key, mode: "custom", requireOwner: true), client: (app.clientID, app.clientSecret))
            #expect(done.locationParameters["status"] == "connected")
            let id = try #require(done.locationParameters["connection_id"].flatMap(UUID.init(uuidString:)))
            let tenant = UUID(uuidString: tenantID)!
            let sealed = try #require(try await h.connections.credentials(tenantID: tenant, connectionID: id))
            let secret = try h.vault.open(sealed.clientSecret, column: "client_secret", tenantID: tenant, connectionID: id)
            #expect(secret?.unsafeValue == app.clientSecret)
            // The stored secret is what refreshes use (a custom app's tokens refresh with its own credentials).
            let refreshes = h.sandbox.refreshes
            _ = try await h.tokens.refresh(tenantID: tenant, connectionID: id, force: true)
            #expect(h.sandbox.refreshes == refreshes + 1)
        }
    }

    @Test("custom mode refuses a missing or malformed client id or secret before going to Zoom")
    func customModeValidation() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            let url = try await h.connectURL("acme", key: key, mode: "custom")
            var browser = Browser(h)
            let missing = try await browser.start(url)
            #expect(missing.status == 400)
            let spaced = try await browser.send("POST", browser.local(url), form: [("client_id", "has space"), ("client_secret", "x")])
            #expect(spaced.status == 400)
            #expect(!spaced.bodyText.contains("has space"))
            let twice = try await browser.send("POST", browser.local(url), form: [("client_id", "a"), ("client_id", "b"), ("client_secret", "x")])
            #expect(twice.status == 400)
            // Refusals did not use the link up.
            let good = try await browser.start(url, client: (h.customApp().clientID, h.customApp().clientSecret))
            #expect(good.status == 303)
        }
    }

    @Test("server-to-server: validated by minting a token and reading /users/me before anything is stored")
    func serverToServer() async throws {
        try await withHarness { h in
            let (tenantID, key) = try await h.makeTenant("acme")
            let app = h.serverToServerApp()
            func create(_ account: String, _ secret: String) async throws -> HTTPClientResponse {
                try await h.api(
                    "POST", "/v1/tenants/acme/connections", key: key,
                    json: [
                        "provider": "zoom", "mode": "server_to_server", "account_id": account, "client_id": app.clientID,
                        "client_secret": secret, "name": "Main Zoom",
                    ])
            }
            let wrongSecret = try await create(h.account.id, "not-the-secret")
            #expect(wrongSecret.status == 400)
            #expect(try h.object(wrongSecret)["error"].flatMap { ($0 as? [String: Any])?["code"] as? String } == "invalid_client")
            #expect(!wrongSecret.bodyText.contains("not-the-secret"))
            let otherAccount = try await create(h.sandbox.world.accounts[1].id, app.clientSecret)
            #expect(otherAccount.status == 400)
            #expect(try await h.connectionRowCounts() == [0, 0, 0])

            let created = try await create(h.account.id, app.clientSecret)
            #expect(created.status == 201)
            let connection = try h.object(created)
            #expect(connection["mode"] as? String == "server_to_server")
            #expect(connection["name"] as? String == "Main Zoom")
            #expect(!created.bodyText.contains(app.clientSecret))
            let id = UUID(uuidString: connection["id"] as! String)!
            let tenant = UUID(uuidString: tenantID)!
            // No refresh token: expiry re-mints with the stored secret.
            let sealed = try #require(try await h.connections.credentials(tenantID: tenant, connectionID: id))
            #expect(sealed.refreshToken == nil)
            let minted = h.sandbox.tokenRequests
            let token = try await h.tokens.refresh(tenantID: tenant, connectionID: id, force: true)
            #expect(h.sandbox.tokenRequests == minted + 1)
            #expect(!token.unsafeValue.isEmpty)

            let again = try await create(h.account.id, app.clientSecret)
            #expect(again.status == 200, "the same account again reuses the connection")
            #expect(try h.object(again)["id"] as? String == id.uuidString.lowercased())
        }
    }

    @Test("connections API: patch, disable, delete revokes at Zoom and deletes credentials; purge deletes the connection")
    func connectionsAPI() async throws {
        try await withHarness { h in
            let (tenantID, key) = try await h.makeTenant("acme")
            var browser = Browser(h)
            let id = try #require(try await browser.connect(try await h.connectURL("acme", key: key)).locationParameters["connection_id"])
            let path = "/v1/tenants/acme/connections/\(id)"
            let patched = try h.object(try await h.api("PATCH", path, key: key, json: ["name": "HQ", "description": "main", "enabled": false]))
            #expect(patched["name"] as? String == "HQ")
            #expect(patched["status"] as? String == "disabled")
            #expect(try await h.api("PATCH", path, key: key, json: ["token": "x"]).status == 400)
            #expect(try await h.api("PATCH", path, key: key, json: ["enabled": "yes"]).status == 400)
            let enabled = try h.object(try await h.api("PATCH", path, key: key, json: ["enabled": true]))
            #expect(enabled["status"] as? String == "active")

            let revocations = h.sandbox.revocations
            let deleted = try await h.api("DELETE", path, key: key)
            #expect(deleted.status == 204)
            #expect(h.sandbox.revocations == revocations + 1)
            let revoked = try h.object(try await h.api("GET", path, key: key))
            #expect(revoked["status"] as? String == "revoked")
            #expect(try await h.connections.credentials(tenantID: UUID(uuidString: tenantID)!, connectionID: UUID(uuidString: id)!) == nil)
            #expect(try await h.api("DELETE", path + "?purge=maybe", key: key).status == 400)
            #expect(try await h.api("DELETE", path + "?purge=true", key: key).status == 204)
            #expect(try await h.api("GET", path, key: key).status == 404)
            #expect(try await h.connectionRowCounts() == [0, 0, 0])
        }
    }

    @Test(
        "the rate-limit plan is read from the account's plan information at connect (Pro, Free, Business); a plan an operator set survives a reconnect"
    )
    func rateLimitPlanDetected() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            var ids: [String] = []
            for account in 0..<3 {
                var browser = Browser(h)
                let done = try await browser.connect(try await h.connectURL("acme", key: key), account: account)
                ids.append(try #require(done.locationParameters["connection_id"], "account \(account): \(done.status)"))
            }
            func plan(_ id: String) async throws -> (String?, String?) {
                let connection = try h.object(try await h.api("GET", "/v1/tenants/acme/connections/\(id)", key: key))
                return (connection["rate_limit_plan"] as? String, connection["rate_limit_plan_source"] as? String)
            }
            #expect(try await plan(ids[0]) == ("pro", "detected"))
            #expect(try await plan(ids[1]) == ("free", "detected"))
            #expect(try await plan(ids[2]) == ("business", "detected"))
            #expect(
                try await h.api("PATCH", "/v1/tenants/acme/connections/\(ids[0])", key: key, json: ["rate_limit_plan": "business"]).status == 200)
            var again = Browser(h)
            _ = try await again.connect(try await h.connectURL("acme", key: key), account: 0)
            #expect(try await plan(ids[0]) == ("business", "set"))
        }
    }

    @Test("PATCH sets the rate-limit plan and per-stream sync intervals; a bad plan, interval or stream changes nothing")
    func syncSettings() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            var browser = Browser(h)
            let id = try #require(try await browser.connect(try await h.connectURL("acme", key: key)).locationParameters["connection_id"])
            let path = "/v1/tenants/acme/connections/\(id)"
            func stream(_ connection: [String: Any], _ name: String) -> [String: Any]? {
                (connection["streams"] as? [[String: Any]])?.first { $0["name"] as? String == name }
            }
            let initial = try h.object(try await h.api("GET", path, key: key))
            #expect(initial["rate_limit_plan"] as? String == "pro")
            #expect(stream(initial, "users")?["interval_seconds"] is NSNull)

            let patched = try h.object(
                try await h.api(
                    "PATCH", path, key: key, json: ["rate_limit_plan": "business", "sync_intervals": ["users": 900, "report_daily": 43_200]]))
            #expect(patched["rate_limit_plan"] as? String == "business")
            #expect(stream(patched, "users")?["interval_seconds"] as? Int == 900)
            #expect(stream(patched, "report_daily")?["interval_seconds"] as? Int == 43_200)

            let refusals: [([String: Any], String)] = [
                (["rate_limit_plan": "enterprise"], "rate_limit_plan must be one of free, pro, business"),
                (["sync_intervals": ["users": 10]], "sync_intervals.users must be null or between 60 and"),
                (["sync_intervals": ["users": "hourly"]], "sync_intervals.users has the wrong type"),
                (["sync_intervals": ["invoices": 3_600]], "sync_intervals.invoices must be null or at least 14400 seconds"),
                (["name": "renamed", "sync_intervals": ["users": 600, "webinars": 600]], #"the connection has no stream \"webinars\""#),
            ]
            for (body, message) in refusals {
                let response = try await h.api("PATCH", path, key: key, json: body)
                #expect(response.status == 400)
                #expect(response.bodyText.contains(message), "\(body): \(response.bodyText)")
            }
            let after = try h.object(try await h.api("GET", path, key: key))
            #expect(after["name"] as? String == patched["name"] as? String)
            #expect(after["rate_limit_plan"] as? String == "business")
            #expect(stream(after, "users")?["interval_seconds"] as? Int == 900)

            let reset = try h.object(try await h.api("PATCH", path, key: key, json: ["sync_intervals": ["users": NSNull()]]))
            #expect(stream(reset, "users")?["interval_seconds"] is NSNull)
            #expect(stream(reset, "report_daily")?["interval_seconds"] as? Int == 43_200)
        }
    }
}
