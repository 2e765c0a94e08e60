import CurlHTTP
import EventDelivery
import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import Postgres
import TestSupport
import Testing

/// A slow webhook endpoint cannot take every delivery slot (issue 18, finding 4).
@Suite("Webhook deliveries to a slow host", .enabled(if: TestDatabase.isAvailableOrRequired))
struct DeliveryIsolationTests {
    /// An endpoint that answers 200 after `delay`, counting how many requests it holds at once.
    final class SlowEndpoint: Sendable {
        let delay: Duration
        let state = NIOLockedValueBox<(now: Int, most: Int, total: Int)>((0, 0, 0))

        init(delay: Duration) { self.delay = delay }

        var router: Router<BasicRequestContext> {
            let router = Router(context: BasicRequestContext.self)
            router.post("/hook") { _, _ -> Response in
                self.state.withLockedValue {
                    $0.now += 1; $0.most = max($0.most, $0.now); $0.total += 1
                }
                try await Task.sleep(for: self.delay)
                self.state.withLockedValue { $0.now -= 1 }
                return Response(status: .ok)
            }
            return router
        }
    }

    @Test("one pass holds at most two attempts to a host; the others wait for a later pass without using an attempt, and all land")
    func perHostCap() async throws {
        let endpoint = SlowEndpoint(delay: .milliseconds(600))
        try await withLoopbackRouter(endpoint.router) { base in
            try await withHarness(webhooksMayReachPrivateAddresses: true) { h in
                let (tenant, key) = try await h.makeTenant("acme")
                #expect(try await h.api("PUT", "/v1/tenants/acme/webhook", key: key, json: ["url": base + "/hook"]).status == 200)
                let tenantID = try #require(UUID(uuidString: tenant))
                try await h.owner.withConnection { sql in
                    for index in 0..<5 {
                        _ = try sql.query("SELECT record_event(\(tenantID), 'connection.status_changed', jsonb_build_object('n', \(index)))")
                    }
                }
                let events = try await EventTests.deliveryState(h).count
                #expect(events == 5)
                var configuration = EventDeliveryConfiguration()
                configuration.busyHostDelay = .milliseconds(100)
                let deliverer = EventDeliverer(
                    pool: h.app, vault: h.vault, http: h.outbound, configuration: configuration, logger: TestDatabase.logger)

                try await deliverer.deliverDue()
                #expect((1...2).contains(endpoint.state.withLockedValue { $0.most }), "at most two at once to one host")
                let afterFirst = try await EventTests.deliveryState(h)
                #expect(afterFirst.filter { $0.0 == "delivered" }.count == 2)
                #expect(afterFirst.filter { $0.0 == "pending" }.allSatisfy { $0.1 == 0 }, "a postponed delivery has used no attempt: \(afterFirst)")

                let deadline = ContinuousClock.now + .seconds(30)
                while try await EventTests.deliveryState(h).contains(where: { $0.0 == "pending" }), ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(150))
                    try await deliverer.deliverDue()
                }
                #expect(try await EventTests.deliveryState(h).allSatisfy { $0.0 == "delivered" && $0.1 == 1 })
                #expect(endpoint.state.withLockedValue { $0.total } == events, "each event sent once")
                #expect(endpoint.state.withLockedValue { $0.most } <= 2)
            }
        }
    }
}
