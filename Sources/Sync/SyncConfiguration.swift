/// How the sync engine works; the CLI fills it from the environment.
public struct SyncConfiguration: Sendable {
    /// Runs one worker process works on at once.
    public var concurrency = 4
    /// Streams of one run fetched at once. They share the account's pace per rate-limit category, so more
    /// of them use categories side by side rather than send faster; each holds at most two pages.
    public var streamsPerRun = 8
    /// How long a claim lasts without a heartbeat; heartbeats come every third of it.
    public var lease: Duration = .seconds(60)
    /// How often an idle worker looks for queued runs.
    public var pollInterval: Duration = .seconds(1)
    /// How often a worker rescues runs whose worker died.
    public var reapInterval: Duration = .seconds(15)
    /// How often the scheduler queues streams whose interval has passed.
    public var scheduleInterval: Duration = .seconds(30)
    /// On SIGTERM, how long runs in flight may take to finish before they are handed back to the queue.
    public var shutdownGrace: Duration = .seconds(20)
    /// Attempts of a run before it fails for good.
    public var maxAttempts = 5
    /// Backoff between attempts of a run: `baseRunBackoff × 2^(attempt-1)`, with jitter, at most an hour.
    public var baseRunBackoff: Duration = .seconds(30)
    /// Keep to the provider's rate limits; off only against a sandbox without limits (benchmarks).
    public var enforceRateLimits = true
    public var retry = RetryPolicy()
    public var requestTimeout: Duration = .seconds(60)
    /// Tries of one page whose answer broke the provider's contract, before the stream's attempt fails.
    public var pageAttempts = 3

    public init() {}

    func runBackoff(_ attempt: Int) -> Duration {
        let ceiling = min(3_600, baseRunBackoff.seconds * Double(1 << min(attempt - 1, 20)))
        return .seconds(Double.random(in: ceiling / 2...ceiling))
    }
}
