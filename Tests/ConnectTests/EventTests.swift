import Credentials
import CurlHTTP
import EventDelivery
import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import Postgres
import Sensitive
import Store
import TestSupport
import Testing
import Vault
import ZoomSandbox

/// Events over real HTTP: the feed a consumer pages with the last event id it has, and signed webhook
/// deliveries to a loopback endpoint, retried until they land or the 24 hours pass.
@Suite("Events and outbound webhooks", .enabled(if: TestDatabase.isAvailableOrRequired))
struct EventTests {
    /// Creates the tenant's server-to-server connection through the API; returns its id.
    static func connectServerToServer(_ h: Harness, key: String) async throws -> String {
        let app = h.serverToServerApp()
        let created = try await h.api(
            "POST", "/v1/tenants/acme/connections", key: key,
            json: [
                "provider": "zoom", "mode": "server_to_server", "account_id": h.account.id, "client_id": app.clientID,
                "client_secret": app.clientSecret,
            ])
        #expect(created.status == 201, "\(created.bodyText)")
        return try #require(try h.object(created)["id"] as? String)
    }

    static func feed(_ h: Harness, key: String, query: String = "") async throws -> (events: [[String: Any]], next: String?) {
        let response = try await h.api("GET", "/v1/tenants/acme/events" + query, key: key)
        #expect(response.status == 200, "\(response.bodyText)")
        let object = try h.object(response)
        return (object["data"] as? [[String: Any]] ?? [], object["next_cursor"] as? String)
    }

