import Connectors
import Credentials
import CurlHTTP
import Foundation
import NIOConcurrencyHelpers
import Postgres
import Store
import Sync
import TestSupport
import Testing
import ZoomSandbox

/// SECURITY.md W8 end to end: a real sync through the shared limiter against the sandbox, with one 429
/// carrying `Retry-After: 2` put in front of it, timed at the transport.
@Suite("Retry-After and pace, end to end (W8)", .enabled(if: TestDatabase.isAvailableOrRequired))
struct RetryAfterTimingTests {
    /// Hands requests to `inner`, except the first call to the users list, which it answers itself with a
    /// 429 as Zoom words it; notes when every API call was sent.
    final class Probe: HTTPTransport {
        let inner: any HTTPTransport
        let calls = NIOLockedValueBox<[(path: String, at: ContinuousClock.Instant)]>([])
        let refused = NIOLockedValueBox<ContinuousClock.Instant?>(nil)

        init(_ inner: any HTTPTransport) { self.inner = inner }

        func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
            let path = URLComponents(string: request.url)?.path ?? ""
            guard path.hasPrefix("/v2/") else { return try await inner.execute(request) }
            let now = ContinuousClock.now
            calls.withLockedValue { $0.append((path, now)) }
            let first = refused.withLockedValue { refused in
                guard refused == nil, path == "/v2/users" else { return false }
                refused = now
                return true
            }
            guard first else { return try await inner.execute(request) }
            return HTTPClientResponse(
                status: 429,
                headers: [
                    HTTPHeader("Content-Type", "application/json"), HTTPHeader("Retry-After", "2"), HTTPHeader("X-RateLimit-Type", "QPS"),
                    HTTPHeader("X-RateLimit-Category", "Medium"),
                ],
                body: Array(#"{"code":429,"message":"You have reached the maximum per-second rate limit for this API. Try again later."}"#.utf8))
        }
    }

    @Test("after a 429 with Retry-After: 2 the next call of that list comes at least 2 s later, and Medium calls stay within 20 a second")
    func retryAfterIsKept() async throws {
        try await withSyncHarness(sandbox: { $0.users = 2_000 }) { h in
            let probe = Probe(h.dependencies.http)
            let dependencies = SyncDependencies(
                pool: h.pool, registry: h.dependencies.registry, tokens: h.dependencies.tokens, http: probe,
                configuration: h.dependencies.configuration, logger: h.dependencies.logger)
            let (runID, _) = try await h.runs.enqueue(
                tenantID: h.tenantID, connectionID: h.connectionID, streams: ["users", "groups", "group_members"], trigger: .manual)
            let worker = Task { try await SyncWorker(dependencies: dependencies).run() }
            defer { worker.cancel() }
            let run = try await h.waitFor(runID) { $0.isOver }
            #expect(run.status == .succeeded, "\(run.lastError ?? "")")
            let refusedAt = try #require(probe.refused.withLockedValue { $0 })
            let calls = probe.calls.withLockedValue { $0 }
            let nextUsers = try #require(calls.first { $0.path == "/v2/users" && $0.at > refusedAt })
            #expect(nextUsers.at - refusedAt >= .seconds(2), "\(nextUsers.at - refusedAt)")
            // Pro's Medium category allows 20 calls a second; the limiter aims at 90 % of it.
            let medium = calls.filter { $0.path == "/v2/users" || $0.path.hasPrefix("/v2/groups") }.map(\.at).sorted()
            let busiest = medium.indices.map { start in medium[start...].prefix { $0 - medium[start] < .seconds(1) }.count }.max() ?? 0
            #expect(busiest <= 20, "\(busiest) Medium calls within one second")
            #expect(medium.count > 20, "enough calls to measure the pace: \(medium.count)")
        }
    }
}
