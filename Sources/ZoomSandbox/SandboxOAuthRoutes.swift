import Foundation
import HTTPTypes
import Hummingbird
import Vault

/// `/oauth/authorize`, `/oauth/token` and `/oauth/revoke`, behaving as `zoom-api.md` §1–2 describes Zoom.
struct SandboxOAuthRoutes: Sendable {
    let sandbox: ZoomSandbox

    /// Codes live five minutes (Zoom error 4733 after that); consent pages ten.
    static let codeLifetime: TimeInterval = 300

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/oauth/authorize") { request, _ in try authorize(request) }
        router.post("/oauth/authorize/decision") { request, _ in try await decide(request) }
        router.post("/oauth/token") { request, _ in try await token(request) }
        router.post("/oauth/revoke") { request, _ in try await revoke(request) }
    }

    // MARK: - Authorize

    func authorize(_ request: Request) throws -> Response {
        let query = request.uri.queryParameters
        let clientID = query.get("client_id").map({ String($0) }) ?? ""
        guard let app = sandbox.world.app(clientID: clientID), !app.isServerToServer else {
            return errorPage("Invalid client_id: no app with this client ID can be authorized.")
        }
        let redirectURI = query.get("redirect_uri").map({ String($0) }) ?? ""
        guard app.redirectURIs.contains(redirectURI) else {
            return errorPage("Invalid redirect: the redirect URL is not on the app's allow list (error 4709).")
        }
        let state = query.get("state").map({ String($0) })
        guard query.get("response_type") == "code" else {
            return SandboxHTTP.redirect(SandboxHTTP.appendQuery(redirectURI, [("error", "unsupported_response_type"), ("state", state)]))
        }
        let challenge = query.get("code_challenge").map({ String($0) })
        let method = query.get("code_challenge_method").map({ String($0) }) ?? "plain"
        guard method == "S256" || method == "plain" else {
            return SandboxHTTP.redirect(SandboxHTTP.appendQuery(redirectURI, [("error", "invalid_request"), ("state", state)]))
        }
        let consent = SandboxGrants.PendingConsent(
            clientID: app.clientID, redirectURI: redirectURI, state: state, challenge: challenge, challengeMethod: method,
            expiresAt: sandbox.clock.now.addingTimeInterval(600))
        if let role = sandbox.configuration.autoApprove {
            let account = sandbox.world.accounts[app.accountIndex ?? 0]
            return try approve(consent, user: sandbox.world.user(of: account, role: role))
        }
        let id = try sandbox.grants.addConsent(consent)
        return SandboxHTTP.html(.ok, consentPage(app: app, consentID: id))
    }

    func decide(_ request: Request) async throws -> Response {
        let form = SandboxHTTP.form(try await request.bodyText())
        guard let id = form["consent"]?.first, let consent = sandbox.grants.takeConsent(id, now: sandbox.clock.now) else {
            return errorPage("This authorization request is unknown or has expired. Start again from the app.")
        }
        guard form["decision"]?.first == "allow" else {
            return SandboxHTTP.redirect(SandboxHTTP.appendQuery(consent.redirectURI, [("error", "access_denied"), ("state", consent.state)]))
        }
        guard let app = sandbox.world.app(clientID: consent.clientID),
            let accountIndex = form["account"]?.first.flatMap({ Int($0) }), sandbox.world.accounts.indices.contains(accountIndex),
            app.accountIndex.map({ $0 == accountIndex }) ?? true,
            let role = form["role"]?.first.flatMap(SandboxRole.init(rawValue:))
        else { return errorPage("Choose an account and a user this app may be authorized by.") }
        return try approve(consent, user: sandbox.world.user(of: sandbox.world.accounts[accountIndex], role: role))
    }

    private func approve(_ consent: SandboxGrants.PendingConsent, user: SandboxUser) throws -> Response {
        let code = try sandbox.grants.issueCode(
            SandboxGrants.Code(
                principal: SandboxPrincipal(clientID: consent.clientID, accountIndex: user.accountIndex, userIndex: user.index),
                redirectURI: consent.redirectURI, challenge: consent.challenge, challengeMethod: consent.challengeMethod,
                expiresAt: sandbox.clock.now.addingTimeInterval(Self.codeLifetime), used: false))
        return SandboxHTTP.redirect(SandboxHTTP.appendQuery(consent.redirectURI, [("code", code), ("state", consent.state)]))
    }

    // MARK: - Token

    func token(_ request: Request) async throws -> Response {
        sandbox.grants.count { $0.tokenRequests += 1 }
        var fields = SandboxHTTP.form(try await request.bodyText())
        // Zoom accepts the parameters in the query string as well as in the form body.
        for (name, value) in request.uri.queryParameters { fields[String(name), default: []].append(String(value)) }
        let response = try tokenResponse(request: request, fields: fields)
        if response.status != .ok { sandbox.grants.count { $0.rejectedTokenRequests += 1 } }
        let delay = sandbox.faults.plan.tokenDelayMilliseconds
        if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
        return response
    }

    private func tokenResponse(request: Request, fields: [String: [String]]) throws -> Response {
        guard let app = authenticateClient(request) else {
            return SandboxHTTP.oauthError("invalid_client", reason: "Invalid client_id or client_secret")
        }
        func field(_ name: String) -> String? { fields[name]?.count == 1 ? fields[name]?.first : nil }
        let now = sandbox.clock.now
        let lifetime = Double(sandbox.configuration.accessTokenLifetime.components.seconds)
        switch field("grant_type") {
        case "authorization_code":
            guard let value = field("code"), let code = sandbox.grants.redeemCode(value), !code.used,
                code.principal.clientID == app.clientID
            else { return SandboxHTTP.oauthError("invalid_grant", reason: "Invalid authorization code") }
            guard code.expiresAt > now else { return SandboxHTTP.oauthError("invalid_grant", reason: "Authorization code is expired") }
            guard field("redirect_uri") == code.redirectURI else {
                return SandboxHTTP.oauthError("invalid_grant", reason: "Redirect URI mismatch.")
            }
            if let challenge = code.challenge {
                guard let verifier = field("code_verifier"), Self.matches(verifier: verifier, challenge: challenge, method: code.challengeMethod)
                else { return SandboxHTTP.oauthError("invalid_grant", reason: "Invalid code_verifier") }
            }
            let tokens = try sandbox.grants.issueTokens(
                for: code.principal, scopes: app.scopes, lifetime: lifetime, now: now, withRefresh: true, newGeneration: true)
            sandbox.grants.count { $0.authorizationCodesExchanged += 1 }
            return tokenBody(tokens, scopes: app.scopes, lifetime: lifetime, request: request)
        case "refresh_token":
            guard let value = field("refresh_token"), let record = sandbox.grants.consumeRefresh(value, clientID: app.clientID) else {
                return SandboxHTTP.oauthError("invalid_grant", reason: "Invalid Token!")
            }
            let tokens = try sandbox.grants.issueTokens(
                for: record.principal, scopes: record.scopes, lifetime: lifetime, now: now, withRefresh: true, newGeneration: false)
            sandbox.grants.count { $0.refreshes += 1 }
            return tokenBody(tokens, scopes: record.scopes, lifetime: lifetime, request: request)
        case "account_credentials":
            guard case .serverToServer(let accountIndex) = app.kind else {
                return SandboxHTTP.oauthError("unsupported_grant_type", reason: "unsupported grant type")
            }
            guard field("account_id") == sandbox.world.accounts[accountIndex].id else {
                return SandboxHTTP.oauthError("invalid_request", reason: "Invalid account_id.")
            }
            let principal = SandboxPrincipal(clientID: app.clientID, accountIndex: accountIndex, userIndex: 0)
            let tokens = try sandbox.grants.issueTokens(
                for: principal, scopes: app.scopes, lifetime: lifetime, now: now, withRefresh: false, newGeneration: false)
            sandbox.grants.count { $0.accountCredentialTokens += 1 }
            return tokenBody(tokens, scopes: app.scopes, lifetime: lifetime, request: request)
        default:
            return SandboxHTTP.oauthError("unsupported_grant_type", reason: "unsupported grant type")
        }
    }

    private func tokenBody(_ tokens: (access: String, refresh: String?), scopes: [String], lifetime: Double, request: Request) -> Response {
        var body: [String: Any] = [
            "access_token": tokens.access, "token_type": "bearer", "expires_in": Int(lifetime),
            "scope": scopes.joined(separator: " "), "api_url": apiURL(request),
        ]
        body["refresh_token"] = tokens.refresh
        return SandboxHTTP.json(.ok, body, headers: [.cacheControl: "no-store"])
    }

    // MARK: - Revoke

    func revoke(_ request: Request) async throws -> Response {
        guard let app = authenticateClient(request) else {
            return SandboxHTTP.oauthError("invalid_client", reason: "Invalid client_id or client_secret")
        }
        let fields = SandboxHTTP.form(try await request.bodyText())
        guard let token = fields["token"]?.first ?? request.uri.queryParameters.get("token").map({ String($0) }) else {
            return SandboxHTTP.oauthError("invalid_request", reason: "Missing token")
        }
        sandbox.grants.revoke(token: token, clientID: app.clientID)
        return SandboxHTTP.json(.ok, ["status": "success"])
    }

    // MARK: - Helpers

    /// The app named by HTTP Basic credentials, compared in constant time; `nil` when they are wrong.
    func authenticateClient(_ request: Request) -> SandboxApp? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
            let decoded = try? Base64.decode(String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(bytes: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":"),
            let app = sandbox.world.app(clientID: String(text[..<colon]))
        else { return nil }
        let secret = Array(text[text.index(after: colon)...].utf8)
        return ConstantTime.equals(secret, Array(app.clientSecret.utf8)) ? app : nil
    }

    static func matches(verifier: String, challenge: String, method: String) -> Bool {
        let expected = method == "S256" ? Base64URL.encode(SHA256Digest.hash(Array(verifier.utf8))) : verifier
        return ConstantTime.equals(Array(expected.utf8), Array(challenge.utf8))
    }

    private func apiURL(_ request: Request) -> String {
        "http://\(request.head.authority ?? "127.0.0.1")"
    }

    private func errorPage(_ message: String) -> Response {
        SandboxHTTP.html(.badRequest, page(title: "Zoom sandbox: authorization failed", body: "<p>\(SandboxHTTP.escape(message))</p>"))
    }

    private func consentPage(app: SandboxApp, consentID: String) -> String {
        let accounts = sandbox.world.accounts.filter { account in app.accountIndex.map { $0 == account.index } ?? true }
        let accountOptions = accounts.map { "<option value=\"\($0.index)\">\(SandboxHTTP.escape($0.name)) (\($0.plan.rawValue))</option>" }
        let roleOptions = SandboxRole.allCases.map { "<option value=\"\($0.rawValue)\">\($0.zoomRoleName)</option>" }
        let scopes = app.scopes.map { "<li><code>\(SandboxHTTP.escape($0))</code></li>" }.joined()
        return page(
            title: "Authorize \(app.name)",
            body: """
                <p><strong>\(SandboxHTTP.escape(app.name))</strong> would like to access your Zoom account with these scopes:</p>
                <ul>\(scopes)</ul>
                <form method="post" action="/oauth/authorize/decision">
                  <input type="hidden" name="consent" value="\(SandboxHTTP.escape(consentID))">
                  <label>Account <select name="account">\(accountOptions.joined())</select></label>
                  <label>Sign in as <select name="role">\(roleOptions.joined())</select></label>
                  <p><button type="submit" name="decision" value="allow">Allow</button>
                     <button type="submit" name="decision" value="deny">Decline</button></p>
                </form>
                """)
    }

    private func page(title: String, body: String) -> String {
        """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(SandboxHTTP.escape(title))</title>
        <meta name="viewport" content="width=device-width, initial-scale=1"></head>
        <body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto">
        <h1>\(SandboxHTTP.escape(title))</h1>\(body)<p><small>Zoom sandbox: an emulator, not zoom.us.</small></p></body></html>
        """
    }
}
