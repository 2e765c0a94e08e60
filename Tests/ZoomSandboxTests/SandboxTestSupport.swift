import CurlHTTP
import Foundation
import Logging
import TestSupport
import Vault
import ZoomSandbox

let sandboxClient = CurlHTTPClient()

/// Runs a sandbox on a free loopback port for the duration of `body`.
@discardableResult
func withSandbox<Result: Sendable>(
    _ configure: (inout SandboxConfiguration) -> Void = { _ in },
    _ body: @Sendable (ZoomSandbox, SandboxDriver) async throws -> Result
) async throws -> Result {
    var configuration = SandboxConfiguration()
    configuration.redirectURIs = ["http://127.0.0.1:9/callback"]
    configuration.autoApprove = .owner
    configure(&configuration)
    return try await withZoomSandbox(configuration) { sandbox, base in
        try await body(sandbox, SandboxDriver(base: base, sandbox: sandbox))
    }
}

/// Speaks OAuth and REST to a running sandbox the way a client would, over real HTTP.
struct SandboxDriver: Sendable {
    let base: String
    let sandbox: ZoomSandbox
    var redirectURI: String { sandbox.configuration.redirectURIs[0] }

    var platformApp: SandboxApp { sandbox.world.apps[0] }
    var limitedApp: SandboxApp { sandbox.world.apps.first { $0.name.contains("limited") }! }
    var classicApp: SandboxApp { sandbox.world.apps.first { $0.name.contains("classic") }! }
    func serverToServerApp(account: Int) -> SandboxApp {
        sandbox.world.apps.first { $0.kind == .serverToServer(accountIndex: account) }!
    }

    /// GET /oauth/authorize; returns the response without following its redirect.
    func authorize(
        app: SandboxApp, challenge: String?, method: String = "S256", state: String = "st-1", redirectURI: String? = nil
    )
        async throws -> HTTPClientResponse
    {
        var items = [
            URLQueryItem(name: "response_type", value: "code"), URLQueryItem(name: "client_id", value: app.clientID),
            URLQueryItem(name: "redirect_uri", value: redirectURI ?? self.redirectURI), URLQueryItem(name: "state", value: state),
        ]
        if let challenge {
            items += [URLQueryItem(name: "code_challenge", value: challenge), URLQueryItem(name: "code_challenge_method", value: method)]
        }
        var components = URLComponents(string: base + "/oauth/authorize")!
        components.queryItems = items
        return try await sandboxClient.execute(HTTPClientRequest(url: components.string!))
    }

    /// The query parameters of a redirect's Location.
    func redirectParameters(_ response: HTTPClientResponse) -> [String: String] {
        guard let location = response.header("location"), let components = URLComponents(string: location) else { return [:] }
        return Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
    }

    /// Runs the whole authorization-code flow with PKCE and returns the token response.
    func connect(app: SandboxApp) async throws -> [String: Any] {
        let verifier = try SecureRandom.token()
        let challenge = Base64URL.encode(SHA256Digest.hash(Array(verifier.utf8)))
        let code = redirectParameters(try await authorize(app: app, challenge: challenge))["code"] ?? ""
        let response = try await token(
            app: app,
            [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("code_verifier", verifier),
            ])
        return try json(response)
    }

    /// POST /oauth/token with HTTP Basic client authentication.
    func token(app: SandboxApp, secret: String? = nil, _ fields: [(String, String)]) async throws -> HTTPClientResponse {
        try await post("/oauth/token", app: app, secret: secret, fields)
    }

    func post(_ path: String, app: SandboxApp, secret: String? = nil, _ fields: [(String, String)]) async throws -> HTTPClientResponse {
        let credentials = Base64.encode(Array("\(app.clientID):\(secret ?? app.clientSecret)".utf8))
        var components = URLComponents()
        components.queryItems = fields.map { URLQueryItem(name: $0.0, value: $0.1) }
        let body = (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        return try await sandboxClient.execute(
            HTTPClientRequest(
                method: "POST", url: base + path,
                headers: [HTTPHeader("Authorization", "Basic \(credentials)"), HTTPHeader("Content-Type", "application/x-www-form-urlencoded")],
                body: Array(body.utf8)))
    }

    /// GET a REST path with a bearer token (and, for slow requests, a longer timeout than the client's).
    func get(_ path: String, token: String?, timeout: Duration? = nil) async throws -> HTTPClientResponse {
        let headers = token.map { [HTTPHeader("Authorization", "Bearer \($0)")] } ?? []
        return try await sandboxClient.execute(HTTPClientRequest(url: base + path, headers: headers, timeout: timeout))
    }

    /// Sends `method` to a REST path with a bearer token and a JSON body.
    func send(_ method: String, _ path: String, token: String, _ body: [String: Any]) async throws -> HTTPClientResponse {
        try await sandboxClient.execute(
            HTTPClientRequest(
                method: method, url: base + path,
                headers: [HTTPHeader("Authorization", "Bearer \(token)"), HTTPHeader("Content-Type", "application/json")],
                body: Array(try JSONSerialization.data(withJSONObject: body))))
    }

    func json(_ response: HTTPClientResponse) throws -> [String: Any] {
        (try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
    }
}

extension SandboxDriver {
    /// Calls the control API with a JSON body.
    func control(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> HTTPClientResponse {
        try await sandboxClient.execute(
            HTTPClientRequest(
                method: method, url: base + "/_sandbox" + path, headers: [HTTPHeader("Content-Type", "application/json")],
                body: try body.map { Array(try JSONSerialization.data(withJSONObject: $0)) }))
    }

    /// Every user of one status, following next_page_token to the end.
    func allUsers(status: String, token: String?) async throws -> [[String: Any]] {
        var users: [[String: Any]] = []
        var next = ""
        for _ in 0..<100 {
            let body = try json(try await get("/v2/users?status=\(status)&page_size=300&next_page_token=\(next)", token: token))
            users += body["users"] as? [[String: Any]] ?? []
            next = body["next_page_token"] as? String ?? ""
            if next.isEmpty { break }
        }
        return users
    }
}
