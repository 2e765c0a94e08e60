public import Postgres

/// How many values each vault key has sealed, in every process since the key was first used (SECURITY.md K5).
public struct VaultKeyUsage: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// Adds `counts` (seals per key id) and returns every key's total afterwards.
    @discardableResult
    public func add(_ counts: [String: Int]) async throws -> [String: Int] {
        try await pool.withTransaction { connection in
            for (keyID, count) in counts.sorted(by: { $0.key < $1.key }) where count > 0 {
                try connection.execute(
                    """
                    INSERT INTO vault_key_usage AS u (key_id, seals) VALUES (\(keyID), \(count))
                    ON CONFLICT (key_id) DO UPDATE SET seals = u.seals + excluded.seals, updated_at = now()
                    """)
            }
            return Dictionary(
                uniqueKeysWithValues: try connection.query("SELECT key_id, seals FROM vault_key_usage").map { try $0.decode((String, Int).self) })
        }
    }

    /// Every key's total.
    public func totals() async throws -> [String: Int] {
        try await add([:])
    }
}
