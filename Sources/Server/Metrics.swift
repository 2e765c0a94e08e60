import HTTPTypes
import Hummingbird
import Prometheus
import Store

/// `GET /metrics` in Prometheus' text format: what this process counted (HTTP requests here; syncs and
/// token refreshes through swift-metrics, when the process bootstrapped it with this registry) and the
/// queue as the database sees it at scrape time. The queue query waits at most `queryTimeout`; with the
/// database down (or not migrated) the scrape still answers, with `tether_sync_queue_up 0`.
struct MetricsRoutes: Sendable {
    let registry: PrometheusCollectorRegistry
    let runs: SyncRuns
    var queryTimeout: Duration = .seconds(2)
    /// The last reading of the queue, for a second: however often `/metrics` is scraped, the database is
    /// asked once a second.
    let recentQueue = RecentValue<QueueStatistics?>(lifetime: .seconds(1))

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/metrics") { _, _ in
            await sampleQueue()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }

    private func sampleQueue() async {
        let up = registry.makeGauge(
            descriptor: .init(
                namespace: "tether", subsystem: "sync_queue", metricName: "up", unitName: "",
                helpText: "1 when this scrape could read the queue from the database"))
        let (runs, timeout) = (runs, queryTimeout)
        if let queue = await recentQueue.get({ try? await runs.statistics(timeout: timeout) }) {
            up.set(to: 1)
            for (state, count) in [
                ("due", queue.due), (RunStatus.queued.rawValue, queue.queued), (RunStatus.running.rawValue, queue.running),
                ("expired_lease", queue.expiredLeases),
            ] {
                registry.makeGauge(
                    descriptor: .init(
                        namespace: "tether", subsystem: "sync_queue", metricName: "runs", unitName: "", helpText: "Sync runs in the queue, by state"),
                    labels: [("state", state)]
                ).set(to: Double(count))
            }
            registry.makeGauge(
                descriptor: .init(
                    namespace: "tether", subsystem: "sync_queue", metricName: "oldest_due", unitName: "seconds",
                    helpText: "How long the oldest due run has waited")
            ).set(to: queue.oldestDueSeconds)
        } else {
            up.set(to: 0)
        }
    }
}

/// Counts every request by method, route pattern and status, and times it by method and route pattern.
/// The route is Hummingbird's matched pattern (`/v1/tenants/{tenant}/users`), never the raw path, so ids
/// and probing for unknown paths cannot multiply the series.
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let registry: PrometheusCollectorRegistry

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context: context, status: response.status.code, since: started)
            return response
        } catch {
            record(request, context: context, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: started)
            throw error
        }
    }

    private func record(_ request: Request, context: Context, status: Int, since started: ContinuousClock.Instant) {
        let route = context.endpointPath ?? "unmatched"
        let method = request.method.rawValue
        registry.makeCounter(
            descriptor: .init(
                namespace: "tether", subsystem: "http", metricName: "requests", unitName: "total",
                helpText: "HTTP requests served, by method, route pattern and status"),
            labels: [("method", method), ("route", route), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "tether", subsystem: "http", metricName: "request_duration", unitName: "seconds",
                helpText: "Time to answer an HTTP request"),
            labels: [("method", method), ("route", route)], buckets: httpDurationBuckets
        ).recordNanoseconds(Int64((ContinuousClock.now - started) / .nanoseconds(1)))
    }
}

/// Request durations from 1 ms (a cached or refused request) to 5 s (past the 2 s database bound).
private let httpDurationBuckets: [Duration] = [
    .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
    .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
]
