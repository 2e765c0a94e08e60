import CurlHTTP
import Foundation
import Postgres
import TestSupport
import Testing

/// The connect form only starts a flow when it was posted from the page that rendered it (issue 18,
/// finding 2): a Zoom admin cannot be walked into authorizing Zoom for an attacker's tenant.
@Suite("Connect form CSRF", .enabled(if: TestDatabase.isAvailableOrRequired))
struct ConnectFormTokenTests {
    /// The page of `url`: its form cookie (`name=value`) and the form's `csrf` field.
    static func render(_ h: Harness, _ url: String) async throws -> (cookie: String, field: String, setCookie: String) {
        let page = try await h.http.execute(HTTPClientRequest(url: Browser(h).local(url)))
        let setCookie = try #require(page.headers.first { $0.name.lowercased() == "set-cookie" && $0.value.hasPrefix("tether_form=") }?.value)
        let range = try #require(page.bodyText.range(of: #"name="csrf" value=""#))
        return (String(setCookie.split(separator: ";")[0]), String(page.bodyText[range.upperBound...].prefix { $0 != "\"" }), setCookie)
    }

    static func post(_ h: Harness, _ url: String, cookie: String?, field: String?) async throws -> HTTPClientResponse {
        var headers = [HTTPHeader("Content-Type", "application/x-www-form-urlencoded")]
        if let cookie { headers.append(HTTPHeader("Cookie", cookie)) }
        return try await h.http.execute(
            HTTPClientRequest(method: "POST", url: Browser(h).local(url), headers: headers, body: Array((field.map { "csrf=\($0)" } ?? "").utf8)))
    }

    func flows(_ h: Harness) async throws -> Int {
        try await h.owner.withConnection { try $0.query("SELECT count(*)::bigint FROM oauth_flows")[0].decode(Int.self, at: 0) }
    }

    @Test("a cross-site auto-submit, without the page's cookie and field, gets 403, starts no flow and leaves the link usable")
    func crossSiteAutoSubmit() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("victim")
            let url = try await h.connectURL("victim", key: key)
            let forged = try await Self.post(h, url, cookie: nil, field: nil)
            #expect(forged.status == 403)
            Figures.count("csrf.posts_refused")
            #expect(forged.header("location") == nil)
            #expect(try await flows(h) == 0)
            #expect(try await h.http.execute(HTTPClientRequest(url: Browser(h).local(url))).status == 200, "the link is still usable")
        }
    }

    @Test("the field without its cookie, the cookie without its field, or either tampered with gets 403; both together start the flow")
    func bothHalvesAreNeeded() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            let url = try await h.connectURL("acme", key: key)
            let page = try await Self.render(h, url)
            #expect(page.setCookie.contains("HttpOnly") && page.setCookie.contains("SameSite=Strict") && page.setCookie.contains("Path=/"))
            for (cookie, field) in [
                (nil, page.field), (page.cookie, nil), (page.cookie, (page.field.first == "A" ? "B" : "A") + page.field.dropFirst()),
                (page.cookie + "x", page.field),
                (page.cookie, ""),
            ] as [(String?, String?)] {
                #expect(try await Self.post(h, url, cookie: cookie, field: field).status == 403, "\(cookie ?? "-") \(field ?? "-")")
                Figures.count("csrf.posts_refused")
            }
            #expect(try await flows(h) == 0)
            let started = try await Self.post(h, url, cookie: page.cookie, field: page.field)
            #expect(started.status == 303)
            #expect(try await flows(h) == 1)
        }
    }

    @Test("a field rendered for another link does not start this one, even with its cookie")
    func tokenFromAnotherLink() async throws {
        try await withHarness { h in
            let (_, attackerKey) = try await h.makeTenant("attacker")
            let (_, victimKey) = try await h.makeTenant("victim")
            let attackerURL = try await h.connectURL("attacker", key: attackerKey)
            let victimURL = try await h.connectURL("victim", key: victimKey)
            let attackerPage = try await Self.render(h, attackerURL)
            #expect(try await Self.post(h, victimURL, cookie: attackerPage.cookie, field: attackerPage.field).status == 403)
            Figures.count("csrf.posts_refused")
            #expect(try await flows(h) == 0)
        }
    }
}
