import ArgumentParser
import Credentials
import CurlHTTP
import EventDelivery
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

    @Option(help: "Seconds a claimed run stays this worker's without a heartbeat; after that another worker takes it over.")
    var leaseSeconds = 60

    @Option(help: "Base of the exponential backoff between attempts of a failed or abandoned run, in seconds.")
    var retryBackoffSeconds = 30

    @Flag(help: "Do not pace requests to the provider's rate limits: only against `tether sandbox --no-rate-limits` (benchmarks).")
    var noRateLimits = false

    func validate() throws {
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be 1 to 64") }
        guard (3...3_600).contains(leaseSeconds) else { throw ValidationError("--lease-seconds must be 3 to 3600") }
        guard (0...3_600).contains(retryBackoffSeconds) else { throw ValidationError("--retry-backoff-seconds must be 0 to 3600") }
    }

    func run() async throws {
        let settings = try Runtime.loadSettings()
        let keyRing = try settings.requireKeyRing()
        let logger = Runtime.makeLogger(settings)
        let pool = Runtime.makePool(settings.databaseURL, maximumConnections: databaseConnections, logger: logger)
        do {
            try await RuntimeRole.check(pool, logger: logger)
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
        sync.lease = .seconds(leaseSeconds)
        sync.reapInterval = min(sync.reapInterval, sync.lease / 2)
        sync.baseRunBackoff = .seconds(retryBackoffSeconds)
        sync.enforceRateLimits = !noRateLimits
        let dependencies = SyncDependencies(pool: pool, registry: registry, tokens: tokens, http: http, configuration: sync, logger: logger)
        let worker = SyncWorker(dependencies: dependencies)
        logger.info("sync worker started", metadata: ["worker_id": "\(worker.id)", "concurrency": "\(concurrency)"])
        let group = ServiceGroup(configuration: .init(
            services: [pool, http, SyncScheduler(dependencies: dependencies), worker, EventDeliverer(pool: pool, vault: vault, http: http, logger: logger)], gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}
