import Connectors
import Credentials
import CurlHTTP
import EventDelivery
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import OAuth
import Postgres
import Sensitive
import Server
import Store
import TestSupport
import TetherApp
import Vault
import ZoomConnector
import ZoomSandbox

/// Log lines a test can search (the sentinel scan reads them).
final class LogCapture: Sendable {
    private let lines = NIOLockedValueBox<[String]>([])
    var all: [String] { lines.withLockedValue { $0 } }
    func append(_ line: String) { lines.withLockedValue { $0.append(line) } }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        capture.append("\(event.level) \(event.message) \(merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
    }
}

/// Tether's real server and connect stack on loopback, against the Zoom sandbox (or another
/// authorization server) and a fresh database, reached over real HTTP through the libcurl client.
struct Harness: Sendable {
    /// What Tether believes its public URL is: redirect URIs are built from it. The browser driver maps
    /// it onto the port the test server really listens on.
    static let publicURL = "http://127.0.0.1:8080"
    static let redirectURI = publicURL + "/oauth/callback/zoom"
    static let returnOrigin = "https://smp.example"
    static let webhookSecret = "whsec-test-secret-0123456789"
    /// The test side's client (browser, API caller). Tether's server has a client of its own, so that
    /// requests waiting on the server never hold the threads the server needs for its outbound calls. Its
    /// timeout only tells a slow answer from none: under ThreadSanitizer, with the whole suite on two cores,
    /// one of fifty concurrent callbacks took more than the default 30 s.
    static let http = CurlHTTPClient(
        configuration: {
            var configuration = CurlHTTPClient.Configuration()
            configuration.threads = 64
            configuration.totalTimeout = TestScale.bound(.seconds(60))
            return configuration
        }())

    let sandbox: ZoomSandbox
    let sandboxBase: String
    /// Tether's own client for outbound calls (token endpoint, Zoom API).
    let outbound: CurlHTTPClient
    let base: String
    let app: PGPool
    let owner: PGPool
    let ownerURL: String
    let vault: CredentialVault
    let connect: ConnectService
    let tokens: TokenProvider
    let logs: LogCapture
    let adminKey: String

    var http: CurlHTTPClient { Self.http }
    var connections: Connections { Connections(pool: app) }
    var platformApp: SandboxApp { sandbox.world.apps[0] }
    func customApp(account: Int = 0) -> SandboxApp { sandbox.world.apps.first { $0.kind == .custom(accountIndex: account) }! }
    func serverToServerApp(account: Int = 0) -> SandboxApp { sandbox.world.apps.first { $0.kind == .serverToServer(accountIndex: account) }! }
    var account: SandboxAccount { sandbox.world.accounts[0] }
}

