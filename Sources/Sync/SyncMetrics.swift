import CoreMetrics
import Store

/// What the sync engine reports through swift-metrics (the process that bootstraps a backend, `tether
/// serve`, exposes them at `/metrics`). Names and labels are Prometheus-valid as written; label values are
/// stream names and statuses only, never tenants or connections, so the series stay few.
enum SyncMetrics {
    /// A stream of a run reached its final status.
    static func streamFinished(_ stream: SyncRunStream) {
        Counter(label: "tether_sync_streams_total", dimensions: [("stream", stream.name), ("status", stream.status.rawValue)]).increment()
        for (change, count) in [
            ("inserted", stream.inserted), ("updated", stream.updated), ("unchanged", stream.unchanged), ("deleted", stream.deleted),
        ] where count > 0 {
            Counter(label: "tether_sync_records_total", dimensions: [("stream", stream.name), ("change", change)]).increment(by: count)
        }
        if stream.rateLimited > 0 {
            Counter(label: "tether_sync_rate_limited_total", dimensions: [("stream", stream.name)]).increment(by: stream.rateLimited)
        }
    }

    /// A run ended with `status` (`succeeded`, `partial` or `failed`); its last attempt began at `started`.
    static func runFinished(status: RunStatus, attemptStarted started: ContinuousClock.Instant) {
        Counter(label: "tether_sync_runs_total", dimensions: [("status", status.rawValue)]).increment()
        let elapsed = (ContinuousClock.now - started).components
        Timer(label: "tether_sync_run_attempt_duration_seconds")
            .recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
    }
}
