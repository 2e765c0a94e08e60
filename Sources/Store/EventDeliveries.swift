public import Foundation
public import Postgres

/// An event due for delivery to its tenant's webhook, claimed for one attempt.
public struct EventDelivery: Sendable, Hashable {
    public let tenantID: UUID
    public let eventID: UUID
    /// The event's JSON, exactly as the feed renders it: the request body, signed as sent.
    public let body: String
    public let createdAt: Date
    /// This attempt's number, from 1.
    public let attempt: Int
    public let url: String
    /// The signing secret as the vault sealed it, with the id of the key that sealed it.
    public let sealedSecret: Data
}

/// The outbound webhook queue: events claimed across tenants with `FOR UPDATE SKIP LOCKED` (any number of
/// processes share it), each attempt leased so a crashed deliverer's events are retried, then marked
/// delivered, scheduled again, or failed.
public struct EventDeliveries: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// Claims up to `limit` due deliveries for one attempt each; an attempt not reported within `lease`
    /// is claimed again. Events whose tenant removed its webhook meanwhile are failed, not claimed.
    public func claim(limit: Int, lease: Duration) async throws -> [EventDelivery] {
        let leaseSeconds = Double(lease / .milliseconds(1)) / 1000
        return try await pool.withTransaction { connection in
            try SyncRuns.asQueue(connection)
            try connection.execute(
                """
                UPDATE events e SET delivery_status = 'failed', next_delivery_at = NULL, last_delivery_error = 'the tenant removed its webhook'
                WHERE delivery_status = 'pending' AND next_delivery_at <= now()
                  AND NOT EXISTS (SELECT FROM tenant_webhooks w WHERE w.tenant_id = e.tenant_id)
                """)
            // The event's JSON is SQL text spliced in (interpolating it into a PGQuery would bind it as a value).
            let claim = PGQuery(
                unsafeSQL: """
                    WITH due AS (
                        SELECT tenant_id, id FROM events
                        WHERE delivery_status = 'pending' AND next_delivery_at <= now()
                        ORDER BY next_delivery_at LIMIT $1 FOR UPDATE SKIP LOCKED)
                    UPDATE events e SET delivery_attempts = e.delivery_attempts + 1, next_delivery_at = now() + make_interval(secs => $2)
                    FROM due, tenant_webhooks w
                    WHERE e.tenant_id = due.tenant_id AND e.id = due.id AND w.tenant_id = e.tenant_id
                    RETURNING e.tenant_id, e.id, \(Events.rendered("e")), e.created_at, e.delivery_attempts, w.url, w.secret
                    """, binding: [limit, leaseSeconds])
            return try connection.query(claim).map { row in
                let v = try row.decode((UUID, UUID, String, Date, Int, String, Data).self)
                return EventDelivery(tenantID: v.0, eventID: v.1, body: v.2, createdAt: v.3, attempt: v.4, url: v.5, sealedSecret: v.6)
            }
        }
    }

    /// Hands a claimed delivery back without attempting it (its endpoint is busy with this process's other
    /// attempts): due again after `delay`, and the attempt it was claimed for is not counted.
    public func postpone(_ delivery: EventDelivery, by delay: Duration) async throws {
        let seconds = Double(delay / .milliseconds(1)) / 1000
        try await pool.withTenant(delivery.tenantID) { connection in
            _ = try connection.execute(
                """
                UPDATE events SET delivery_attempts = delivery_attempts - 1, next_delivery_at = now() + make_interval(secs => \(seconds))
                WHERE tenant_id = \(delivery.tenantID) AND id = \(delivery.eventID) AND delivery_status = 'pending'
                  AND delivery_attempts = \(delivery.attempt)
                """)
        }
    }

    /// The endpoint answered 2xx.
    public func delivered(_ delivery: EventDelivery) async throws {
        try await report(delivery, status: .delivered, retryAt: nil, error: nil)
    }

    /// The attempt failed with `error`: tried again at `retryAt`, or failed for good when it is nil.
    public func failed(_ delivery: EventDelivery, error: String, retryAt: Date?) async throws {
        try await report(delivery, status: retryAt == nil ? .failed : .pending, retryAt: retryAt, error: String(error.prefix(500)))
    }

    /// Records the attempt's outcome if this attempt still holds the event (a later claim, after the lease
    /// ran out, owns it otherwise).
    private func report(_ delivery: EventDelivery, status: DeliveryStatus, retryAt: Date?, error: String?) async throws {
        try await pool.withTenant(delivery.tenantID) { connection in
            _ = try connection.execute(
                """
                UPDATE events SET delivery_status = \(status), next_delivery_at = \(retryAt), last_delivery_error = \(error),
                    delivered_at = CASE WHEN \(status) = 'delivered' THEN now() END
                WHERE tenant_id = \(delivery.tenantID) AND id = \(delivery.eventID) AND delivery_status = 'pending'
                  AND delivery_attempts = \(delivery.attempt)
                """)
        }
    }
}