/// Runs `body` with a harness. `oauthBaseURL` replaces the sandbox as Zoom's OAuth host (for a
/// misbehaving authorization server); `keyRing` replaces the default one-key ring.
func withHarness<Result: Sendable>(
    sandbox configure: (inout SandboxConfiguration) -> Void = { _ in },
    oauthBaseURL: String? = nil,
    keyRing: KeyRing? = nil,
    webhookSecret: String? = Harness.webhookSecret,
    rateLimits: RateLimits = .unlimited,
    webhooksMayReachPrivateAddresses: Bool = false,
    publicURL: String = Harness.publicURL,
    dataAPIReaderRole: String? = nil,
    _ body: @Sendable (Harness) async throws -> Result
) async throws -> Result {
    var configuration = SandboxConfiguration()
    configuration.redirectURIs = [Harness.redirectURI]
    configuration.controlAPI = true
    // These tests are about the API, the console and connecting: a meeting a day keeps the syncs of the
    // report attendance (a Heavy request per meeting) short. Meeting volume has tests of its own.
    configuration.meetingsPerDay = 1
    configure(&configuration)
    let ring = try keyRing ?? KeyRing(keys: [(id: "k1", key: try SymmetricKey.generate())])
    return try await withZoomSandbox(configuration) { sandbox, sandboxBase in
        try await TestDatabase.withMigratedDatabase { app, owner, ownerURL in
            let outbound = CurlHTTPClient()
            defer { Task { await outbound.shutdown() } }
            let capture = LogCapture()
            var logger = Logger(label: "tether.tests.connect") { _ in CapturingLogHandler(capture: capture) }
            logger.logLevel = .debug
            let platform = sandbox.world.apps[0]
            var configuration = TetherConfiguration(
                databaseURL: Secret(""), keyRing: ring,
                connect: ConnectConfiguration(publicURL: publicURL, returnURLOrigins: [Harness.returnOrigin]))
            configuration.providers.zoomOAuthBaseURL = oauthBaseURL ?? sandboxBase
            configuration.providers.zoomAPIBaseURL = sandboxBase + "/v2"
            configuration.providers.platformApps = [
                "zoom": ClientCredentials(clientID: platform.clientID, clientSecret: Secret(platform.clientSecret))
            ]
            configuration.providers.webhookSecrets = webhookSecret.map { ["zoom": Secret($0)] } ?? [:]
            configuration.migrations = try Migration.load(from: TestDatabase.migrationsDirectory)
            configuration.eventDelivery.allowsPrivateAddresses = webhooksMayReachPrivateAddresses
            // With a reader role, the data API reads as that role (DATABASE_API_URL, SECURITY.md T8).
            var readers: PGPool?
            if let role = dataAPIReaderRole {
                try await owner.withConnection { sql in
                    try TestDatabase.ensureConfinedRole(role, on: sql)
                    _ = try SQLAccess.grant(to: role, on: sql)
                }
                readers = PGPool(configuration: .init(connectionString: Secret(TestDatabase.asRole(ownerURL, role))), logger: TestDatabase.logger)
            }
            defer { if let readers { Task { await readers.close() } } }
            let components = TetherComponents(configuration: configuration, pool: app, apiPool: readers, http: outbound, logger: logger)
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            var serverConfiguration = ServerConfiguration(host: "127.0.0.1", port: 0)
            serverConfiguration.rateLimits = rateLimits
            let server = components.httpServer(serverConfiguration) { continuation.yield($0) }
            let adminKey = try await APIKeys(pool: app).create(tenantID: nil, name: "test admin").key.unsafeValue
            return try await withRunningServer(server, ports: ports) { base in
                try await body(
                    Harness(
                        sandbox: sandbox, sandboxBase: sandboxBase, outbound: outbound, base: base, app: app, owner: owner, ownerURL: ownerURL,
                        vault: components.vault,
                        connect: components.connect, tokens: components.tokens, logs: capture, adminKey: adminKey))
            }
        }
    }
}

// MARK: - API calls

extension Harness {
    /// Calls Tether's API with `key` and an optional JSON body.
    func api(_ method: String, _ path: String, key: String?, json: [String: Any]? = nil) async throws -> HTTPClientResponse {
        var headers: [HTTPHeader] = []
        if let key { headers.append(HTTPHeader("Authorization", "Bearer \(key)")) }
        if json != nil { headers.append(HTTPHeader("Content-Type", "application/json")) }
        return try await http.execute(
            HTTPClientRequest(
                method: method, url: base + path, headers: headers, body: try json.map { Array(try JSONSerialization.data(withJSONObject: $0)) }))
    }

    /// Creates a tenant and a key for it; returns (tenant id, key).
    func makeTenant(_ slug: String) async throws -> (id: String, key: String) {
        let tenant = try object(try await api("POST", "/v1/tenants", key: adminKey, json: ["slug": slug, "name": slug.capitalized]))
        let key = try object(try await api("POST", "/v1/tenants/\(slug)/api-keys", key: adminKey, json: ["name": "backend"]))
        return (tenant["id"] as! String, key["key"] as! String)
    }

    /// Creates a connect session and returns its URL.
    func connectURL(
        _ slug: String, key: String, mode: String = "platform", returnURL: String? = Harness.returnOrigin + "/done", requireOwner: Bool = false
    ) async throws -> String {
        var body: [String: Any] = ["provider": "zoom", "mode": mode, "require_owner": requireOwner]
        if let returnURL { body["return_url"] = returnURL }
        let response = try await api("POST", "/v1/tenants/\(slug)/connect-sessions", key: key, json: body)
        guard response.status == 201 else { throw HarnessError("connect-sessions answered \(response.status): \(response.bodyText)") }
        return try object(response)["url"] as! String
    }

    func object(_ response: HTTPClientResponse) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw HarnessError("not a JSON object: \(response.status) \(response.bodyText)")
        }
        return object
    }

    /// Rows in the tables a failed or rejected flow must not touch.
    func connectionRowCounts() async throws -> [Int] {
        try await owner.withConnection { connection in
            try ["connections", "connection_credentials", "connection_streams"].map { table in
                try connection.query("SELECT count(*)::bigint FROM \(identifier: table)")[0].decode(Int.self, at: 0)
            }
        }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
