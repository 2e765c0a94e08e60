import Testing

@testable import Sync

/// The limiter's pacing decisions at chosen instants: no sleeping, so the figures are exact.
@Suite("Rate limiter pacing")
struct RateLimiterTests {
    let start = ContinuousClock.now

    @Test("slots are spaced evenly at 90 % of the plan's rate, and every key keeps its own pace")
    func evenSpacing() {
        let limiter = RateLimiter()
        let slots = (0..<5).map { _ in limiter.reserve("zoom:a:Light", perSecond: 10, now: start) }
        let gaps = zip(slots.dropFirst(), slots).map { $0 - $1 }
        #expect(slots.first == start)
        for gap in gaps { #expect(abs((gap - .seconds(1 / 9.0)).seconds) < 1e-9, "gap \(gap)") }
        #expect(limiter.reserve("zoom:b:Light", perSecond: 10, now: start) == start, "another account is not held back")
        #expect(limiter.reserve("zoom:a:Heavy", perSecond: 10, now: start) == start, "another category is not held back")
    }

    @Test("a caller that comes back after a pause is not owed a burst of slots")
    func noBurstAfterIdle() {
        let limiter = RateLimiter()
        _ = limiter.reserve("k", perSecond: 10, now: start)
        let later = start + .seconds(60)
        #expect(limiter.reserve("k", perSecond: 10, now: later) == later)
        #expect(limiter.reserve("k", perSecond: 10, now: later) > later)
    }

    @Test("a 429 blocks the key for Retry-After and halves the pace, never below 1/16 of the plan")
    func throttling() {
        let limiter = RateLimiter()
        _ = limiter.reserve("k", perSecond: 16, now: start)
        limiter.throttled("k", perSecond: 16, retryAfter: .seconds(5), now: start)
        #expect(limiter.pace("k") == 16 * 0.9 / 2)
        #expect(limiter.reserve("k", perSecond: 16, now: start + .seconds(1)) == start + .seconds(5))
        for _ in 0..<10 { limiter.throttled("k", perSecond: 16, retryAfter: .zero, now: start) }
        #expect(limiter.pace("k") == 1, "16 requests/s floors at 1/16 of it")
    }

    @Test("the pace grows back by 5 % of the plan per success, only ten seconds after the last slowdown, up to 90 %")
    func recovery() {
        let limiter = RateLimiter()
        _ = limiter.reserve("k", perSecond: 20, now: start)
        limiter.throttled("k", perSecond: 20, retryAfter: .zero, now: start)
        limiter.succeeded("k", perSecond: 20, now: start + .seconds(5))
        #expect(limiter.pace("k") == 9, "no recovery within ten seconds of a 429")
        limiter.succeeded("k", perSecond: 20, now: start + .seconds(11))
        #expect(limiter.pace("k") == 10)
        for _ in 0..<100 { limiter.succeeded("k", perSecond: 20, now: start + .seconds(12)) }
        #expect(limiter.pace("k") == 18, "capped at 90 % of the plan")
    }
}
