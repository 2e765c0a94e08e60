import Connectors
import Credentials
import Foundation
import NIOConcurrencyHelpers
import Sensitive
import Store
import Transport

/// The account's daily quota is used up until `until`: the run waits in the queue instead of spinning.
struct QuotaExhausted: Error, CustomStringConvertible {
    let until: Date
    var description: String { "the provider account's daily quota is used up until \(until.formatted(.iso8601))" }
}

/// How hard the client tries before giving a failure to the stream.
public struct RetryPolicy: Sendable {
    /// Attempts for a 5xx answer or a network error.
    public var transientAttempts = 5
    /// 429 answers in a row before giving up on a call.
    public var rateLimitedAttempts = 12
    /// The first backoff; each retry doubles it, with full jitter, up to `maximumBackoff`.
    public var baseBackoff: Duration = .milliseconds(250)
    public var maximumBackoff: Duration = .seconds(30)
    /// A `Retry-After` longer than this ends the attempt: the run is queued again for that time.
    public var longestInlineWait: Duration = .seconds(120)

    public init() {}

    func backoff(_ attempt: Int) -> Duration {
        let ceiling = min(maximumBackoff.seconds, baseBackoff.seconds * pow(2, Double(attempt - 1)))
        return .seconds(Double.random(in: ceiling / 2...ceiling))
    }
}

/// The provider's REST API for one connection during a run: the connection's bearer token (refreshed
/// once on 401), the account's pace and daily quotas, retries of 5xx and network errors with backoff, and
/// `Retry-After` on 429. Counts what it had to do for the run's statistics.
final class ProviderClient: ProviderAPI {
    struct Counters {
        var rateLimited = 0
        var retries = 0
    }

    let connector: any Connector
    let tenantID: UUID
    let connectionID: UUID
    let accountID: String
    let plan: String
    let tokens: TokenProvider
    let http: any HTTPTransport
    let limiter: RateLimiter
    let quotas: ProviderQuotas
    let enforceRateLimits: Bool
    let retry: RetryPolicy
    let timeout: Duration
    private let counters = NIOLockedValueBox(Counters())

    init(
        connector: any Connector, connection: Connection, tokens: TokenProvider, http: any HTTPTransport, limiter: RateLimiter,
        quotas: ProviderQuotas, configuration: SyncConfiguration
    ) {
        self.connector = connector
        self.tenantID = connection.tenantID
        self.connectionID = connection.id
        self.accountID = connection.externalAccountID
        self.plan = connection.rateLimitPlan
        self.tokens = tokens
        self.http = http
        self.limiter = limiter
        self.quotas = quotas
        self.enforceRateLimits = configuration.enforceRateLimits
        self.retry = configuration.retry
        self.timeout = configuration.requestTimeout
    }

    /// The counts since the last call, which resets them.
    func takeCounters() -> Counters {
        counters.withLockedValue { current in
            defer { current = Counters() }; return current
        }
    }

    func send(_ request: APIRequest) async throws -> [UInt8] {
        let limit = connector.rateLimit(bucket: request.bucket, plan: plan)
        let key = ProviderRateBudget.Key(provider: connector.provider, accountID: accountID, category: request.bucket)
        var refreshed = false
        var transientFailures = 0
        var rateLimitedInARow = 0
        while true {
            try Task.checkCancellation()
            if enforceRateLimits {
                try await limiter.acquire(key, perSecond: limit.perSecond)
                if let daily = limit.daily,
                    !(try await quotas.consume(
                        provider: connector.provider, accountID: accountID, quota: limit.dailyQuota, limit: daily))
                {
                    throw QuotaExhausted(until: Self.nextUTCMidnight())
                }
            }
            let token = try await tokens.accessToken(tenantID: tenantID, connectionID: connectionID)
            let response: HTTPClientResponse
            do {
                var headers = [HTTPHeader("Authorization", "Bearer \(token.unsafeValue)"), HTTPHeader("Accept", "application/json")]
                if request.body != nil { headers.append(HTTPHeader("Content-Type", "application/json")) }
                response = try await http.execute(
                    HTTPClientRequest(
                        method: request.method, url: url(request), headers: headers, body: request.body.map { Array($0.canonicalText.utf8) },
                        timeout: timeout, maximumResponseBytes: 64 << 20))
            } catch let error as HTTPTransportError where ![.invalidURL, .insecureURL, .clientClosed].contains(error.code) {
                transientFailures += 1
                guard transientFailures < retry.transientAttempts else {
                    throw ConnectorError(.unavailable, "\(connector.displayName) could not be reached (\(error.code))")
                }
                try await pause(retry.backoff(transientFailures))
                continue
            }
            if (200..<300).contains(response.status) {
                return response.body
            }
            let failure = connector.failure(status: response.status, body: response.body)
            switch failure.kind {
            case .unauthorized where !refreshed:
                // The token may have been revoked or expired early: one forced refresh, one more try.
                refreshed = true
                _ = try await tokens.refresh(tenantID: tenantID, connectionID: connectionID, force: true)
                counters.withLockedValue { $0.retries += 1 }
            case .rateLimited:
                counters.withLockedValue { $0.rateLimited += 1 }
                rateLimitedInARow += 1
                let wait = Self.retryAfter(response.header("retry-after")) ?? retry.backoff(rateLimitedInARow)
                if wait > retry.longestInlineWait { throw QuotaExhausted(until: Date().addingTimeInterval(wait.seconds)) }
                guard rateLimitedInARow < retry.rateLimitedAttempts else { throw failure }
                if enforceRateLimits { try await limiter.throttled(key, perSecond: limit.perSecond, retryAfter: wait) }
                if !enforceRateLimits { try await pause(wait) }
            case .unavailable:
                transientFailures += 1
                guard transientFailures < retry.transientAttempts else { throw failure }
                try await pause(retry.backoff(transientFailures))
            default:
                throw failure
            }
        }
    }

    private func pause(_ duration: Duration) async throws {
        counters.withLockedValue { $0.retries += 1 }
        try await Task.sleep(for: duration)
    }

    private func url(_ request: APIRequest) -> String {
        var components = URLComponents()
        components.queryItems = request.query.map { URLQueryItem(name: $0.name, value: $0.value) }
        // URLComponents leaves `+` alone, which servers read as a space.
        let query = (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        return connector.apiBaseURL + request.path + (query.isEmpty ? "" : "?" + query)
    }

    /// `Retry-After` as seconds, an ISO 8601 time (Zoom's daily limit) or an HTTP date.
    static func retryAfter(_ value: String?, now: Date = Date()) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value) { return .seconds(max(0, seconds)) }
        let date = (try? Date(value, strategy: .iso8601)) ?? httpDate(value)
        return date.map { .seconds(max(0, $0.timeIntervalSince(now))) }
    }

    private static func httpDate(_ value: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: value)
    }

    static func nextUTCMidnight(after now: Date = Date()) -> Date {
        Date(timeIntervalSince1970: (floor(now.timeIntervalSince1970 / 86_400) + 1) * 86_400)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
