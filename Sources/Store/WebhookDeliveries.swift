import Foundation
public import Postgres

/// Remembers processed webhook deliveries, so an exact replay inside the signature window is acted on once.
public struct WebhookDeliveries: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// Records a delivery by its replay key (stored as SHA-256); false when it was already recorded.
    public func recordFirst(provider: String, replayKey: String, event: String) async throws -> Bool {
        let digest = secretHash(replayKey)
        return try await pool.withConnection { connection in
            try connection.execute(
                """
                INSERT INTO webhook_deliveries (provider, digest, event) VALUES (\(provider), \(digest), \(event))
                ON CONFLICT DO NOTHING
                """) == 1
        }
    }
}

extension WebhookDeliveries {
    /// Forgets a delivery whose processing failed, so the provider's retry is acted on.
    public func forget(provider: String, replayKey: String) async throws {
        try await pool.withConnection { connection in
            _ = try connection.execute(
                "DELETE FROM webhook_deliveries WHERE provider = \(provider) AND digest = \(secretHash(replayKey))")
        }
    }
}
