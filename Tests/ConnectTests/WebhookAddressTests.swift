import CurlHTTP
import EventDelivery
import Foundation
import NIOConcurrencyHelpers
import Postgres
import TestSupport
import Testing
import TetherApp

/// SSRF through tenant webhooks (issue 18, finding 1; DESIGN §6.4): a tenant key must not be able to aim
/// Tether's workers at the operator's own network, neither when it registers the URL nor later, when the
/// name points somewhere else.
@Suite("Webhook destinations reach only public addresses", .enabled(if: TestDatabase.isAvailableOrRequired))
struct WebhookAddressTests {
    /// Hosts that are, or resolve to, addresses a webhook may not reach, in the spellings an attacker tries.
    static let refusedURLs = [
        "https://127.0.0.1/h", "https://localhost/h", "https://[::1]/h", "https://2130706433/h", "https://127.1/h",
        "https://10.0.0.5/h", "https://172.16.0.1/h", "https://192.168.1.1/h", "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/h", "https://[fc00::1]/h", "https://[fe80::1]/h", "https://0.0.0.0/h", "https://[::]/h",
        "https://[::ffff:127.0.0.1]/h", "https://[64:ff9b::a00:1]/h", "https://[2002:a00:1::]/h", "https://224.0.0.1/h",
        "http://127.0.0.1:9/h", "http://1.2.3.4/h",
    ]

    @Test(
        "SSRF at registration: a host that is or resolves to a loopback, private, link-local, CGNAT, unique-local or unspecified address gets 400 invalid_webhook_url and stores nothing"
    )
    func refusedAtRegistration() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            for url in Self.refusedURLs + ["https://no-such-host.invalid/h"] {
                let response = try await h.api("PUT", "/v1/tenants/acme/webhook", key: key, json: ["url": url])
                #expect(response.status == 400, "\(url): \(response.bodyText)")
                #expect((try h.object(response)["error"] as? [String: Any])?["code"] as? String == "invalid_webhook_url", "\(url)")
                Figures.count("ssrf.registrations_refused")
            }
            #expect(try await h.api("GET", "/v1/tenants/acme/webhook", key: key).status == 404)
            let stored = try await h.owner.withConnection { try $0.query("SELECT count(*) FROM tenant_webhooks")[0].decode(Int.self, at: 0) }
            #expect(stored == 0)
            #expect(try await h.api("PUT", "/v1/tenants/acme/webhook", key: key, json: ["url": EventTests.publicURL]).status == 200)
        }
    }

    @Test("SSRF refusals name the kind of address, never the address a name resolved to")
    func refusalDoesNotRevealResolution() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            let response = try await h.api("PUT", "/v1/tenants/acme/webhook", key: key, json: ["url": "https://localhost/h"])
            #expect(response.bodyText.contains("loopback"))
            #expect(!response.bodyText.contains("127.0.0.1") && !response.bodyText.contains("::1"))
        }
    }

    @Test("TETHER_WEBHOOK_ALLOW_PRIVATE lifts the refusal for local development, plain http to loopback included")
    func allowPrivateForLocalDevelopment() async throws {
        try await withHarness(webhooksMayReachPrivateAddresses: true) { h in
            let (_, key) = try await h.makeTenant("acme")
            for url in ["http://127.0.0.1:9/h", "https://10.0.0.5/h"] {
                #expect(try await h.api("PUT", "/v1/tenants/acme/webhook", key: key, json: ["url": url]).status == 200, "\(url)")
            }
            #expect(try await h.api("PUT", "/v1/tenants/acme/webhook", key: key, json: ["url": "http://10.0.0.5/h"]).status == 400)
        }
    }

    @Test("SSRF at delivery: a stored URL whose host now resolves to loopback is refused when the socket opens; the endpoint sees nothing")
    func refusedAtDelivery() async throws {
        let receiver = EventTests.Receiver(failures: 0)
        try await withLoopbackRouter(receiver.router) { endpoint in
            // Registered while private addresses were allowed: the same state as a name that was public at
            // registration and points at loopback now.
            try await withHarness(webhooksMayReachPrivateAddresses: true) { h in
                let (tenant, key) = try await h.makeTenant("acme")
                let port = try #require(URLComponents(string: endpoint)?.port)
                for host in ["127.0.0.1", "localhost"] {
                    let url = "https://\(host):\(port)/hook"
                    #expect(try await h.api("PUT", "/v1/tenants/acme/webhook", key: key, json: ["url": url]).status == 200)
                }
                try await h.owner.withConnection { sql in
                    _ = try sql.query("SELECT record_event(\(UUID(uuidString: tenant)!), 'connection.status_changed', '{}'::jsonb)")
                }
                let production = CurlHTTPClient(configuration: TetherApp.deliveryClientConfiguration(EventDeliveryConfiguration()))
                defer { Task { await production.shutdown() } }
                let deliverer = EventDeliverer(pool: h.app, vault: h.vault, http: production, logger: TestDatabase.logger)
                #expect(try await deliverer.deliverDue() == 1)
                let error = try await h.owner.withConnection {
                    try $0.query("SELECT last_delivery_error FROM events WHERE delivery_status <> 'none'")[0].decode(String.self, at: 0)
                }
                #expect(error.contains("refused_address") && error.contains("loopback"), "\(error)")
                #expect(receiver.received.withLockedValue { $0.isEmpty })
                Figures.record("ssrf.delivery_requests_reached", receiver.received.withLockedValue { $0.count })
            }
        }
    }
}
