import ArgumentParser
import Credentials
import CurlHTTP
import Foundation
import Logging
import Postgres
import ServiceLifecycle
import Store
import Sync
import TetherSettings
import UnixSignals

/// `tether worker`: a sync worker (and scheduler) without the HTTP server. Run as many as needed, on any
/// machines; they coordinate only through the database.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run sync workers (and the scheduler) without the HTTP server.")

    @Option(help: "Sync runs this process works on at once.")
    var concurrency = 4

    @Option(help: "Database connections in the pool.")
    var databaseConnections = 8

    func run() async throws {
        let settings = try Runtime.loadSettings()
        let keyRing = try settings.requireKeyRing()
        let logger = Runtime.makeLogger(settings)
        let pool = Runtime.makePool(settings.databaseURL, maximumConnections: databaseConnections, logger: logger)
        do {
            try await RuntimeRole.check(pool)
        } catch {
            await pool.close()
            throw error
        }
        let http = CurlHTTPClient()
        let vault = CredentialVault(keyRing: keyRing)
        let registry = Runtime.makeRegistry(settings, http: http)
        let tokens = TokenProvider(connections: Connections(pool: pool), vault: vault, registry: registry, http: http, logger: logger)
        var sync = SyncConfiguration()
        sync.concurrency = concurrency
        let dependencies = SyncDependencies(pool: pool, registry: registry, tokens: tokens, http: http, configuration: sync, logger: logger)
        let worker = SyncWorker(dependencies: dependencies)
        logger.info("sync worker started", metadata: ["worker_id": "\(worker.id)", "concurrency": "\(concurrency)"])
        let group = ServiceGroup(configuration: .init(
            services: [pool, http, SyncScheduler(dependencies: dependencies), worker], gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}
