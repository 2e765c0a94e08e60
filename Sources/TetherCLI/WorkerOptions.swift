import ArgumentParser
import Sync

/// The sync-work flags `tether serve` and `tether worker` share, so the two cannot drift apart.
struct WorkerOptions: ParsableArguments {
    @Option(name: [.customLong("concurrency"), .customLong("sync-concurrency")], help: "Sync runs this process works on at once.")
    var concurrency = 4

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

    /// The sync engine's configuration these flags describe.
    var sync: SyncConfiguration {
        var sync = SyncConfiguration()
        sync.concurrency = concurrency
        sync.lease = .seconds(leaseSeconds)
        sync.reapInterval = min(sync.reapInterval, sync.lease / 2)
        sync.baseRunBackoff = .seconds(retryBackoffSeconds)
        sync.enforceRateLimits = !noRateLimits
        return sync
    }
}
