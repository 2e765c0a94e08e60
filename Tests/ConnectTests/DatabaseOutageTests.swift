import Credentials
import CurlHTTP
import Foundation
import Postgres
import Sensitive
import Server
import Store
import TestSupport
import Testing
import Vault

/// The API while its database is down (issue 6, item 6): it answers 503 at once instead of hanging,
/// /readyz says not ready, and everything works again once the database is back, without a restart.
@Suite("API during a database outage", .enabled(if: TestDatabase.isAvailableOrRequired))
struct DatabaseOutageTests {
    @Test("with the database stopped the API answers 503 database_unavailable at once and /readyz 503; after it restarts both recover by themselves")
    func outageAndRecovery() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.destroy() }
        // Patient timeouts (60 s to wait for a connection, 30 s to connect): a request that waited on the
        // database instead of failing fast would take at least 30 s, far beyond any delay a loaded machine adds.
        var configuration = PGPool.Configuration(connectionString: Secret(cluster.connectionString))
        configuration.acquireTimeout = .seconds(60)
        configuration.connectTimeoutSeconds = 30
        let pool = PGPool(configuration: configuration, logger: TestDatabase.logger)
        let migrator = Migrator(pool: pool, migrations: try Migration.load(from: TestDatabase.migrationsDirectory), logger: TestDatabase.logger)
        try await migrator.migrate()
        let tenant = try await Tenants(pool: pool).create(slug: "acme", name: "Acme")
        let key = try await APIKeys(pool: pool).create(tenantID: tenant.id, name: "backend").key.unsafeValue

        // The client's own timeout only tells a slow answer from none (ThreadSanitizer on two cores took more than
        // its default 30 s once); `took` below still holds the API to failing fast.
        var clientConfiguration = CurlHTTPClient.Configuration()
        clientConfiguration.totalTimeout = TestScale.bound(.seconds(60))
        let http = CurlHTTPClient(configuration: clientConfiguration)
        let connect = ConnectService(
            pool: pool, vault: CredentialVault(keyRing: try KeyRing(keys: [(id: "k1", key: try SymmetricKey.generate())])),
            registry: ConnectorRegistry([], platformApps: [:]), http: http,
            configuration: ConnectConfiguration(publicURL: "http://127.0.0.1:8080", returnURLOrigins: []), logger: TestDatabase.logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var serverConfiguration = ServerConfiguration(host: "127.0.0.1", port: 0)
        serverConfiguration.rateLimits = .unlimited
        let app = buildApplication(
            configuration: serverConfiguration, pool: pool, migrator: migrator,
            connect: ConnectRoutesDependencies(connect: connect, webhookSecrets: [:]), logger: TestDatabase.logger,
            onServerRunning: { continuation.yield($0) })
        try await withRunningServer(app, ports: ports) { base in
            func users() async throws -> (HTTPClientResponse, Duration) {
                let started = ContinuousClock.now
                let response = try await http.execute(
                    HTTPClientRequest(
                        url: base + "/v1/tenants/acme/users", headers: [HTTPHeader("Authorization", "Bearer \(key)")]))
                return (response, ContinuousClock.now - started)
            }
            #expect(try await users().0.status == 200)

            try cluster.stop()
            for _ in 0..<3 {
                let (down, took) = try await users()
                #expect(down.status == 503, "\(down.bodyText)")
                #expect(down.bodyText.contains(#""code":"database_unavailable""#))
                #expect(down.header("retry-after") == "5")
                // Typically milliseconds; the bound only separates failing fast from waiting on the pool's
                // timeouts (the figure itself belongs to scripts/faults).
                #expect(took < .seconds(20), "answered in \(took)")
            }
            let readiness = try await http.execute(HTTPClientRequest(url: base + "/readyz"))
            #expect(readiness.status == 503)

            try cluster.startAgain()
            var recovered = false
            for _ in 0..<50 where !recovered {
                recovered = try await users().0.status == 200
                if !recovered { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(recovered, "the API did not recover after the database came back")
            // /readyz reuses its reading for a second (RecentValue): the 503 read just before may still be served.
            var ready = false
            for _ in 0..<25 where !ready {
                ready = try await http.execute(HTTPClientRequest(url: base + "/readyz")).status == 200
                if !ready { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(ready, "/readyz did not recover after the database came back")
        }
        await http.shutdown()
        await pool.close()
    }
}
