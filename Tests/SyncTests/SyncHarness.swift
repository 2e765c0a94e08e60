import CurlHTTP
import Credentials
import Foundation
import Logging
import OAuth
import Postgres
import Sensitive
import Store
import Sync
import TestSupport
import Vault
import ZoomConnector
import ZoomSandbox

/// A sandbox, a migrated database (used through the non-superuser runtime role, so row-level security
/// applies), a server-to-server connection to the sandbox's main account, and the sync engine.
struct SyncHarness: Sendable {
    let sandbox: ZoomSandbox
    let sandboxBase: String
    let app: PGPool
    let owner: PGPool
    let tenantID: UUID
    let connectionID: UUID
    let dependencies: SyncDependencies
    let connect: ConnectService?

    var account: SandboxAccount { sandbox.world.accounts[0] }
    var runs: SyncRuns { SyncRuns(pool: app) }

    /// Queues a run of `streams` and works it with one worker until it is over.
    @discardableResult
    func sync(_ streams: [String], timeout: Duration = .seconds(120)) async throws -> SyncRun {
        let (runID, _) = try await runs.enqueue(tenantID: tenantID, connectionID: connectionID, streams: streams, trigger: "manual")
        let worker = SyncWorker(dependencies: dependencies)
        let working = Task { try await worker.run() }
        defer { working.cancel() }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let run = try await runs.find(tenantID: tenantID, id: runID), ["succeeded", "partial", "failed"].contains(run.status) {
                working.cancel()
                _ = await working.result
                return run
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw SyncHarnessError("the run did not finish within \(timeout)")
    }

    /// Rows of `table` through the owner role (no tenant scope needed).
    func rows(_ sql: String) async throws -> PGResult {
        try await owner.withConnection { try $0.query(PGQuery(unsafeSQL: sql)) }
    }

    func count(_ sql: String) async throws -> Int { try await rows(sql)[0].decode(Int.self, at: 0) }

    /// Calls the sandbox's control API.
    func control(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> HTTPClientResponse {
        try await SyncHarness.http.execute(HTTPClientRequest(
            method: method, url: sandboxBase + "/_sandbox" + path,
            headers: body == nil ? [] : [HTTPHeader("Content-Type", "application/json")],
            body: try body.map { Array(try JSONSerialization.data(withJSONObject: $0)) }))
    }

    static let http = CurlHTTPClient()
}

struct SyncHarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func withSyncHarness<Result: Sendable>(
    sandbox configure: (inout SandboxConfiguration) -> Void = { _ in },
    sync adjust: (inout SyncConfiguration) -> Void = { _ in },
    _ body: @Sendable (SyncHarness) async throws -> Result
) async throws -> Result {
    var sandboxConfiguration = SandboxConfiguration()
    sandboxConfiguration.controlAPI = true
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
        try await TestDatabase.withMigratedDatabase { app, owner, _ in
            let outbound = CurlHTTPClient()
            defer { Task { await outbound.shutdown() } }
            var logger = Logger(label: "tether.tests.sync")
            logger.logLevel = .error
            let vault = CredentialVault(keyRing: try KeyRing(keys: [(id: "k1", key: try SymmetricKey.generate())]))
            let zoom = ZoomConnector(configuration: .init(oauthBaseURL: sandboxBase, apiBaseURL: sandboxBase + "/v2"), http: outbound)
            let registry = ConnectorRegistry([zoom], platformApps: [:])
            let connect = ConnectService(
                pool: app, vault: vault, registry: registry, http: outbound,
                configuration: ConnectConfiguration(publicURL: "http://127.0.0.1:8080", returnURLOrigins: []), logger: logger)
            let tokens = TokenProvider(connections: Connections(pool: app), vault: vault, registry: registry, http: outbound, logger: logger)
            let tenant = try await Tenants(pool: app).create(slug: "acme", name: "Acme")
            let s2s = sandbox.world.apps.first { $0.kind == .serverToServer(accountIndex: 0) }!
            let (connection, _) = try await connect.connectServerToServer(
                tenantID: tenant.id, provider: "zoom", accountID: sandbox.world.accounts[0].id,
                client: ClientCredentials(clientID: s2s.clientID, clientSecret: Secret(s2s.clientSecret)), name: nil)
            // Connecting queued a full first sync; each test queues the runs it needs instead.
            try await owner.withConnection { _ = try $0.execute("DELETE FROM sync_runs WHERE trigger = 'connect'") }
            let dependencies = SyncDependencies(
                pool: app, registry: registry, tokens: tokens, http: outbound, configuration: syncConfiguration, logger: logger)
            return try await body(SyncHarness(
                sandbox: sandbox, sandboxBase: sandboxBase, app: app, owner: owner, tenantID: tenant.id, connectionID: connection.id,
                dependencies: dependencies, connect: connect))
        }
    }
}
