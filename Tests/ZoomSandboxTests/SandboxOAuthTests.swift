import CurlHTTP
import Foundation
import Testing
import Vault
import ZoomSandbox

@Suite("Zoom sandbox: OAuth")
struct SandboxOAuthTests {
    @Test("the authorization-code flow with PKCE S256 returns Zoom's token response, and /users/me names the owner")
    func codeFlow() async throws {
        try await withSandbox { sandbox, zoom in
            let tokens = try await zoom.connect(app: zoom.platformApp)
            #expect(tokens["token_type"] as? String == "bearer")
            #expect(tokens["expires_in"] as? Int == 3599)
            #expect((tokens["refresh_token"] as? String)?.isEmpty == false)
            #expect((tokens["scope"] as? String)?.split(separator: " ").contains("user:read:list_users:admin") == true)
            #expect(tokens["api_url"] is String)
            let me = try zoom.json(try await zoom.get("/v2/users/me", token: tokens["access_token"] as? String))
            #expect(me["role_id"] as? String == "0")
            #expect(me["role_name"] as? String == "Owner")
            #expect(me["account_id"] as? String == sandbox.world.accounts[0].id)
            #expect(sandbox.codesExchanged == 1)
        }
    }

    @Test("the RFC 7636 appendix B verifier matches its challenge; a wrong or missing verifier is invalid_grant")
    func pkce() async throws {
        try await withSandbox { _, zoom in
            let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
            let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
            for (sent, accepted) in [(verifier, true), (verifier + "x", false), (nil, false)] as [(String?, Bool)] {
                let code = zoom.redirectParameters(try await zoom.authorize(app: zoom.platformApp, challenge: challenge))["code"]!
                var fields = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", zoom.redirectURI)]
                if let sent { fields.append(("code_verifier", sent)) }
                let response = try await zoom.token(app: zoom.platformApp, fields)
                #expect(response.status == (accepted ? 200 : 400))
                if !accepted { #expect(try zoom.json(response)["error"] as? String == "invalid_grant") }
            }
        }
    }

    @Test("a code works once, expires after five minutes, and only with the authorize request's redirect_uri")
    func codeRules() async throws {
        try await withSandbox { sandbox, zoom in
            func freshCode() async throws -> String {
                zoom.redirectParameters(try await zoom.authorize(app: zoom.platformApp, challenge: nil))["code"]!
            }
            let code = try await freshCode()
            let exchange = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", zoom.redirectURI)]
            #expect(try await zoom.token(app: zoom.platformApp, exchange).status == 200)
            let replay = try await zoom.token(app: zoom.platformApp, exchange)
            #expect(try zoom.json(replay)["error"] as? String == "invalid_grant")

            let other = try await freshCode()
            let mismatch = try await zoom.token(
                app: zoom.platformApp,
                [
                    ("grant_type", "authorization_code"), ("code", other), ("redirect_uri", "http://127.0.0.1:9/other"),
                ])
            #expect(try zoom.json(mismatch)["error"] as? String == "invalid_grant")

            let late = try await freshCode()
            sandbox.clock.advance(by: .seconds(301))
            let expired = try await zoom.token(
                app: zoom.platformApp,
                [
                    ("grant_type", "authorization_code"), ("code", late), ("redirect_uri", zoom.redirectURI),
                ])
            #expect(try zoom.json(expired)["reason"] as? String == "Authorization code is expired")
        }
    }

    @Test("wrong client credentials are invalid_client and unknown grants unsupported_grant_type, both HTTP 400")
    func clientErrors() async throws {
        try await withSandbox { _, zoom in
            let wrong = try await zoom.token(app: zoom.platformApp, secret: "not-the-secret", [("grant_type", "refresh_token")])
            #expect(wrong.status == 400)
            #expect(try zoom.json(wrong)["error"] as? String == "invalid_client")
            #expect(try zoom.json(wrong)["reason"] as? String == "Invalid client_id or client_secret")
            let unknown = try await zoom.token(app: zoom.platformApp, [("grant_type", "password")])
            #expect(unknown.status == 400)
            #expect(try zoom.json(unknown)["error"] as? String == "unsupported_grant_type")
        }
    }

    @Test("every refresh rotates the refresh token; the previous one then fails with Zoom's invalid_grant body")
    func refreshRotation() async throws {
        try await withSandbox { sandbox, zoom in
            let first = try await zoom.connect(app: zoom.platformApp)
            let refresh1 = first["refresh_token"] as! String
            let second = try zoom.json(try await zoom.token(app: zoom.platformApp, [("grant_type", "refresh_token"), ("refresh_token", refresh1)]))
            let refresh2 = try #require(second["refresh_token"] as? String)
            #expect(refresh2 != refresh1)
            let reuse = try await zoom.token(app: zoom.platformApp, [("grant_type", "refresh_token"), ("refresh_token", refresh1)])
            #expect(reuse.status == 400)
            #expect(try zoom.json(reuse)["reason"] as? String == "Invalid Token!")
            #expect(try zoom.json(reuse)["error"] as? String == "invalid_grant")
            let third = try await zoom.token(app: zoom.platformApp, [("grant_type", "refresh_token"), ("refresh_token", refresh2)])
            #expect(third.status == 200)
            let stolen = try await zoom.token(app: zoom.classicApp, [("grant_type", "refresh_token"), ("refresh_token", refresh2)])
            #expect(stolen.status == 400)
            #expect(sandbox.refreshes == 2)
        }
    }

    @Test("authorizing again invalidates the earlier authorization's tokens")
    func reauthorization() async throws {
        try await withSandbox { _, zoom in
            let old = try await zoom.connect(app: zoom.platformApp)
            _ = try await zoom.connect(app: zoom.platformApp)
            #expect(try await zoom.get("/v2/users/me", token: old["access_token"] as? String).status == 401)
            let refresh = try await zoom.token(
                app: zoom.platformApp, [("grant_type", "refresh_token"), ("refresh_token", old["refresh_token"] as! String)])
            #expect(refresh.status == 400)
        }
    }

    @Test("server-to-server apps mint tokens with account_credentials, without a refresh token, for their own account only")
    func accountCredentials() async throws {
        try await withSandbox { sandbox, zoom in
            let app = zoom.serverToServerApp(account: 2)
            let minted = try await zoom.token(app: app, [("grant_type", "account_credentials"), ("account_id", sandbox.world.accounts[2].id)])
            let body = try zoom.json(minted)
            #expect(minted.status == 200)
            #expect(body["refresh_token"] == nil)
            let me = try zoom.json(try await zoom.get("/v2/users/me", token: body["access_token"] as? String))
            #expect(me["account_id"] as? String == sandbox.world.accounts[2].id)
            let otherAccount = try await zoom.token(app: app, [("grant_type", "account_credentials"), ("account_id", sandbox.world.accounts[0].id)])
            #expect(otherAccount.status == 400)
            let notServerToServer = try await zoom.token(
                app: zoom.platformApp, [("grant_type", "account_credentials"), ("account_id", sandbox.world.accounts[0].id)])
            #expect(try zoom.json(notServerToServer)["error"] as? String == "unsupported_grant_type")
        }
    }

    @Test("fleet accounts: each has its own users and a server-to-server app that mints tokens for it alone")
    func fleetAccounts() async throws {
        try await withSandbox({
            $0.fleetAccounts = 3; $0.fleetUsers = 7
        }) { sandbox, zoom in
            #expect(sandbox.world.accounts.count == 6)
            #expect(sandbox.world.accounts[3...].map(\.name) == ["Sandbox Fleet 0001 Inc.", "Sandbox Fleet 0002 Inc.", "Sandbox Fleet 0003 Inc."])
            #expect(Set(sandbox.world.accounts.map(\.id)).count == 6)
            for index in 3..<6 {
                let account = sandbox.world.accounts[index]
                let minted = try zoom.json(
                    try await zoom.token(
                        app: zoom.serverToServerApp(account: index), [("grant_type", "account_credentials"), ("account_id", account.id)]))
                var users = 0
                for status in ["active", "inactive", "pending"] {
                    users += try await zoom.allUsers(status: status, token: minted["access_token"] as? String).count
                }
                #expect(users == 7)
                let me = try zoom.json(try await zoom.get("/v2/users/me", token: minted["access_token"] as? String))
                #expect(me["account_id"] as? String == account.id)
            }
        }
    }

    @Test("a delayed token reply has already rotated the refresh token: a client that dies waiting holds a dead one")
    func delayedTokenReply() async throws {
        try await withSandbox({ $0.controlAPI = true }) { _, zoom in
            let tokens = try await zoom.connect(app: zoom.platformApp)
            let refresh = tokens["refresh_token"] as! String
            #expect(try await zoom.control("POST", "/faults", ["token_delay_ms": 400]).status == 200)
            let started = ContinuousClock.now
            let rotated = try await zoom.token(app: zoom.platformApp, [("grant_type", "refresh_token"), ("refresh_token", refresh)])
            #expect(rotated.status == 200)
            #expect(ContinuousClock.now - started >= .milliseconds(400))
            #expect(try await zoom.control("POST", "/faults", ["token_delay_ms": 60_001]).status == 400)
            #expect(try await zoom.control("DELETE", "/faults").status == 200)
            let reused = try await zoom.token(app: zoom.platformApp, [("grant_type", "refresh_token"), ("refresh_token", refresh)])
            #expect(try zoom.json(reused)["error"] as? String == "invalid_grant")
        }
    }

    @Test("revoking a token ends the whole authorization: the access token gets 401 and the refresh token invalid_grant")
    func revoke() async throws {
        try await withSandbox { _, zoom in
            let tokens = try await zoom.connect(app: zoom.platformApp)
            let revoked = try await zoom.post("/oauth/revoke", app: zoom.platformApp, [("token", tokens["access_token"] as! String)])
            #expect(try zoom.json(revoked)["status"] as? String == "success")
            let rejected = try await zoom.get("/v2/users/me", token: tokens["access_token"] as? String)
            #expect(rejected.status == 401)
            #expect(try zoom.json(rejected)["code"] as? Int == 124)
            let refresh = try await zoom.token(
                app: zoom.platformApp, [("grant_type", "refresh_token"), ("refresh_token", tokens["refresh_token"] as! String)])
            #expect(refresh.status == 400)
        }
    }

    @Test("the consent page names the app and its scopes; Deny redirects with access_denied and the state")
    func consentAndDeny() async throws {
        try await withSandbox({ $0.autoApprove = nil }) { _, zoom in
            let page = try await zoom.authorize(app: zoom.platformApp, challenge: nil, state: "s<1>")
            #expect(page.status == 200)
            #expect(page.bodyText.contains("Tether (sandbox platform app)"))
            #expect(page.bodyText.contains("user:read:list_users:admin"))
            let consent = try #require(page.bodyText.firstMatch(of: /name="consent" value="([^"]+)"/)?.1)
            let denied = try await sandboxClient.execute(
                HTTPClientRequest(
                    method: "POST", url: zoom.base + "/oauth/authorize/decision",
                    headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded")],
                    body: Array("consent=\(consent)&decision=deny".utf8)))
            #expect(denied.status == 302)
            #expect(zoom.redirectParameters(denied) == ["error": "access_denied", "state": "s<1>"])
        }
    }

    @Test("choosing an admin on the consent page yields a token for that admin")
    func consentAllowAsAdmin() async throws {
        try await withSandbox({ $0.autoApprove = nil }) { _, zoom in
            let page = try await zoom.authorize(app: zoom.platformApp, challenge: nil)
            let consent = try #require(page.bodyText.firstMatch(of: /name="consent" value="([^"]+)"/)?.1)
            let allowed = try await sandboxClient.execute(
                HTTPClientRequest(
                    method: "POST", url: zoom.base + "/oauth/authorize/decision",
                    headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded")],
                    body: Array("consent=\(consent)&decision=allow&account=0&role=admin".utf8)))
            let code = try #require(zoom.redirectParameters(allowed)["code"])
            let tokens = try zoom.json(
                try await zoom.token(
                    app: zoom.platformApp,
                    [
                        ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", zoom.redirectURI),
                    ]))
            let me = try zoom.json(try await zoom.get("/v2/users/me", token: tokens["access_token"] as? String))
            #expect(me["role_id"] as? String == "1")
        }
    }

    @Test("an unregistered redirect URI or an unknown client gets an error page, never a redirect")
    func authorizeRefusals() async throws {
        try await withSandbox { _, zoom in
            let badRedirect = try await zoom.authorize(app: zoom.platformApp, challenge: nil, redirectURI: "https://evil.example/cb")
            #expect(badRedirect.status == 400)
            #expect(badRedirect.header("location") == nil)
            let serverToServer = try await zoom.authorize(app: zoom.serverToServerApp(account: 0), challenge: nil)
            #expect(serverToServer.status == 400)
        }
    }
}
