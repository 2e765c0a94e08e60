import Foundation
import NIOConcurrencyHelpers

/// Faults the control API injects into `/v2` responses, so clients can be tested against a Zoom that
/// misbehaves. Which request gets a fault is decided by a seeded generator: runs are reproducible.
public struct SandboxFaultPlan: Sendable, Codable, Equatable {
    /// Fraction (0…1) of requests answered with ``errorStatus``.
    public var errorRate: Double = 0
    /// 500 or 502 (any 5xx), or a 4xx such as 403 (a refusal that no retry changes), for ``errorRate``.
    public var errorStatus: Int = 500
    /// Added delay for every request, in milliseconds.
    public var latencyMilliseconds: Int = 0
    /// Fraction of responses whose body is replaced by malformed JSON.
    public var malformedRate: Double = 0
    /// Fraction of responses whose JSON body is cut in half (a complete HTTP response, an incomplete document).
    public var truncatedRate: Double = 0
    /// Fraction of requests whose connection is dropped halfway through the body.
    public var dropRate: Double = 0
    /// The next this-many requests get 429 whatever the rate limit says (a "429 storm").
    public var rateLimitStorm: Int = 0
    /// Delay, in milliseconds, between the token endpoint granting (a refresh token already rotated) and its
    /// reply: the window in which a client that dies has lost its new tokens (SECURITY.md W7).
    public var tokenDelayMilliseconds: Int = 0
    /// Delay, in milliseconds, between a write taking effect and its reply: the window in which a worker that
    /// dies has changed the account without recording it (DESIGN §6.1's crash safety).
    public var writeDelayMilliseconds: Int = 0
    /// Listings answer a page token with that same token as `next_page_token`, as a broken provider that
    /// would page forever does.
    public var repeatPageTokens = false
    /// Listings never end: the last page hands out a fresh token that starts the listing over, as a broken
    /// provider that keeps paging past the total it reported does.
    public var endlessPages = false
    /// The accounts (Zoom account ids) whose requests get faults; empty: every account's. Lets a test
    /// poison one tenant's account while others sync normally.
    public var accountIDs: [String] = []

    public init() {}

    enum CodingKeys: String, CodingKey {
        case errorRate = "error_rate", errorStatus = "error_status", latencyMilliseconds = "latency_ms"
        case malformedRate = "malformed_rate", truncatedRate = "truncated_rate", dropRate = "drop_rate"
        case rateLimitStorm = "rate_limit_storm", tokenDelayMilliseconds = "token_delay_ms"
        case repeatPageTokens = "repeat_page_tokens", endlessPages = "endless_pages", accountIDs = "account_ids"
        case writeDelayMilliseconds = "write_delay_ms"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        errorRate = try container.decodeIfPresent(Double.self, forKey: .errorRate) ?? 0
        errorStatus = try container.decodeIfPresent(Int.self, forKey: .errorStatus) ?? 500
        latencyMilliseconds = try container.decodeIfPresent(Int.self, forKey: .latencyMilliseconds) ?? 0
        malformedRate = try container.decodeIfPresent(Double.self, forKey: .malformedRate) ?? 0
        truncatedRate = try container.decodeIfPresent(Double.self, forKey: .truncatedRate) ?? 0
        dropRate = try container.decodeIfPresent(Double.self, forKey: .dropRate) ?? 0
        rateLimitStorm = try container.decodeIfPresent(Int.self, forKey: .rateLimitStorm) ?? 0
        tokenDelayMilliseconds = try container.decodeIfPresent(Int.self, forKey: .tokenDelayMilliseconds) ?? 0
        repeatPageTokens = try container.decodeIfPresent(Bool.self, forKey: .repeatPageTokens) ?? false
        endlessPages = try container.decodeIfPresent(Bool.self, forKey: .endlessPages) ?? false
        accountIDs = try container.decodeIfPresent([String].self, forKey: .accountIDs) ?? []
        writeDelayMilliseconds = try container.decodeIfPresent(Int.self, forKey: .writeDelayMilliseconds) ?? 0
        let rates = [errorRate, malformedRate, truncatedRate, dropRate]
        guard rates.allSatisfy({ (0...1).contains($0) }), (400...599).contains(errorStatus), latencyMilliseconds >= 0,
            latencyMilliseconds <= 60_000, rateLimitStorm >= 0, (0...60_000).contains(tokenDelayMilliseconds),
            (0...60_000).contains(writeDelayMilliseconds)
        else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: [],
                    debugDescription: "rates must be within 0…1, error_status 4xx or 5xx, latency_ms, token_delay_ms and write_delay_ms 0…60000"))
        }
    }
}

/// The fault to apply to one request.
enum SandboxFault: Equatable {
    case none
    case error(Int)
    case rateLimited
    case malformed
    case truncated
    case dropped
}

/// Holds the fault plan and decides each request's fate.
final class SandboxFaults: Sendable {
    private struct State {
        var plan = SandboxFaultPlan()
        var requests: UInt64 = 0
        var injected = 0
    }

    private let state = NIOLockedValueBox(State())
    private let seed: UInt64

    init(seed: UInt64) { self.seed = seed }

    var plan: SandboxFaultPlan {
        get { state.withLockedValue { $0.plan } }
        set { state.withLockedValue { $0.plan = newValue } }
    }

    /// Faults injected so far.
    var injected: Int { state.withLockedValue { $0.injected } }

    /// Decides the fault for the next request of `account` (nil before authentication), and the latency to
    /// add before answering. A plan limited to some accounts leaves every other request alone.
    func next(account: String?) -> (SandboxFault, latency: Duration) {
        state.withLockedValue { state in
            if !state.plan.accountIDs.isEmpty, !state.plan.accountIDs.contains(account ?? "") { return (.none, .zero) }
            state.requests += 1
            let latency = Duration.milliseconds(state.plan.latencyMilliseconds)
            if state.plan.rateLimitStorm > 0 {
                state.plan.rateLimitStorm -= 1
                state.injected += 1
                return (.rateLimited, latency)
            }
            var random = SandboxRandom(seed: seed, 30, state.requests)
            let roll = Double(random.next() % 1_000_000) / 1_000_000
            var threshold = 0.0
            let candidates: [(Double, SandboxFault)] = [
                (state.plan.errorRate, .error(state.plan.errorStatus)), (state.plan.malformedRate, .malformed),
                (state.plan.truncatedRate, .truncated), (state.plan.dropRate, .dropped),
            ]
            for (rate, fault) in candidates {
                threshold += rate
                if roll < threshold {
                    state.injected += 1
                    return (fault, latency)
                }
            }
            return (.none, latency)
        }
    }
}
