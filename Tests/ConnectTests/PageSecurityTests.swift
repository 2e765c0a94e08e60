import CurlHTTP
import Foundation
import TestSupport
import Testing

/// The server-rendered pages as an attacker's browser sees them (issue 18, finding 11).
@Suite("Connect pages: CSP and escaping", .enabled(if: TestDatabase.isAvailableOrRequired))
struct PageSecurityTests {
    @Test(
        "the connect page's form may post only to Tether and the provider's consent origin, pages without a form to nowhere; every response is nosniff"
    )
    func formAction() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            let page = try await h.http.execute(HTTPClientRequest(url: Browser(h).local(try await h.connectURL("acme", key: key))))
            #expect(page.status == 200)
            let csp = try #require(page.header("content-security-policy"))
            #expect(csp.contains("form-action 'self' \(h.sandboxBase)"), "\(csp)")
            #expect(!csp.contains("*.127.0.0.1"), "an address has no subdomains: \(csp)")
            for path in ["/connect/result", "/connect/no-such-link"] {
                let other = try await h.http.execute(HTTPClientRequest(url: h.base + path))
                #expect(other.header("content-security-policy")?.contains("form-action 'none'") == true, "\(path)")
            }
            for path in ["/connect/result", "/healthz", "/readyz", "/metrics", "/openapi.json", "/no-such-route", "/v1/tenants"] {
                let response = try await h.http.execute(HTTPClientRequest(url: h.base + path))
                #expect(response.header("x-content-type-options") == "nosniff", "\(path) answered \(response.status) without nosniff")
            }
        }
    }

    @Test("O10: every page Tether renders refuses frames, scripts and third-party content, and is neither cached nor sent as Referer")
    func pageHeaders() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            let link = Browser(h).local(try await h.connectURL("acme", key: key))
            var pages = [try await h.http.execute(HTTPClientRequest(url: link))]
            for path in ["/connect/result", "/connect/no-such-link"] { pages.append(try await h.http.execute(HTTPClientRequest(url: h.base + path))) }
            pages.append(try await h.http.execute(HTTPClientRequest(method: "POST", url: link)))  // a forged form: 403
            for page in pages {
                let csp = page.header("content-security-policy") ?? ""
                #expect(page.header("content-type")?.hasPrefix("text/html") == true, "\(page.status)")
                #expect(csp.hasPrefix("default-src 'none';") && csp.contains("frame-ancestors 'none'") && csp.contains("base-uri 'none'"), "\(csp)")
                #expect(!csp.contains("script-src"), "no script may run: \(csp)")
                #expect(page.header("x-frame-options") == "DENY")
                #expect(page.header("cache-control") == "no-store")
                #expect(page.header("referrer-policy") == "no-referrer")
                #expect(
                    !page.bodyText.contains("<script") && !page.bodyText.contains(" src=") && !page.bodyText.contains("<link"), "no outside content")
            }
        }
    }

    @Test("a tenant name with a combining mark after < or > cannot open a tag on the connect page")
    func combiningMarksAreEscaped() async throws {
        try await withHarness { h in
            let name = "Acme<\u{301}img src=x onerror=alert(1)>\u{301}"
            let tenant = try h.object(try await h.api("POST", "/v1/tenants", key: h.adminKey, json: ["slug": "evil", "name": name]))
            #expect(tenant["name"] as? String == name)
            let key = try h.object(try await h.api("POST", "/v1/tenants/evil/api-keys", key: h.adminKey, json: ["name": "k"]))["key"] as! String
            let page = try await h.http.execute(HTTPClientRequest(url: Browser(h).local(try await h.connectURL("evil", key: key))))
            #expect(!page.bodyText.contains("<\u{301}img"), "the < reached the page unescaped")
            #expect(page.bodyText.contains("&lt;\u{301}img"))
        }
    }
}
