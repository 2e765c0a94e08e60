import CurlHTTP
import Foundation
import Hummingbird
import Logging
import Postgres
import Sensitive
import Server
import Store
import TestSupport
import Testing

/// Runs Tether's real application on a free loopback port against `pool`.
@discardableResult
func withServer<Result: Sendable>(
    pool: PGPool,
    configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: @Sendable (_ baseURL: String, _ migrator: Migrator) async throws -> Result
) async throws -> Result {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../migrations").standardized
    let migrator = Migrator(pool: pool, migrations: try Migration.load(from: directory), logger: TestDatabase.logger)
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    var configuration = ServerConfiguration(host: "127.0.0.1", port: 0)
    configuration.readinessTimeout = .seconds(2)
    configure(&configuration)
    let app = buildApplication(
        configuration: configuration, pool: pool, migrator: migrator, logger: TestDatabase.logger,
        onServerRunning: { continuation.yield($0) })
    return try await withRunningServer(app, ports: ports) { base in try await body(base, migrator) }
}

@Suite("Health, readiness and error bodies over HTTP", .enabled(if: TestDatabase.isAvailableOrRequired))
struct HealthTests {
    /// Its timeout only tells a slow answer from none: under ThreadSanitizer, with the whole suite on two cores, a
    /// /readyz request took more than the default 30 s once.
    static let sharedClient = CurlHTTPClient(
        configuration: {
            var configuration = CurlHTTPClient.Configuration()
            configuration.totalTimeout = TestScale.bound(.seconds(60))
            return configuration
        }())
    var client: CurlHTTPClient { Self.sharedClient }

    @Test("/readyz answers 503 while migrations are pending and 200 once they are applied; /healthz is always 200")
    func readiness() async throws {
        try await TestDatabase.withFreshDatabase { pool, _ in
            try await withServer(pool: pool) { base, migrator in
                let health = try await client.execute(HTTPClientRequest(url: base + "/healthz"))
                #expect(health.status == 200)
                #expect(health.bodyText == #"{"status":"ok"}"#)
                let pending = try await client.execute(HTTPClientRequest(url: base + "/readyz"))
                #expect(pending.status == 503)
                #expect(pending.bodyText.contains(#""migrations":"pending""#))
                try await migrator.migrate()
                // /readyz reuses its reading for a second (RecentValue): the 503 read just before may still be
                // served when the migrations take less than that.
                var ready = try await client.execute(HTTPClientRequest(url: base + "/readyz"))
                for _ in 0..<25 where ready.status != 200 {
                    try await Task.sleep(for: .milliseconds(200))
                    ready = try await client.execute(HTTPClientRequest(url: base + "/readyz"))
                }
                #expect(ready.status == 200)
                #expect(ready.bodyText.contains(#""status":"ready""#))
                #expect(ready.bodyText.contains(#""database":"ok""#))
            }
        }
    }

    @Test("/readyz answers 503 quickly when the database is unreachable")
    func databaseDown() async throws {
        var configuration = PGPool.Configuration(connectionString: Secret("postgresql://nobody@127.0.0.1:1/none"))
        configuration.connectTimeoutSeconds = 2
        let pool = PGPool(configuration: configuration, logger: TestDatabase.logger)
        try await withServer(pool: pool) { base, _ in
            let started = ContinuousClock.now
            let response = try await client.execute(HTTPClientRequest(url: base + "/readyz"))
            #expect(response.status == 503)
            #expect(response.bodyText.contains(#""database":"unreachable""#))
            // Not a latency figure (that is scripts/bench's); it proves the probe does not hang on the database.
            #expect(ContinuousClock.now - started < TestScale.bound(.seconds(15)))

            let metrics = try await client.execute(HTTPClientRequest(url: base + "/metrics"))
            #expect(metrics.status == 200)
            #expect(metrics.header("content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(metrics.bodyText.contains("tether_sync_queue_up 0"), "\(metrics.bodyText)")
            #expect(metrics.bodyText.contains(#"tether_http_requests_total{method="GET",route="/readyz",status="503"} 1"#), "\(metrics.bodyText)")
        }
        await pool.close()
    }

    @Test("unknown routes and wrong methods get the JSON error body, nosniff and a request id")
    func errorBodies() async throws {
        try await TestDatabase.withFreshDatabase { pool, _ in
            try await withServer(pool: pool) { base, _ in
                let missing = try await client.execute(HTTPClientRequest(url: base + "/v1/nothing?token=sentinel-secret"))
                #expect(missing.status == 404)
                #expect(missing.header("content-type") == "application/json; charset=utf-8")
                #expect(missing.header("x-content-type-options") == "nosniff")
                let body = try JSONSerialization.jsonObject(with: Data(missing.body)) as? [String: [String: String]]
                #expect(body?["error"]?["code"] == "not_found")
                #expect(missing.bodyText.contains("sentinel-secret") == false)
                #expect(missing.header("x-request-id")?.isEmpty == false)
                let wrongMethod = try await client.execute(HTTPClientRequest(method: "DELETE", url: base + "/healthz"))
                #expect([404, 405].contains(wrongMethod.status))
                #expect(wrongMethod.bodyText.contains(#""error""#))
            }
        }
    }

    @Test("every response carries a distinct X-Request-Id")
    func requestIDs() async throws {
        try await TestDatabase.withFreshDatabase { pool, _ in
            try await withServer(pool: pool) { base, _ in
                var ids = Set<String>()
                for _ in 0..<5 { ids.insert(try await client.execute(HTTPClientRequest(url: base + "/healthz")).header("x-request-id") ?? "") }
                #expect(ids.count == 5)
                #expect(!ids.contains(""))
            }
        }
    }
}
