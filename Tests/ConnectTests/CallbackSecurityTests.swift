import CurlHTTP
import Foundation
import Postgres
import TestSupport
import Testing
import ZoomSandbox

/// SECURITY.md B2 and O1–O8, O10: every way a callback can be wrong gets its own 400, writes no row and
/// sends nothing to the provider.
@Suite("OAuth callback hardening", .enabled(if: TestDatabase.isAvailableOrRequired))
struct CallbackSecurityTests {
    /// A flow started in `browser`, stopped before the provider answers: the authorize URL's state.
    static func startedFlow(
        _ h: Harness, _ browser: inout Browser, slug: String = "acme", key: String
    ) async throws -> (state: String, authorize: String) {
        let started = try await browser.start(try await h.connectURL(slug, key: key))
        let authorize = try #require(started.header("location"))
        let state = try #require(URLComponents(string: authorize)?.queryItems?.first { $0.name == "state" }?.value)
        return (state, authorize)
    }

    /// Calls the callback with a raw query string from `browser`; checks 400, no rows, no token request.
    static func expectRejected(
        _ h: Harness, _ browser: inout Browser, query: String, code: String = "invalid_state", _ comment: Comment
    ) async throws {
        let tokenRequests = h.sandbox.tokenRequests
        let response = try await browser.send("GET", h.base + "/oauth/callback/zoom?" + query)
        #expect(response.status == 400, comment)
        #expect(response.bodyText.contains("<code>\(code)</code>"), comment)
        #expect(response.header("cache-control") == "no-store", comment)
        #expect(response.header("referrer-policy") == "no-referrer", comment)
        #expect(try await h.connectionRowCounts() == [0, 0, 0], comment)
        #expect(h.sandbox.tokenRequests == tokenRequests, comment)
        Figures.count("callback.rejected_cases")
    }

    @Test("O2: behind an https public URL the flow cookie is __Host-tether_flow, Secure, HttpOnly, SameSite=Lax, Path=/, no Domain")
    func cookieAttributesOverHTTPS() async throws {
        let publicURL = "https://tether.example"
        try await withHarness(publicURL: publicURL) { h in
            let (_, key) = try await h.makeTenant("acme")
            let link = try await h.connectURL("acme", key: key)
            #expect(link.hasPrefix(publicURL + "/connect/"), "\(link)")
            let local = h.base + link.dropFirst(publicURL.count)
            let page = try await h.http.execute(HTTPClientRequest(url: local))
            let formCookie = try #require(page.headers.first { $0.name.lowercased() == "set-cookie" }?.value)
            #expect(formCookie.hasPrefix("__Host-tether_form="))
            let field = try #require(
                page.bodyText.range(of: #"name="csrf" value=""#).map { String(page.bodyText[$0.upperBound...].prefix { $0 != "\"" }) })
            let started = try await h.http.execute(
                HTTPClientRequest(
                    method: "POST", url: local,
                    headers: [
                        HTTPHeader("Content-Type", "application/x-www-form-urlencoded"),
                        HTTPHeader("Cookie", String(formCookie.split(separator: ";")[0])),
                    ],
                    body: Array("csrf=\(field)".utf8)))
            #expect(started.status == 303)
            let flowCookie = try #require(
                started.headers.first { $0.name.lowercased() == "set-cookie" && $0.value.hasPrefix("__Host-tether_flow=") }?.value)
            let attributes = Set(flowCookie.split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
            for required in ["secure", "httponly", "samesite=lax", "path=/"] { #expect(attributes.contains(required), "\(flowCookie)") }
            #expect(!attributes.contains { $0.hasPrefix("domain") }, "\(flowCookie)")
            for required in ["secure", "httponly", "samesite=strict", "path=/"] {
                #expect(formCookie.lowercased().contains(required), "\(formCookie)")
            }
        }
    }

    @Test("B11: a callback parameter name that is markup comes back escaped in the error page, never as markup")
    func parameterNamesAreEscaped() async throws {
        try await withHarness { h in
            var browser = Browser(h)
            let response = try await browser.send(
                "GET", h.base + "/oauth/callback/zoom?%3Cscript%3Ealert(1)%3C%2Fscript%3E=1&%3Cscript%3Ealert(1)%3C%2Fscript%3E=2")
            #expect(response.status == 400)
            #expect(!response.bodyText.contains("<script"), "\(response.bodyText)")
            #expect(response.header("content-type") == "text/html; charset=utf-8")
            #expect(response.header("x-content-type-options") == "nosniff")
        }
    }

    @Test("B2: missing, unknown, malformed or duplicated state; code and error together; missing or oversized code; iss mismatch")
    func malformedCallbacks() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            var browser = Browser(h)
            let (state, _) = try await Self.startedFlow(h, &browser, key: key)
            let unknown = String(repeating: "A", count: 43)
            try await Self.expectRejected(h, &browser, query: "code=abc", "missing state")
            try await Self.expectRejected(h, &browser, query: "code=abc&state=\(unknown)", "unknown state")
            try await Self.expectRejected(h, &browser, query: "code=abc&state=short", "malformed state")
            try await Self.expectRejected(h, &browser, query: "code=abc&state=", "empty state")
            try await Self.expectRejected(h, &browser, query: "code=abc&state[]=\(state)", "state as an array parameter")
            try await Self.expectRejected(h, &browser, query: "code=abc&state=%C3%28\(state.dropFirst(2))", "invalid UTF-8 in state")
            try await Self.expectRejected(h, &browser, query: "code=abc&state=\(String(repeating: "A", count: 2100))", "state over 2 KB")
            try await Self.expectRejected(h, &browser, query: "error=access_denied&error=server_error&state=\(state)", "duplicate error")
            try await Self.expectRejected(h, &browser, query: "code=abc&state=\(state)%zz", "bad percent-encoding")
            try await Self.expectRejected(h, &browser, query: "code=abc&state=\(state)&state=\(unknown)", "duplicate state")
            try await Self.expectRejected(h, &browser, query: "code=abc&code=def&state=\(state)", "duplicate code")
            try await Self.expectRejected(h, &browser, query: "code=abc&error=access_denied&state=\(state)", "code and error")
            try await Self.expectRejected(h, &browser, query: "state=\(state)", "code missing")
            try await Self.expectRejected(h, &browser, query: "code=\(String(repeating: "c", count: 513))&state=\(state)", "code over 512 bytes")
            try await Self.expectRejected(h, &browser, query: "code=a%00b&state=\(state)", "NUL in code")
            try await Self.expectRejected(h, &browser, query: String(repeating: "x=1&", count: 1800), "a long query")
            let tokenRequests = h.sandbox.tokenRequests
            let huge = try await browser.send("GET", h.base + "/oauth/callback/zoom?" + String(repeating: "x=1&", count: 3000))
            #expect(huge.status == 414, "a query over the 8 KiB request-target cap is refused before the callback runs")
            #expect(try await h.connectionRowCounts() == [0, 0, 0])
            #expect(h.sandbox.tokenRequests == tokenRequests)
            // None of the above consumed the state (they were refused before it was looked up), so the
            // iss check below sees a live flow; it burns the state.
            try await Self.expectRejected(h, &browser, query: "code=abc&state=\(state)&iss=https%3A%2F%2Fevil.example", "iss mismatch")
            try await Self.expectRejected(h, &browser, query: "code=abc&state=\(state)", "the state was burned by the iss mismatch")

            let post = try await h.http.execute(HTTPClientRequest(method: "POST", url: h.base + "/oauth/callback/zoom?code=a&state=\(state)"))
            #expect(post.status == 405)
        }
    }

