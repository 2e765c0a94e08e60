import Credentials
import CurlHTTP
import Foundation
import Logging
import OAuth
import Postgres
import Sensitive
import Store
import Sync
import TestSupport
import TetherApp
import Vault
import ZoomConnector
import ZoomSandbox

/// A sandbox, a migrated database (used through the non-superuser runtime role, so row-level security
/// applies), a server-to-server connection to the sandbox's main account, and the sync engine.
struct SyncHarness: Sendable {
    let sandbox: ZoomSandbox
    let sandboxBase: String
    let pool: PGPool
    let owner: PGPool
    let tenantID: UUID
    let connectionID: UUID
    let dependencies: SyncDependencies
    let connect: ConnectService?
    /// The Zoom app the connection's tokens come from.
    let app: SandboxApp
    /// What a `tether` process needs to work on the same data: the runtime role's URL and the key ring.
    let databaseURL: String
    let vaultKeys: String

    var account: SandboxAccount { sandbox.world.accounts[0] }
    var runs: SyncRuns { SyncRuns(pool: pool) }
    var connections: Connections { Connections(pool: pool) }

    /// Queues a run of `streams` and works it with one worker until it is over.
    @discardableResult
    func sync(_ streams: [String], timeout: Duration = .seconds(120)) async throws -> SyncRun {
        let (runID, working) = try await start(streams)
        defer { working.cancel() }
        let run = try await waitFor(runID, timeout: timeout) { $0.isOver }
        working.cancel()
        _ = await working.result
        return run
    }

    /// Queues a run of `streams` and starts one worker; the caller cancels the worker.
    func start(_ streams: [String]) async throws -> (runID: UUID, worker: Task<Void, any Error>) {
        let (runID, _) = try await runs.enqueue(tenantID: tenantID, connectionID: connectionID, streams: streams, trigger: .manual)
        let worker = SyncWorker(dependencies: dependencies)
        return (runID, Task { try await worker.run() })
    }

    /// Polls run `runID` until `condition` holds.
    func waitFor(_ runID: UUID, timeout: Duration = .seconds(120), until condition: (SyncRun) -> Bool) async throws -> SyncRun {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let run = try await runs.find(tenantID: tenantID, id: runID), condition(run) { return run }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw SyncHarnessError("run \(runID) did not get there within \(timeout)")
    }

    /// Rows of `table` through the owner role (no tenant scope needed).
    func rows(_ sql: String) async throws -> PGResult {
        try await owner.withConnection { try $0.query(PGQuery(unsafeSQL: sql)) }
    }

    func count(_ sql: String) async throws -> Int { try await rows(sql)[0].decode(Int.self, at: 0) }

