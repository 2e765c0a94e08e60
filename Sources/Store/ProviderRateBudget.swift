public import Foundation
public import Postgres

/// The per-second budget of provider accounts, per rate-limit category, kept in PostgreSQL: every worker
/// process, and every tenant connected to the same account, draws on one pace (DESIGN §6.4). The pacing
/// rules live in the migration's functions (`reserve_rate_slot`, `throttle_rate_budget`), so that a
/// reservation is one statement under one row lock.
public struct ProviderRateBudget: Sendable {
    /// One account's category.
    public struct Key: Sendable, Hashable {
        public var provider: String
        public var accountID: String
        public var category: String

        public init(provider: String, accountID: String, category: String) {
            self.provider = provider
            self.accountID = accountID
            self.category = category
        }
    }

    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// Takes the next request slot of `key` for a plan of `perSecond` requests per second, as of `at` (the
    /// database's clock when nil, so that processes on several hosts agree), and returns how long until the
    /// slot begins.
    public func reserve(_ key: Key, perSecond: Double, at: Date? = nil) async throws -> Duration {
        let seconds = try await pool.withConnection { connection in
            try connection.query(
                "SELECT reserve_rate_slot(\(key.provider), \(key.accountID), \(key.category), \(perSecond), \(at))"
            )[0].decode(Double.self, at: 0)
        }
        return .milliseconds(max(0, Int64((seconds * 1000).rounded(.up))))
    }

    /// The provider answered 429 for `key` at `at` (now when nil): nothing before `retryAfter`, and half the pace.
    public func throttled(_ key: Key, perSecond: Double, retryAfter: Duration, at: Date? = nil) async throws {
        let seconds = Double(retryAfter.components.seconds) + Double(retryAfter.components.attoseconds) / 1e18
        try await pool.withConnection { connection in
            _ = try connection.query(
                "SELECT throttle_rate_budget(\(key.provider), \(key.accountID), \(key.category), \(perSecond), \(seconds), \(at))")
        }
    }

    /// The pace of `key` at `at` (now when nil) in requests per second, or nil before its first request.
    public func pace(_ key: Key, perSecond: Double, at: Date? = nil) async throws -> Double? {
        try await pool.withConnection { connection in
            try connection.query(
                """
                SELECT provider_rate_pace(b, \(perSecond), coalesce(\(at), clock_timestamp())) FROM provider_rate_budget b
                WHERE provider = \(key.provider) AND account_id = \(key.accountID) AND category = \(key.category)
                """
            ).first?.decode(Double.self, at: 0)
        }
    }
}