    @Test("O2: a valid state without the flow cookie, or with another flow's cookie, is refused and burned")
    func browserBinding() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            var victim = Browser(h)
            let (state, authorize) = try await Self.startedFlow(h, &victim, key: key)
            let location = try await victim.consent(authorize)
            let code = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value)

            var attacker = Browser(h)
            _ = try await Self.startedFlow(h, &attacker, key: key)  // the attacker has a cookie of their own
            try await Self.expectRejected(h, &attacker, query: "code=\(code)&state=\(state)", "another flow's cookie")
            // Burned: the victim's own browser cannot use it any more either.
            try await Self.expectRejected(h, &victim, query: "code=\(code)&state=\(state)", "burned state")

            var noCookie = Browser(h)
            let (second, _) = try await Self.startedFlow(h, &victim, key: key)
            try await Self.expectRejected(h, &noCookie, query: "code=abc&state=\(second)", "no cookie")
            Figures.count("callback.replays", 3)
        }
    }

    @Test("O4: tenant A's state replayed from tenant B's flow is refused; injected tenant_id and connection_id are ignored")
    func crossTenant() async throws {
        try await withHarness { h in
            let (_, keyA) = try await h.makeTenant("acme")
            let (tenantB, keyB) = try await h.makeTenant("beta")
            var a = Browser(h)
            let (stateA, _) = try await Self.startedFlow(h, &a, slug: "acme", key: keyA)
            var b = Browser(h)
            _ = try await Self.startedFlow(h, &b, slug: "beta", key: keyB)
            try await Self.expectRejected(h, &b, query: "code=abc&state=\(stateA)", "A's state in B's browser")
            Figures.count("callback.replays")

            // A genuine flow with injected parameters lands on its own tenant.
            var c = Browser(h)
            let (_, authorize) = try await Self.startedFlow(h, &c, slug: "acme", key: keyA)
            let location = try await c.consent(authorize)
            let done = try await c.callback(location + "&tenant_id=\(tenantB)&connection_id=\(UUID())")
            #expect(done.locationParameters["status"] == "connected")
            let listB = try h.object(try await h.api("GET", "/v1/tenants/beta/connections", key: keyB))
            #expect((listB["data"] as? [Any])?.isEmpty == true)
            let listA = try h.object(try await h.api("GET", "/v1/tenants/acme/connections", key: keyA))
            #expect((listA["data"] as? [Any])?.count == 1)
        }
    }

    @Test("O3: 50 concurrent callbacks with one state make exactly 1 token request; a replay after success changes nothing")
    func singleUse() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            var browser = Browser(h)
            let (_, authorize) = try await Self.startedFlow(h, &browser, key: key)
            let location = try await browser.consent(authorize)
            let before = h.sandbox.tokenRequests
            let callers = browser
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        var copy = callers
                        return try await copy.callback(location).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 303 }.count == 1)
            #expect(statuses.filter { $0 == 400 }.count == 49)
            #expect(h.sandbox.tokenRequests == before + 1)

            let rows = try await h.connectionRowCounts()
            var replay = callers
            #expect(try await replay.callback(location).status == 400)
            #expect(try await h.connectionRowCounts() == rows)
            #expect(h.sandbox.tokenRequests == before + 1)
            Figures.count("callback.replays", 50)
            Figures.record("callback.concurrent_token_requests", h.sandbox.tokenRequests - before)
        }
    }

    @Test("O1: an expired flow is refused with 400 and writes nothing")
    func expiredFlow() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            var browser = Browser(h)
            let (_, authorize) = try await Self.startedFlow(h, &browser, key: key)
            let location = try await browser.consent(authorize)
            try await h.owner.withConnection { connection in
                _ = try connection.execute(
                    "UPDATE oauth_flows SET expires_at = now() - interval '1 minute', created_at = now() - interval '11 minutes'")
            }
            let query = String(location[location.index(after: location.firstIndex(of: "?")!)...])
            try await Self.expectRejected(h, &browser, query: query, code: "expired", "expired flow")
        }
    }

    @Test("O8: access_denied consumes the flow, stores nothing and redirects with an allow-listed code, never reflecting error_description")
    func denied() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            var browser = Browser(h)
            let (_, authorize) = try await Self.startedFlow(h, &browser, key: key)
            let location = try await browser.consent(authorize, allow: false)
            let done = try await browser.callback(location + "&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
            #expect(done.status == 303)
            #expect(done.locationParameters == ["status": "error", "error": "access_denied"])
            #expect(!(done.header("location") ?? "").contains("script"))
            #expect(try await h.connectionRowCounts() == [0, 0, 0])
            let outcome = try await h.owner.withConnection { connection in
                try connection.query("SELECT outcome, consumed_at IS NOT NULL, code_verifier IS NULL FROM oauth_flows")[0]
                    .decode((String?, Bool, Bool).self)
            }
            #expect(outcome.0 == "access_denied")
            #expect(outcome.1 && outcome.2, "consumed, and its sealed verifier dropped")
            var replay = browser
            #expect(try await replay.callback(location).status == 400)
        }
    }

    @Test("O6: a spoofed Host or X-Forwarded-Host leaves the redirect URI unchanged")
    func spoofedHost() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            let url = try await h.connectURL("acme", key: key)
            var browser = Browser(h)
            _ = try await browser.send("GET", browser.local(url))
            let response = try await browser.send(
                "POST", browser.local(url), headers: [HTTPHeader("Host", "evil.example"), HTTPHeader("X-Forwarded-Host", "evil.example")])
            #expect(response.status == 303)
            let redirect = URLComponents(string: response.header("location") ?? "")?.queryItems?.first { $0.name == "redirect_uri" }?.value
            #expect(redirect == Harness.redirectURI)
            #expect(!(response.header("location") ?? "").contains("code_verifier"))
        }
    }

    @Test("connect sessions: return_url outside the allowed origins, unknown provider or mode, and bad JSON are refused")
    func sessionValidation() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            for bad in [
                "//evil.com", "/\\evil.com", "https:evil.com", "%2F%2Fevil.com", "javascript:alert(1)", "/%09/evil.com",
                "https://evil.example/done", "https://smp.example.evil.com/", "https://user@smp.example/x", "/relative",
            ] {
                let response = try await h.api(
                    "POST", "/v1/tenants/acme/connect-sessions", key: key,
                    json: ["provider": "zoom", "mode": "platform", "return_url": bad])
                #expect(response.status == 400, "\(bad)")
            }
            #expect(
                try await h.api("POST", "/v1/tenants/acme/connect-sessions", key: key, json: ["provider": "slack", "mode": "platform"]).status == 400)
            #expect(
                try await h.api("POST", "/v1/tenants/acme/connect-sessions", key: key, json: ["provider": "zoom", "mode": "server_to_server"]).status
                    == 400)
            #expect(
                try await h.api("POST", "/v1/tenants/acme/connect-sessions", key: key, json: ["provider": "zoom", "mode": "platform", "extra": 1])
                    .status == 400)
            let notJSON = try await h.http.execute(
                HTTPClientRequest(
                    method: "POST", url: h.base + "/v1/tenants/acme/connect-sessions",
                    headers: [HTTPHeader("Authorization", "Bearer \(key)"), HTTPHeader("Content-Type", "text/plain")], body: Array("{}".utf8)))
            #expect(notJSON.status == 400)
            let count = try await h.owner.withConnection { try $0.query("SELECT count(*)::bigint FROM connect_sessions")[0].decode(Int.self, at: 0) }
            #expect(count == 0)
            Figures.count("input.api_cases", 14)  // 10 return URLs, the provider, the mode, an unknown field, not JSON
        }
    }
}