    /// Calls the sandbox's control API.
    func control(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> HTTPClientResponse {
        try await SyncHarness.http.execute(
            HTTPClientRequest(
                method: method, url: sandboxBase + "/_sandbox" + path,
                headers: body == nil ? [] : [HTTPHeader("Content-Type", "application/json")],
                body: try body.map { Array(try JSONSerialization.data(withJSONObject: $0)) }))
    }

    /// The sandbox's counters (token grants, 429s, …) and `api_requests`, the `/v2` requests it served.
    func counters() async throws -> [String: Int] {
        let response = try await control("GET", "/counters")
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
        var counters = object.compactMapValues { $0 as? Int }
        counters["api_requests"] = (object["requests"] as? [String: Int])?.values.reduce(0, +) ?? 0
        return counters
    }

    static let http = CurlHTTPClient()
}

extension SyncRun {
    var isOver: Bool { status.isFinished }
    func stream(_ name: String) -> SyncRunStream? { streams.first { $0.name == name } }
}

struct SyncHarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// How the harness's connection was made: server-to-server credentials of an account's own app, or a
/// browser connect (authorization code with PKCE, consent by the account's owner) through a platform app.
enum HarnessLogin: Sendable {
    case serverToServer(account: Int)
    case platformApp(named: String)
}

func withSyncHarness<Result: Sendable>(
    login: HarnessLogin = .serverToServer(account: 0),
    sandbox configure: (inout SandboxConfiguration) -> Void = { _ in },
    sync adjust: (inout SyncConfiguration) -> Void = { _ in },
    _ body: @Sendable (SyncHarness) async throws -> Result
) async throws -> Result {
    var sandboxConfiguration = SandboxConfiguration()
    sandboxConfiguration.controlAPI = true
    sandboxConfiguration.autoApprove = .owner
    configure(&sandboxConfiguration)
    var configuration = SyncConfiguration()
    configuration.pollInterval = .milliseconds(20)
    configuration.reapInterval = .milliseconds(200)
    configuration.lease = .seconds(10)
    configuration.baseRunBackoff = .milliseconds(100)
    configuration.retry.baseBackoff = .milliseconds(20)
    configuration.retry.maximumBackoff = .milliseconds(200)
    adjust(&configuration)
    let syncConfiguration = configuration
    return try await withZoomSandbox(sandboxConfiguration) { sandbox, sandboxBase in
        try await TestDatabase.withMigratedDatabase { pool, owner, ownerURL in
            let outbound = CurlHTTPClient()
            defer { Task { await outbound.shutdown() } }
            var logger = Logger(label: "tether.tests.sync")
            logger.logLevel = .error
            let key = try SymmetricKey.generate()
            let app: SandboxApp
            switch login {
            case .serverToServer(let account): app = sandbox.world.apps.first { $0.kind == .serverToServer(accountIndex: account) }!
            case .platformApp(let name): app = sandbox.world.apps.first { $0.kind == .platform && $0.name.contains(name) }!
            }
            var configuration = TetherConfiguration(
                databaseURL: Secret(""), keyRing: try KeyRing(keys: [(id: "k1", key: key)]),
                connect: ConnectConfiguration(publicURL: "http://127.0.0.1:8080", returnURLOrigins: []))
            configuration.providers.zoomOAuthBaseURL = sandboxBase
            configuration.providers.zoomAPIBaseURL = sandboxBase + "/v2"
            if app.kind == .platform {
                configuration.providers.platformApps = ["zoom": ClientCredentials(clientID: app.clientID, clientSecret: Secret(app.clientSecret))]
            }
            configuration.sync = syncConfiguration
            let components = TetherComponents(configuration: configuration, pool: pool, http: outbound, logger: logger)
            let connect = components.connect
            let tenant = try await Tenants(pool: pool).create(slug: "acme", name: "Acme")
            let connectionID: UUID
            switch login {
            case .serverToServer(let account):
                connectionID = try await connect.connectServerToServer(
                    tenantID: tenant.id, provider: "zoom", accountID: sandbox.world.accounts[account].id,
                    client: ClientCredentials(clientID: app.clientID, clientSecret: Secret(app.clientSecret)), name: nil
                ).0.id
            case .platformApp:
                connectionID = try await connectInBrowser(connect, tenantID: tenant.id, http: outbound)
            }
            // Connecting queued a full first sync; each test queues the runs it needs instead.
            try await owner.withConnection { _ = try $0.execute("DELETE FROM sync_runs WHERE trigger = 'connect'") }
            let dependencies = components.syncDependencies()
            return try await body(
                SyncHarness(
                    sandbox: sandbox, sandboxBase: sandboxBase, pool: pool, owner: owner, tenantID: tenant.id, connectionID: connectionID,
                    dependencies: dependencies, connect: connect, app: app,
                    databaseURL: TestDatabase.appURL(ownerURL), vaultKeys: KeyRing.entry(id: "k1", key: key)))
        }
    }
}

/// The browser's part of a platform-app connect, done directly: start the flow, let the sandbox's
/// auto-approving consent redirect back, and finish the flow with that callback query.
private func connectInBrowser(_ connect: ConnectService, tenantID: UUID, http: CurlHTTPClient) async throws -> UUID {
    let (_, url) = try await connect.createSession(tenantID: tenantID, provider: "zoom", mode: "platform", returnURL: nil, requireOwner: false)
    guard
        case .started(let authorizeURL, let browserToken) = try await connect.startFlow(
            token: String(url.split(separator: "/").last!), customClient: nil)
    else { throw SyncHarnessError("the connect link was already used") }
    let consent = try await http.execute(HTTPClientRequest(url: authorizeURL))
    guard let location = consent.headers.first(where: { $0.name.lowercased() == "location" })?.value,
        let query = location.split(separator: "?", maxSplits: 1).last
    else { throw SyncHarnessError("the sandbox did not redirect back: \(consent.status)") }
    let result = try await connect.completeFlow(provider: "zoom", rawQuery: String(query), browserToken: browserToken.unsafeValue)
    guard case .redirect(let landing, .connected) = result,
        let id = landing.split(separator: "connection_id=").last.flatMap({ UUID(uuidString: String($0.prefix(36))) })
    else { throw SyncHarnessError("the connect did not succeed: \(result)") }
    return id
}
