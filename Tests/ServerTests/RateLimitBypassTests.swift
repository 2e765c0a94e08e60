import Hummingbird
import TestSupport
import Testing

@testable import Server

/// The rate limiter cannot be walked around (issue 18, finding 3).
@Suite("Rate-limit bypasses")
struct RateLimitBypassTests {
    typealias Limiter = RateLimitMiddleware<TetherRequestContext>

    @Test("paths are matched as the router reads them: repeated slashes, escapes and capitals do not escape the limit")
    func pathSpellings() {
        for path in ["/v1/tenants", "//v1/tenants", "/v1//tenants", "/%76%31/tenants", "/V1/tenants", "/v1"] {
            #expect(Limiter.area(of: path) == .api, "\(path)")
            Figures.count("ratelimit.bypass_attempts")
        }
        for path in ["/connect/tok", "//connect/tok", "/oauth/callback/zoom", "/OAUTH//callback"] {
            #expect(Limiter.area(of: path) == .browser, "\(path)")
            Figures.count("ratelimit.bypass_attempts")
        }
        for path in ["/healthz", "/metrics", "/webhooks/zoom", "/", "/v1x/tenants"] {
            #expect(Limiter.area(of: path) == .unlimited, "\(path)")
        }
    }

    @Test("one key is one bucket however the Bearer scheme is spelled")
    func schemeSpellings() {
        let keys = ["Bearer tk_abc", "bearer tk_abc", "BEARER tk_abc", "  Bearer   tk_abc ", "Bearer tk_abc "].map(Limiter.apiKey)
        #expect(Set(keys.compactMap { $0 }) == ["tk_abc"])
        Figures.count("ratelimit.bypass_attempts", keys.count)
        #expect(Limiter.apiKey(nil) == nil)
    }

    @Test("a flood of new keys evicts the least recently used buckets, never an exhausted one's")
    func boundedWithoutReset() {
        let buckets = TokenBuckets(limit: RateLimit(perSecond: 0.001, burst: 1), capacity: 50)
        let start = ContinuousClock.now
        #expect(buckets.take(1, now: start) == nil)
        #expect(buckets.take(1, now: start) != nil, "key 1 is out of tokens")
        for key in 1_000..<1_200 { _ = buckets.take(key, now: start - .seconds(1)) }
        #expect(buckets.take(1, now: start + .milliseconds(1)) != nil, "key 1 is still out of tokens after 200 new keys")
        #expect(buckets.isExhausted(1, now: start + .milliseconds(1)))
        Figures.count("ratelimit.bypass_attempts", 200)
    }
}

/// `/readyz` and `/metrics` ask the database once a second, however often they are called.
@Suite("Probe results shared for a second")
struct RecentValueTests {
    actor Counter {
        var calls = 0
        func next() -> Int {
            calls += 1
            return calls
        }
    }

    @Test("callers within the lifetime share one computation, concurrent ones included; after it a new one runs")
    func sharedWithinLifetime() async {
        let recent = RecentValue<Int>(lifetime: .seconds(1))
        let counter = Counter()
        let start = ContinuousClock.now
        let values = await withTaskGroup(of: Int.self) { group in
            for offset in 0..<100 {
                group.addTask {
                    await recent.get(now: start + .milliseconds(offset)) {
                        try? await Task.sleep(for: .milliseconds(20))
                        return await counter.next()
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(values) == [1], "100 callers, one database query")
        #expect(await recent.get(now: start + .seconds(2)) { await counter.next() } == 2)
        #expect(await counter.calls == 2)
    }
}
