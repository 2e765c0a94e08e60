import Credentials
import CurlHTTP
import Foundation
import Postgres
import Sensitive
import Store
import TestSupport
import Testing
import Vault
import ZoomSandbox

/// A custom-mode app signs its events with its own secret token (issue 18, finding 11): Tether keeps the
/// token the admin gave on the connect page, verifies the app's deauthorization with it, and lets it reach
/// nothing but that app's connection to that account.
@Suite("Custom app webhooks", .enabled(if: TestDatabase.isAvailableOrRequired))
struct CustomAppWebhookTests {
    static let token = "custom-app-secret-token-1"

    /// Tenant acme connects account 0 through its own custom app, giving the app's secret token.
    static func connectCustom(_ h: Harness) async throws -> (key: String, connectionID: String) {
        let (_, key) = try await h.makeTenant("acme")
        var browser = Browser(h)
        let app = h.customApp()
        let done = try await browser.connect(
            try await h.connectURL("acme", key: key, mode: "custom"), client: (app.clientID, app.clientSecret), webhookSecretToken: Self.token)
        return (key, try #require(done.locationParameters["connection_id"]))
    }

    static func status(_ h: Harness, key: String, id: String) async throws -> String? {
        try h.object(try await h.api("GET", "/v1/tenants/acme/connections/\(id)", key: key))["status"] as? String
    }

    @Test("custom-mode deauthorization verifies with that app's own secret token and revokes the connection; a wrong token is refused")
    func deauthorizationVerifiedWithTheAppsToken() async throws {
        try await withHarness { h in
            let (key, id) = try await Self.connectCustom(h)
            let body = WebhookTests.deauthorization(account: h.account.id, client: h.customApp().clientID)
            #expect(try await WebhookTests.deliver(h, body, secret: "not-the-token").status == 401)
            #expect(try await Self.status(h, key: key, id: id) == "active")
            #expect(try await WebhookTests.deliver(h, body, secret: Self.token).status == 200)
            #expect(try await Self.status(h, key: key, id: id) == "revoked")
            let connectionID = try #require(UUID(uuidString: id))
            let tenantID = try #require(UUID(uuidString: try h.object(try await h.api("GET", "/v1/tenants/acme", key: key))["id"] as? String ?? ""))
            #expect(try await h.connections.credentials(tenantID: tenantID, connectionID: connectionID) == nil)
        }
    }

    @Test("a custom app's token cannot deauthorize another app's connections or another account's")
    func tokenReachesOnlyItsOwnAppAndAccount() async throws {
        try await withHarness { h in
            let (key, id) = try await Self.connectCustom(h)
            let (_, betaKey) = try await h.makeTenant("beta")
            var beta = Browser(h)
            let betaID = try #require(
                try await beta.connect(try await h.connectURL("beta", key: betaKey)).locationParameters["connection_id"])
            // Signed with the custom app's token but naming the platform app, or another account.
            let platform = WebhookTests.deauthorization(account: h.account.id, client: h.platformApp.clientID)
            #expect(try await WebhookTests.deliver(h, platform, secret: Self.token).status == 401)
            let elsewhere = WebhookTests.deauthorization(account: "another-account", client: h.customApp().clientID)
            #expect(try await WebhookTests.deliver(h, elsewhere, secret: Self.token).status == 401)
            #expect(try h.object(try await h.api("GET", "/v1/tenants/beta/connections/\(betaID)", key: betaKey))["status"] as? String == "active")
            #expect(try await Self.status(h, key: key, id: id) == "active")
        }
    }

    @Test("the app's URL validation, sent to /webhooks/zoom?client_id=…, is answered with the app's own token")
    func urlValidationWithTheAppsToken() async throws {
        try await withHarness { h in
            _ = try await Self.connectCustom(h)
            let body = #"{"event":"endpoint.url_validation","payload":{"plainToken":"plain-1"},"event_ts":1654503849680}"#
            let response = try await WebhookTests.deliver(h, body, query: "?client_id=\(h.customApp().clientID)", secret: Self.token)
            #expect(response.status == 200)
            let expected = Hex.encode(HMACSHA256.authenticationCode(key: Array(Self.token.utf8), message: Array("plain-1".utf8)))
            #expect(try h.object(response)["encryptedToken"] as? String == expected)
            // Without the hint only the platform secret is tried.
            #expect(try await WebhookTests.deliver(h, body, secret: Self.token).status == 401)
        }
    }

    @Test("the token survives a token refresh and is re-sealed by key rotation, never stored in plaintext")
    func tokenKeptThroughRefreshAndRotation() async throws {
        let k1 = try SymmetricKey.generate()
        try await withHarness(keyRing: try KeyRing(keys: [(id: "k1", key: k1)])) { h in
            let (key, id) = try await Self.connectCustom(h)
            let tenantID = try #require(UUID(uuidString: try h.object(try await h.api("GET", "/v1/tenants/acme", key: key))["id"] as? String ?? ""))
            let connectionID = try #require(UUID(uuidString: id))
            _ = try await h.tokens.refresh(tenantID: tenantID, connectionID: connectionID, force: true)
            let k2 = try SymmetricKey.generate()
            let ring = try KeyRing(keys: [(id: "k1", key: k1), (id: "k2", key: k2)], primaryID: "k2")
            _ = try await KeyRotation(pool: h.app, vault: CredentialVault(keyRing: ring), logger: TestDatabase.logger).run(batchSize: 10)
            let sealed = try #require(try await h.connections.credentials(tenantID: tenantID, connectionID: connectionID)?.webhookSecret)
            #expect(!String(decoding: sealed, as: UTF8.self).contains(Self.token))
            let onlyNew = CredentialVault(keyRing: try KeyRing(keys: [(id: "k2", key: k2)]))
            #expect(try onlyNew.open(sealed, column: "webhook_secret", tenantID: tenantID, connectionID: connectionID)?.unsafeValue == Self.token)
        }
    }
}
