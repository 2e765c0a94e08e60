public import Postgres

/// Daily request quotas of provider accounts, counted in PostgreSQL so that every process and every
/// restart draws on the same budget.
public struct ProviderQuotas: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// Counts one request against `quota` for today (UTC). False when `limit` requests were already made.
    public func consume(provider: String, accountID: String, quota: String, limit: Int) async throws -> Bool {
        try await pool.withConnection { connection in
            try connection.query(
                """
                INSERT INTO provider_quota_usage AS q (provider, account_id, quota, day, used)
                VALUES (\(provider), \(accountID), \(quota), (now() AT TIME ZONE 'UTC')::date, 1)
                ON CONFLICT (provider, account_id, quota, day) DO UPDATE SET used = q.used + 1 WHERE q.used < \(limit)
                RETURNING used
                """
            ).count == 1
        }
    }
}
