import CurlHTTP
import Foundation
import Postgres
import TestSupport
import Testing

/// `/metrics` over real HTTP: request counts by route pattern (never by raw path), and the queue as the
/// database sees it at scrape time.
@Suite("Metrics endpoint", .enabled(if: TestDatabase.isAvailableOrRequired))
struct MetricsTests {
    @Test("requests are counted by route pattern and status, probes add no series, and queued runs show in the queue gauges")
    func requestAndQueueMetrics() async throws {
        try await withHarness { h in
            let (tenant, key) = try await h.makeTenant("acme")
            let connection = try await DataAPITests.seedUsers(h, tenant: tenant, count: 3)
            try await h.owner.withConnection { sql in
                try sql.execute(
                    """
                    INSERT INTO connection_streams (tenant_id, connection_id, name, permitted)
                    VALUES (\(UUID(uuidString: tenant)!), \(UUID(uuidString: connection)!), 'users', true)
                    """)
            }
            for _ in 0..<2 { #expect(try await h.api("GET", "/v1/tenants/acme/users", key: key).status == 200) }
            #expect(try await h.api("GET", "/v1/tenants/acme/users?limit=0", key: key).status == 400)
            let probe = UUID().uuidString.lowercased()
            #expect(try await h.api("GET", "/v1/probe-\(probe)", key: key).status == 404)
            let queued = try await h.api("POST", "/v1/tenants/acme/connections/\(connection)/syncs", key: key)
            #expect(queued.status == 202, "\(queued.bodyText)")

            let response = try await h.http.execute(HTTPClientRequest(url: h.base + "/metrics"))
            #expect(response.status == 200)
            let text = response.bodyText
            #expect(text.contains(#"tether_http_requests_total{method="GET",route="/v1/tenants/{tenant}/users",status="200"} 2"#), "\(text)")
            #expect(text.contains(#"tether_http_requests_total{method="GET",route="/v1/tenants/{tenant}/users",status="400"} 1"#))
            #expect(text.contains(#"route="/v1/tenants/{tenant}/connections/{id}/syncs",status="202"} 1"#))
            #expect(text.contains(#"tether_http_request_duration_seconds_count{method="GET",route="/v1/tenants/{tenant}/users"} 3"#))
            #expect(!text.contains(probe), "a probed path became a label value")
            #expect(!text.contains(tenant) && !text.contains(connection), "ids never become label values")
            #expect(text.contains("tether_sync_queue_up 1"))
            #expect(text.contains(#"tether_sync_queue_runs{state="queued"} 1"#))
            #expect(text.contains(#"tether_sync_queue_runs{state="running"} 0"#))
        }
    }
}
