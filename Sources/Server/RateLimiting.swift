import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// A token bucket's refill rate and size.
public struct RateLimit: Sendable, Hashable {
    /// Tokens added per second: the sustained request rate.
    public var perSecond: Double
    /// Tokens the bucket holds: how many requests may arrive at once after a quiet spell.
    public var burst: Double

    public init(perSecond: Double, burst: Double) {
        self.perSecond = perSecond
        self.burst = burst
    }
}

/// Who is limited, and how much (SECURITY.md B9). The limits are kept per process: with N instances
/// behind a load balancer a client can reach N times the rate.
public struct RateLimits: Sendable {
    /// Per API key on `/v1` (a request without a key counts against its address instead).
    public var perAPIKey: RateLimit?
    /// Per client address on the browser routes (`/connect/…`, `/oauth/callback/…`).
    public var perAddress: RateLimit?

    public init(perAPIKey: RateLimit?, perAddress: RateLimit?) {
        self.perAPIKey = perAPIKey
        self.perAddress = perAddress
    }

    /// 50 requests/s per key (bursts of 100); 5 requests/s per address on browser routes (bursts of 20).
    public static let standard = RateLimits(
        perAPIKey: RateLimit(perSecond: 50, burst: 100), perAddress: RateLimit(perSecond: 5, burst: 20))
    public static let unlimited = RateLimits(perAPIKey: nil, perAddress: nil)
}

/// Token buckets by key, in memory. The table is bounded: past `capacity` keys, buckets that have refilled
/// (and so carry no state worth keeping) are dropped, and if none has, the table starts over.
final class TokenBuckets: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let limit: RateLimit
    let capacity: Int
    private let buckets = NIOLockedValueBox<[Int: Bucket]>([:])

    init(limit: RateLimit, capacity: Int = 100_000) {
        self.limit = limit
        self.capacity = capacity
    }

    /// Takes a token for `key`. Returns nil when the request may go ahead, or how long until a token is free.
    func take(_ key: Int, now: ContinuousClock.Instant = .now) -> Duration? {
        buckets.withLockedValue { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: limit.burst, updated: now)
            let elapsed = Double((now - bucket.updated) / .microseconds(1)) / 1_000_000
            bucket.tokens = min(limit.burst, bucket.tokens + max(0, elapsed) * limit.perSecond)
            bucket.updated = now
            defer {
                if buckets.count > capacity { prune(&buckets, now: now) }
            }
            guard bucket.tokens >= 1 else {
                buckets[key] = bucket
                return .microseconds(Int64(((1 - bucket.tokens) / limit.perSecond * 1_000_000).rounded(.up)))
            }
            bucket.tokens -= 1
            buckets[key] = bucket
            return nil
        }
    }

    private func prune(_ buckets: inout [Int: Bucket], now: ContinuousClock.Instant) {
        let refill = Duration.microseconds(Int64(limit.burst / limit.perSecond * 1_000_000))
        buckets = buckets.filter { now - $0.value.updated < refill }
        if buckets.count > capacity { buckets = [:] }
    }
}

/// Answers 429 with `Retry-After` (whole seconds, at least 1) when a client exceeds its rate. Health,
/// readiness, metrics, the OpenAPI document and Zoom's webhooks are never limited.
struct RateLimitMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    private let perAPIKey: TokenBuckets?
    private let perAddress: TokenBuckets?

    init(_ limits: RateLimits) {
        perAPIKey = limits.perAPIKey.map { TokenBuckets(limit: $0) }
        perAddress = limits.perAddress.map { TokenBuckets(limit: $0) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let wait: Duration?
        if path.hasPrefix("/v1/") || path == "/v1" {
            if let credential = request.headers[.authorization] {
                wait = perAPIKey?.take(credential.hashValue)
            } else {
                wait = perAddress?.take(addressKey(context))
            }
        } else if path.hasPrefix("/connect/") || path.hasPrefix("/oauth/") {
            wait = perAddress?.take(addressKey(context))
        } else {
            wait = nil
        }
        guard let wait else { return try await next(request, context) }
        let seconds = max(1, Int((Double(wait / .microseconds(1)) / 1_000_000).rounded(.up)))
        throw APIError(
            .tooManyRequests, code: "rate_limited", message: "too many requests: retry after \(seconds) s",
            headers: [.retryAfter: "\(seconds)"])
    }

    private func addressKey(_ context: Context) -> Int {
        (context.remoteAddress?.ipAddress ?? "unknown").hashValue
    }
}
