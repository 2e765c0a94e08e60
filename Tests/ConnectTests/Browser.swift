import CurlHTTP
import Foundation
import TestSupport
import Testing
import ZoomSandbox

/// Walks the connect flow the way a browser does, over real HTTP: it keeps cookies, posts forms and
/// follows each redirect by hand, so a test can stop or tamper at any step.
struct Browser: Sendable {
    let harness: Harness
    var cookies: [String: String] = [:]
    /// Every response seen, with the method and URL asked, for leak scans.
    var seen: [(request: String, response: HTTPClientResponse)] = []
    /// The connect form's CSRF field of each page shown, by URL: a POST to that URL sends it, as the
    /// page's form does.
    var formTokens: [String: String] = [:]

    init(_ harness: Harness) { self.harness = harness }

    /// Maps Tether's public URL onto the address the test server listens on.
    func local(_ url: String) -> String {
        url.hasPrefix(Harness.publicURL) ? harness.base + url.dropFirst(Harness.publicURL.count) : url
    }

    mutating func send(
        _ method: String, _ url: String, form: [(String, String)]? = nil, headers extra: [HTTPHeader] = []
    ) async throws -> HTTPClientResponse {
        var headers = extra
        let isTether = url.hasPrefix(harness.base)
        var form = form
        if method == "POST", let token = formTokens[url] { form = (form ?? []) + [("csrf", token)] }
        if isTether, !cookies.isEmpty {
            headers.append(HTTPHeader("Cookie", cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")))
        }
        var body: [UInt8]?
        if let form {
            headers.append(HTTPHeader("Content-Type", "application/x-www-form-urlencoded"))
            body = Array(Self.formEncode(form).utf8)
        }
        let response = try await harness.http.execute(HTTPClientRequest(method: method, url: url, headers: headers, body: body))
        if isTether {
            for header in response.headers where header.name.lowercased() == "set-cookie" {
                let pair = header.value.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let value = pair.count == 2 ? String(pair[1]) : ""
                if value.isEmpty || header.value.lowercased().contains("max-age=0") {
                    cookies[String(pair[0])] = nil
                } else {
                    cookies[String(pair[0])] = value
                }
            }
        }
        if isTether, method == "GET", let range = response.bodyText.range(of: #"name="csrf" value=""#) {
            formTokens[url] = String(response.bodyText[range.upperBound...].prefix { $0 != "\"" })
        }
        seen.append(("\(method) \(url)", response))
        return response
    }

    /// Submits the connect page: 303 to the authorize URL (and the flow cookie), or an error. A custom app
    /// may come with its webhook secret token.
    mutating func start(
        _ connectURL: String, client: (id: String, secret: String)? = nil, webhookSecretToken: String? = nil
    ) async throws -> HTTPClientResponse {
        let page = try await send("GET", local(connectURL))
        guard page.status == 200 else { return page }
        let fields =
            (client.map { [("client_id", $0.id), ("client_secret", $0.secret)] } ?? [])
            + (webhookSecretToken.map { [("webhook_secret_token", $0)] } ?? [])
        let started = try await send("POST", local(connectURL), form: fields)
        if let location = started.header("location"), location.contains("/oauth/authorize"), let query = URLComponents(string: location)?.queryItems {
            // Every flow any test starts is checked for PKCE: S256, a 256-bit challenge, never the verifier.
            #expect(query.first { $0.name == "code_challenge_method" }?.value == "S256")
            #expect(query.first { $0.name == "code_challenge" }?.value?.count == 43)
            #expect(!query.contains { $0.name == "code_verifier" })
            Figures.count("pkce.authorize_urls")
        }
        return started
    }

    /// At the sandbox's consent page: allow (as `role` of account `account`) or deny. Returns the
    /// redirect back to Tether's callback.
    mutating func consent(_ authorizeURL: String, allow: Bool = true, account: Int = 0, role: SandboxRole = .owner) async throws -> String {
        let page = try await send("GET", authorizeURL)
        guard page.status == 200, let range = page.bodyText.range(of: #"name="consent" value=""#) else {
            throw HarnessError("no consent page: \(page.status) \(page.bodyText.prefix(300))")
        }
        let consent = String(page.bodyText[range.upperBound...].prefix { $0 != "\"" })
        let base = String(authorizeURL[..<authorizeURL.range(of: "/oauth/authorize")!.lowerBound])
        let decision = try await send(
            "POST", base + "/oauth/authorize/decision",
            form: [("consent", consent), ("decision", allow ? "allow" : "deny"), ("account", "\(account)"), ("role", role.rawValue)])
        guard let location = decision.header("location") else { throw HarnessError("the sandbox did not redirect: \(decision.status)") }
        return location
    }

    /// Follows the provider's redirect to Tether's callback.
    mutating func callback(_ location: String) async throws -> HTTPClientResponse {
        try await send("GET", local(location))
    }

    /// The whole flow; returns Tether's answer at the callback.
    mutating func connect(
        _ connectURL: String, client: (id: String, secret: String)? = nil, webhookSecretToken: String? = nil, allow: Bool = true,
        account: Int = 0, role: SandboxRole = .owner
    ) async throws -> HTTPClientResponse {
        let started = try await start(connectURL, client: client, webhookSecretToken: webhookSecretToken)
        guard started.status == 303, let authorize = started.header("location") else {
            throw HarnessError("the connect page did not start a flow: \(started.status) \(started.bodyText.prefix(300))")
        }
        return try await callback(try await consent(authorize, allow: allow, account: account, role: role))
    }

    static func formEncode(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map {
            "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)"
        }
        .joined(separator: "&")
    }
}

extension HTTPClientResponse {
    /// The query parameters of the Location header.
    var locationParameters: [String: String] {
        guard let location = header("location"), let components = URLComponents(string: location) else { return [:] }
        return Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
    }
}
