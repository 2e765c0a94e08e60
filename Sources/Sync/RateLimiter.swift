import Foundation
import NIOConcurrencyHelpers

/// Paces requests per provider account and rate-limit bucket, in this process.
///
/// Requests are spaced evenly at a little under the plan's rate (no bursts that a fixed one-second window
/// would refuse). Other apps draw on the same account budget, so a 429 halves the pace and blocks the
/// bucket for the `Retry-After` the provider gave; the pace then recovers by small steps while calls succeed.
public final class RateLimiter: Sendable {
    /// The share of the nominal rate aimed for, to leave room for clock skew between us and the provider.
    static let headroom = 0.9
    /// The slowest pace, as a share of the nominal rate.
    static let floor = 1.0 / 16

    private struct Bucket {
        var rate: Double
        var nextSlot: ContinuousClock.Instant
        var lastSlowdown: ContinuousClock.Instant
    }

    private let buckets = NIOLockedValueBox<[String: Bucket]>([:])
    private let clock = ContinuousClock()

    public init() {}

    /// Waits for the next slot of `key` at `perSecond` requests per second.
    public func acquire(_ key: String, perSecond: Double) async throws {
        let now = clock.now
        let slot = reserve(key, perSecond: perSecond, now: now)
        if slot > now { try await Task.sleep(until: slot, clock: clock) }
    }

    /// Takes the next slot of `key` as of `now` and returns when it begins (the pacing decision, without
    /// the wait).
    func reserve(_ key: String, perSecond: Double, now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        buckets.withLockedValue { buckets -> ContinuousClock.Instant in
            var bucket = buckets[key] ?? Bucket(rate: perSecond * Self.headroom, nextSlot: now, lastSlowdown: now - .seconds(3_600))
            let start = max(now, bucket.nextSlot)
            bucket.nextSlot = start + .seconds(1 / bucket.rate)
            buckets[key] = bucket
            return start
        }
    }

    /// The provider refused a call with 429: no call of `key` before `retryAfter` has passed, and a slower pace.
    public func throttled(_ key: String, perSecond: Double, retryAfter: Duration, now: ContinuousClock.Instant = .now) {
        buckets.withLockedValue { buckets in
            var bucket = buckets[key] ?? Bucket(rate: perSecond * Self.headroom, nextSlot: now, lastSlowdown: now)
            bucket.rate = max(perSecond * Self.floor, bucket.rate / 2)
            bucket.nextSlot = max(bucket.nextSlot, now + retryAfter)
            bucket.lastSlowdown = now
            buckets[key] = bucket
        }
    }

    /// A call of `key` succeeded: ten seconds after the last slowdown, the pace grows back towards the plan's.
    public func succeeded(_ key: String, perSecond: Double, now: ContinuousClock.Instant = .now) {
        buckets.withLockedValue { buckets in
            guard var bucket = buckets[key], now - bucket.lastSlowdown > .seconds(10) else { return }
            bucket.rate = min(perSecond * Self.headroom, bucket.rate + perSecond * 0.05)
            buckets[key] = bucket
        }
    }

    /// The current pace of `key` in requests per second (for tests and metrics).
    public func pace(_ key: String) -> Double? { buckets.withLockedValue { $0[key]?.rate } }
}
