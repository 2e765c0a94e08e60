public import Postgres
public import Store

/// Paces requests per provider account and rate-limit category, across every process: the pace lives in
/// PostgreSQL (``ProviderRateBudget``), so two workers, or two tenants connected to one account, together
/// keep to the account's limits.
///
/// Requests are spaced evenly at 90 % of the plan's rate (no bursts that a fixed one-second window would
/// refuse). Other apps draw on the same account budget, so a 429 halves the pace and blocks the category
/// for the `Retry-After` the provider gave; ten seconds later the pace grows back by 5 % of the plan's rate
/// per second.
public struct RateLimiter: Sendable {
    let budget: ProviderRateBudget

    public init(pool: PGPool) {
        self.budget = ProviderRateBudget(pool: pool)
    }

    /// Waits for the next slot of `key` at `perSecond` requests per second.
    public func acquire(_ key: ProviderRateBudget.Key, perSecond: Double) async throws {
        let wait = try await budget.reserve(key, perSecond: perSecond)
        if wait > .zero { try await Task.sleep(for: wait) }
    }

    /// The provider refused a call with 429: no call of `key` before `retryAfter` has passed, and a slower pace.
    public func throttled(_ key: ProviderRateBudget.Key, perSecond: Double, retryAfter: Duration) async throws {
        try await budget.throttled(key, perSecond: perSecond, retryAfter: retryAfter)
    }
}