    @Test("connection status changes and finished runs appear in the feed in order; the last event id resumes it; bad cursors are refused")
    func feed() async throws {
        try await withHarness { h in
            let (tenant, key) = try await h.makeTenant("acme")
            let connection = try await Self.connectServerToServer(h, key: key)
            // A run finished exactly as a worker finishes one: claimed under a lease, then reported.
            let (runID, _) = try await SyncRuns(pool: h.app).enqueue(
                tenantID: UUID(uuidString: tenant)!, connectionID: UUID(uuidString: connection)!, streams: ["users"], trigger: .manual)
            let claimed = try #require(try await SyncRuns(pool: h.app).claim(workerID: "test:1", lease: .seconds(30), limit: 5).first)
            try await SyncRuns(pool: h.app).finish(claimed, status: .succeeded, error: nil)
            #expect(try await h.api("DELETE", "/v1/tenants/acme/connections/\(connection)", key: key).status == 204)

            let all = try await Self.feed(h, key: key)
            let types: [String?] = all.events.map { $0["type"] as? String }
            #expect(types == ["connection.status_changed", "sync_run.finished", "connection.status_changed"])
            let data = all.events.map { $0["data"] as? [String: Any] ?? [:] }
            #expect(data[0]["status"] as? String == "active")
            #expect(data[0]["connection_id"] as? String == connection)
            #expect(data[1]["run_id"] as? String == runID.uuidString.lowercased())
            #expect(data[1]["status"] as? String == "succeeded")
            let streamNames: [String] = (data[1]["streams"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(streamNames.contains("users"))
            #expect(data[2]["status"] as? String == "revoked")
            #expect(data[2]["previous_status"] as? String == "active")
            #expect(all.events.allSatisfy { $0["tenant_id"] as? String == tenant })
            #expect(all.next == nil)

            let firstID = try #require(all.events[0]["id"] as? String)
            let firstPage = try await Self.feed(h, key: key, query: "?limit=1")
            #expect(firstPage.next == firstID)
            let resumed = try await Self.feed(h, key: key, query: "?cursor=\(firstID)")
            let resumedIDs: [String] = resumed.events.compactMap { $0["id"] as? String }
            let laterIDs: [String] = all.events.dropFirst().compactMap { $0["id"] as? String }
            #expect(resumedIDs == laterIDs)
            let finished = try await Self.feed(h, key: key, query: "?type=sync_run.finished")
            #expect(finished.events.count == 1)

            for query in ["?cursor=\(UUID().uuidString)", "?cursor=nope", "?type=user.created", "?limit=0", "?since=1", "?limit=1&limit=2"] {
                #expect(try await h.api("GET", "/v1/tenants/acme/events\(query)", key: key).status == 400, "\(query)")
            }
            let (_, otherKey) = try await h.makeTenant("other")
            #expect(try await h.api("GET", "/v1/tenants/acme/events", key: otherKey).status == 404)
            #expect(
                try await h.api("GET", "/v1/tenants/other/events?cursor=\(firstID)", key: otherKey).status == 400,
                "another tenant's event id is not a cursor")
        }
    }

    /// A loopback endpoint that answers `failures` 500s, then 200s, and keeps every request it got.
    final class Receiver: Sendable {
        struct Received: Sendable {
            let headers: [String: String]
            let body: [UInt8]
        }
        let received = NIOLockedValueBox<[Received]>([])
        let failures: Int

        init(failures: Int) { self.failures = failures }

        var router: Router<BasicRequestContext> {
            let router = Router(context: BasicRequestContext.self)
            router.post("/hook") { request, _ -> Response in
                let body = try await request.body.collect(upTo: 1 << 20)
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName] = field.value }
                let count = self.received.withLockedValue {
                    $0.append(Received(headers: headers, body: Array(body.readableBytesView)))
                    return $0.count
                }
                return Response(status: count <= self.failures ? .internalServerError : .ok)
            }
            return router
        }
    }

    static func deliverer(_ h: Harness) -> EventDeliverer {
        var configuration = EventDeliveryConfiguration()
        configuration.retryBase = .milliseconds(200)
        configuration.requestTimeout = .seconds(5)
        return EventDeliverer(pool: h.app, vault: h.vault, http: h.outbound, configuration: configuration, logger: TestDatabase.logger)
    }

    static func deliveryState(_ h: Harness) async throws -> [(String, Int, String?)] {
        try await h.owner.withConnection { sql in
            try sql.query("SELECT delivery_status, delivery_attempts, last_delivery_error FROM events ORDER BY created_at")
                .map { try $0.decode((String, Int, String?).self) }
        }
    }

    @Test("a delivery is signed over the raw body (Standard Webhooks), retried after 500s with backoff, and lands exactly once")
    func signedDeliveryWithRetries() async throws {
        let receiver = Receiver(failures: 2)
        try await withLoopbackRouter(receiver.router) { endpoint in
            try await withHarness(webhooksMayReachPrivateAddresses: true) { h in
                let (tenant, key) = try await h.makeTenant("acme")
                let set = try await h.api("PUT", "/v1/tenants/acme/webhook", key: key, json: ["url": endpoint + "/hook"])
                #expect(set.status == 200, "\(set.bodyText)")
                let secret = try #require(try h.object(set)["secret"] as? String)
                #expect(secret.hasPrefix("whsec_"))
                let shown = try await h.api("GET", "/v1/tenants/acme/webhook", key: key)
                #expect(!shown.bodyText.contains(secret.dropFirst(6)), "the secret is shown once")
                let stored = try await h.owner.withConnection { try $0.query("SELECT secret FROM tenant_webhooks")[0].decode(Data.self, at: 0) }
                #expect(stored.range(of: Data(secret.utf8)) == nil, "the secret is sealed at rest")

                _ = try await Self.connectServerToServer(h, key: key)
                let deliverer = Self.deliverer(h)
                let deadline = ContinuousClock.now + .seconds(30)
                while try await Self.deliveryState(h).first?.0 == "pending", ContinuousClock.now < deadline {
                    try await deliverer.deliverDue()
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(try await Self.deliveryState(h).map(\.0) == ["delivered"])
                #expect(try await Self.deliveryState(h).map(\.1) == [3])
                try await deliverer.deliverDue()
                let requests = receiver.received.withLockedValue { $0 }
                #expect(requests.count == 3, "two failures, one success, nothing after")

                let event = try #require(try await Self.feed(h, key: key).events.first)
                let eventID = try #require(event["id"] as? String)
                let signingKey = try Base64.decode(String(secret.dropFirst(6)))
                for request in requests {
                    #expect(request.headers["webhook-id"] == eventID)
                    #expect(request.headers["content-type"] == "application/json")
                    let timestamp = try #require(request.headers["webhook-timestamp"].flatMap { Int($0) })
                    #expect(abs(Double(timestamp) - Date().timeIntervalSince1970) < 300)
                    let signature = try #require(request.headers["webhook-signature"])
                    #expect(signature.hasPrefix("v1,"))
                    let code = try Base64.decode(String(signature.dropFirst(3)))
                    let signed = Array("\(eventID).\(timestamp).".utf8)
                    let message: [UInt8] = signed + request.body
                    #expect(HMACSHA256.isValid(code: code, key: signingKey, message: message))
                    #expect(!HMACSHA256.isValid(code: code, key: signingKey, message: message + [0x20]), "a changed body fails")
                    let body = try #require(
                        try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                        "\(String(decoding: request.body, as: UTF8.self).prefix(300))")
                    #expect(body["id"] as? String == eventID)
                    #expect(body["tenant_id"] as? String == tenant)
                    #expect(body["type"] as? String == "connection.status_changed")
                }
            }
        }
    }

    @Test("an endpoint that never answers 2xx is given up 24 hours after the event; without a webhook nothing is queued")
    func giveUpAndNoWebhook() async throws {
        let receiver = Receiver(failures: .max)
        try await withLoopbackRouter(receiver.router) { endpoint in
            try await withHarness(webhooksMayReachPrivateAddresses: true) { h in
                let (_, key) = try await h.makeTenant("acme")
                _ = try await Self.connectServerToServer(h, key: key)
                #expect(try await Self.deliveryState(h).map(\.0) == ["none"])

                #expect(try await h.api("PUT", "/v1/tenants/acme/webhook", key: key, json: ["url": endpoint + "/hook"]).status == 200)
                #expect(try await h.api("DELETE", "/v1/tenants/acme/connections/\(UUID())", key: key).status == 404)
                let connection = try #require(try await h.object(h.api("GET", "/v1/tenants/acme/connections", key: key))["data"] as? [[String: Any]])
                #expect(try await h.api("DELETE", "/v1/tenants/acme/connections/\(connection[0]["id"] as? String ?? "")", key: key).status == 204)
                // The revocation's event happened 25 hours ago as far as delivery is concerned.
                _ = try await h.owner.withConnection {
                    try $0.execute("UPDATE events SET created_at = created_at - interval '25 hours' WHERE delivery_status = 'pending'")
                }
                try await Self.deliverer(h).deliverDue()
                let states = try await Self.deliveryState(h)
                #expect(states.map(\.0).sorted() == ["failed", "none"])
                #expect(states.first { $0.0 == "failed" }?.2 == "the endpoint answered 500")
                #expect(receiver.received.withLockedValue { $0.count } == 1)
            }
        }
    }

    /// A public address: registration accepts it without resolving anything, and no test sends to it.
    static let publicURL = "https://1.2.3.4/tether"

    @Test("a webhook URL must be https, without credentials or fragment; a refused one stores nothing")
    func webhookValidation() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            for url in [
                "http://example.com/hook", "ftp://example.com", "https://user:pw@example.com/hook", "https://example.com/#x", "/relative",
                "https://example.com/" + String(repeating: "a", count: 2100),
            ] {
                let response = try await h.api("PUT", "/v1/tenants/acme/webhook", key: key, json: ["url": url])
                #expect(response.status == 400, "\(url)")
                #expect(!response.bodyText.contains("pw@"))
            }
            #expect(
                try await h.api("PUT", "/v1/tenants/acme/webhook", key: key, json: ["url": "https://example.com/h", "secret": "x"]).status == 400)
            #expect(try await h.api("GET", "/v1/tenants/acme/webhook", key: key).status == 404)
            #expect(try await h.api("PUT", "/v1/tenants/acme/webhook", key: key, json: ["url": Self.publicURL]).status == 200)
            #expect(try await h.api("DELETE", "/v1/tenants/acme/webhook", key: key).status == 204)
            #expect(try await h.api("DELETE", "/v1/tenants/acme/webhook", key: key).status == 404)
        }
    }

    @Test("key rotation re-seals the webhook secret: afterwards a ring without the old key opens the same secret")
    func rotationCoversWebhookSecret() async throws {
        let k1 = try SymmetricKey.generate()
        try await withHarness(keyRing: try KeyRing(keys: [(id: "k1", key: k1)])) { h in
            let (tenant, key) = try await h.makeTenant("acme")
            let set = try await h.api("PUT", "/v1/tenants/acme/webhook", key: key, json: ["url": Self.publicURL])
            let secret = try #require(try h.object(set)["secret"] as? String)
            let k2 = try SymmetricKey.generate()
            let ring = try KeyRing(keys: [(id: "k1", key: k1), (id: "k2", key: k2)], primaryID: "k2")
            let rotation = KeyRotation(pool: h.app, vault: CredentialVault(keyRing: ring), logger: TestDatabase.logger)
            #expect(try await rotation.status() == ["k1": 1])
            _ = try await rotation.run(batchSize: 10)
            #expect(try await rotation.status() == ["k2": 1])
            let sealed = try await h.owner.withConnection { try $0.query("SELECT secret FROM tenant_webhooks")[0].decode(Data.self, at: 0) }
            let onlyNew = CredentialVault(keyRing: try KeyRing(keys: [(id: "k2", key: k2)]))
            #expect(try onlyNew.openWebhookSecret(sealed, tenantID: UUID(uuidString: tenant)!).unsafeValue == secret)
        }
    }
}
