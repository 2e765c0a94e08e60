import Foundation
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
    /// Per client address on the browser routes (`/connect/…`, `/oauth/callback/…`, `/console/…`).
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
/// (and so carry no state worth keeping) are dropped first, then the least recently used, never every
/// bucket at once (a flood of new keys must not give an exhausted one a fresh bucket).
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

    /// Whether `key` has no token left, without taking one.
    func isExhausted(_ key: Int, now: ContinuousClock.Instant = .now) -> Bool {
        buckets.withLockedValue { buckets in
            guard let bucket = buckets[key] else { return false }
            let elapsed = Double((now - bucket.updated) / .microseconds(1)) / 1_000_000
            return bucket.tokens + max(0, elapsed) * limit.perSecond < 1
        }
    }

    private func prune(_ buckets: inout [Int: Bucket], now: ContinuousClock.Instant) {
        let refill = Duration.microseconds(Int64(limit.burst / limit.perSecond * 1_000_000))
        buckets = buckets.filter { now - $0.value.updated < refill }
        guard buckets.count > capacity else { return }
        // Keep the most recently used tenth under capacity; an exhausted bucket is recent by construction.
        let keep = buckets.sorted { $0.value.updated > $1.value.updated }.prefix(capacity * 9 / 10)
        buckets = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
    }
}

/// Answers 429 with `Retry-After` (whole seconds, at least 1) when a client exceeds its rate. Health,
/// readiness, metrics, the OpenAPI document and Zoom's webhooks are never limited.
///
/// The path is matched as the router will read it (repeated slashes, percent-escapes and letter case do not
/// slip past). An API key's bucket is keyed on the key itself, whatever the spelling of the `Bearer`
/// scheme; a request whose key fails to authenticate also costs its address a token, and an address out of
/// tokens gets 429 whatever key it tries next, so guessing keys cannot buy fresh buckets.
struct RateLimitMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    private let perAPIKey: TokenBuckets?
    private let perAddress: TokenBuckets?
    /// Failed authentications, per address.
    private let failures: TokenBuckets?

    init(_ limits: RateLimits) {
        perAPIKey = limits.perAPIKey.map { TokenBuckets(limit: $0) }
        perAddress = limits.perAddress.map { TokenBuckets(limit: $0) }
        failures = limits.perAddress.map { TokenBuckets(limit: $0) }
    }

    /// What a path is, for limiting.
    enum Area: Equatable {
        case api
        case browser
        /// The operator console: per address, and closed for a while to an address that failed to sign in
        /// (or to authenticate to the API) too often.
        case console
        case unlimited
    }

    static func area(of path: String) -> Area {
        let first = (path.removingPercentEncoding ?? path).split(separator: "/").first?.lowercased()
        switch first {
        case "v1": return .api
        case "connect", "oauth": return .browser
        case "console": return .console
        default: return .unlimited
        }
    }

    /// The key a `Bearer` credential names (the scheme is case-insensitive), or nil when there is none.
    static func apiKey(_ authorization: String?) -> String? {
        guard let authorization else { return nil }
        let parts = authorization.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return authorization }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let address = addressKey(context)
        let wait: Duration?
        switch Self.area(of: request.uri.path) {
        case .api:
            if failures?.isExhausted(address) == true {
                wait = .seconds(1)
            } else if let key = Self.apiKey(request.headers[.authorization]) {
                wait = perAPIKey?.take(key.hashValue)
            } else {
                wait = perAddress?.take(address)
            }
        case .browser:
            wait = perAddress?.take(address)
        case .console:
            wait = failures?.isExhausted(address) == true ? .seconds(1) : perAddress?.take(address)
        case .unlimited:
            wait = nil
        }
        guard let wait else {
            do {
                let response = try await next(request, context)
                if response.status == .unauthorized { _ = failures?.take(address) }
                return response
            } catch let error as APIError where error.status == .unauthorized {
                _ = failures?.take(address)
                throw error
            }
        }
        let seconds = max(1, Int((Double(wait / .microseconds(1)) / 1_000_000).rounded(.up)))
        throw APIError(
            .tooManyRequests, code: "rate_limited", message: "too many requests: retry after \(seconds) s",
            headers: [.retryAfter: "\(seconds)"])
    }

    private func addressKey(_ context: Context) -> Int {
        (context.remoteAddress?.ipAddress ?? "unknown").hashValue
    }
}
