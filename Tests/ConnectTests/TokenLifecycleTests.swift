import Credentials
import Foundation
import Hummingbird
import OAuth
import Postgres
import Sensitive
import Store
import TestSupport
import Testing
import ZoomConnector
import ZoomSandbox

/// DESIGN §5 and SECURITY.md O12, W-series: tokens refreshed once however many callers ask, the rotated
/// refresh token committed, `invalid_grant` ending in `needs_reauth` without a retry loop.
@Suite("Token lifecycle", .enabled(if: TestDatabase.isAvailableOrRequired))
struct TokenLifecycleTests {
    /// Connects tenant `slug` to sandbox account `account` in platform mode; returns (tenant id, connection id).
    /// (Authorizing one app again for the same account replaces that account's earlier grant, as at Zoom.)
    static func connected(_ h: Harness, _ slug: String, account: Int = 0) async throws -> (UUID, UUID) {
        let (tenant, key) = try await h.makeTenant(slug)
        var browser = Browser(h)
        let id = try #require(try await browser.connect(try await h.connectURL(slug, key: key), account: account).locationParameters["connection_id"])
        return (UUID(uuidString: tenant)!, UUID(uuidString: id)!)
    }

    /// Makes the stored access token about to expire (1 s left of an hour-long lifetime).
    static func expireSoon(_ h: Harness) async throws {
        try await h.owner.withConnection { connection in
            _ = try connection.execute(
                "UPDATE connection_credentials SET access_token_expires_at = now() + interval '1 second', refreshed_at = now() - interval '1 hour'")
        }
    }

    @Test("50 concurrent callers, in two token providers (two processes), cause exactly 1 refresh; all get the new token")
    func singleFlight() async throws {
        try await withHarness { h in
            let (tenant, id) = try await Self.connected(h, "acme")
            let old = try await h.tokens.accessToken(tenantID: tenant, connectionID: id)
            try await Self.expireSoon(h)
            let other = TokenProvider(
                connections: h.connections, vault: h.vault, registry: h.connect.registry, http: h.outbound, logger: TestDatabase.logger)
            let refreshes = h.sandbox.refreshes
            let tokens = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<50 {
                    let provider = index.isMultiple(of: 2) ? h.tokens : other
                    group.addTask { try await provider.accessToken(tenantID: tenant, connectionID: id).unsafeValue }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(h.sandbox.refreshes == refreshes + 1)
            #expect(tokens.count == 1)
            Figures.record("refresh.concurrent", "50 callers in 2 token providers → \(h.sandbox.refreshes - refreshes) refresh")
            #expect(tokens.first != old.unsafeValue)
            // The rotated refresh token was committed: another forced refresh works with it.
            _ = try await h.tokens.refresh(tenantID: tenant, connectionID: id, force: true)
            #expect(h.sandbox.refreshes == refreshes + 2)
        }
    }

    @Test("invalid_grant marks the connection needs_reauth with the reason and is never retried")
    func invalidGrant() async throws {
        try await withHarness { h in
            let (tenant, id) = try await Self.connected(h, "acme")
            h.sandbox.revokeAll(clientID: h.platformApp.clientID, accountID: h.account.id)
            try await Self.expireSoon(h)
            await #expect(throws: TokenError.self) { try await h.tokens.accessToken(tenantID: tenant, connectionID: id) }
            let connection = try #require(try await h.connections.find(tenantID: tenant, id: id))
            #expect(connection.status == .needsReauth)
            #expect(connection.statusReason?.contains("invalid_grant") == true)
            let requests = h.sandbox.tokenRequests
            for _ in 0..<5 {
                await #expect(throws: TokenError.self) { try await h.tokens.accessToken(tenantID: tenant, connectionID: id) }
            }
            #expect(h.sandbox.tokenRequests == requests, "no retry loop against the token endpoint")
            Figures.record("refresh.invalid_grant_retries", h.sandbox.tokenRequests - requests)
        }
    }

    @Test(
        "O9 on refresh: a token endpoint answering an invalid token response stores nothing and sets the connection to error until a refresh succeeds"
    )
    func invalidRefreshAnswer() async throws {
        let router = Router()
        router.post("/oauth/token") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"access_token":12,"token_type":"bearer","expires_in":3600,"refresh_token":"r"}"#)))
        }
        try await withLoopbackRouter(router) { broken in
            try await withHarness { h in
                let (tenant, id) = try await Self.connected(h, "acme")
                // Due for a refresh (a minute left of an hour), yet still usable however slow the machine is.
                try await h.owner.withConnection { connection in
                    _ = try connection.execute(
                        "UPDATE connection_credentials SET access_token_expires_at = now() + interval '1 minute', refreshed_at = now() - interval '1 hour'"
                    )
                }
                let before = try #require(try await h.connections.credentials(tenantID: tenant, connectionID: id))
                let zoom = ZoomConnector(configuration: .init(oauthBaseURL: broken, apiBaseURL: h.sandboxBase + "/v2"), http: h.outbound)
                let misled = TokenProvider(
                    connections: h.connections, vault: h.vault,
                    registry: ConnectorRegistry(
                        [zoom],
                        platformApps: ["zoom": ClientCredentials(clientID: h.platformApp.clientID, clientSecret: Secret(h.platformApp.clientSecret))]),
                    http: h.outbound, logger: TestDatabase.logger)
                // The stored token is still good: it is handed out, and nothing new is stored.
                _ = try await misled.accessToken(tenantID: tenant, connectionID: id)
                let after = try #require(try await h.connections.credentials(tenantID: tenant, connectionID: id))
                #expect(after.accessToken == before.accessToken && after.refreshToken == before.refreshToken, "0 tokens stored")
                let failed = try #require(try await h.connections.find(tenantID: tenant, id: id))
                #expect(failed.status == .error)
                #expect(failed.statusReason?.contains("not a valid token response") == true)
                _ = try await h.tokens.refresh(tenantID: tenant, connectionID: id, force: true)
                #expect(try await h.connections.find(tenantID: tenant, id: id)?.status == .active, "a good refresh clears the error")
            }
        }
    }

    @Test("the background refresher renews tokens about to expire and leaves fresh ones alone")
    func backgroundRefresher() async throws {
        try await withHarness { h in
            _ = try await Self.connected(h, "acme", account: 0)
            _ = try await Self.connected(h, "beta", account: 1)
            let refresher = TokenRefresher(tokens: h.tokens, pool: h.app, logger: TestDatabase.logger)
            #expect(try await refresher.runOnce() == 0)
            try await Self.expireSoon(h)
            let refreshes = h.sandbox.refreshes
            #expect(try await refresher.runOnce() == 2)
            #expect(h.sandbox.refreshes == refreshes + 2)
            #expect(try await refresher.runOnce() == 0)
        }
    }
}
