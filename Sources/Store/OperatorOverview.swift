public import Foundation
public import Postgres

/// How a tenant's connections stand, for the console's tenant list.
public struct TenantHealth: Sendable, Hashable {
    public let tenant: Tenant
    /// Connections not revoked.
    public let connections: Int
    public let active: Int
    public let needsReauth: Int
    /// Connections in `error`, `pending` or `disabled`.
    public let otherStatus: Int
    /// Streams whose last run failed, over the tenant's connections.
    public let failedStreams: Int
    /// Streams the granted scopes do not permit.
    public let blockedStreams: Int
    public let lastRunAt: Date?
}

/// A run waiting or being worked on, across tenants.
public struct QueuedRun: Sendable, Hashable {
    public let tenantSlug: String
    public let tenantID: UUID
    public let id: UUID
    public let connectionID: UUID
    public let status: RunStatus
    public let trigger: RunTrigger
    public let attempt: Int
    public let runAt: Date
    public let lockedBy: String?
    public let lockedUntil: Date?
}

/// One rate-limit category of a provider account today (UTC).
public struct RateUse: Sendable, Hashable {
    public let provider: String
    public let accountID: String
    public let category: String
    /// Requests given a slot today.
    public let requestsToday: Int
    /// 429 answers today.
    public let throttledToday: Int
    /// The plan's requests per second the budget last kept to, and the pace it allows now.
    public let planRate: Double?
    public let pace: Double?
}

/// A tenant's connection to a provider account, for grouping rate-limit use by account.
public struct ConnectedAccount: Sendable, Hashable {
    public let provider: String
    public let accountID: String
    public let tenantSlug: String
    /// The rate-limit plan the connection keeps to.
    public let plan: String
}

/// A recent event, without its payload beyond what names it.
public struct EventSummary: Sendable, Hashable {
    public let tenantSlug: String
    public let type: String
    public let createdAt: Date
    public let connectionID: UUID?
    /// The connection's new status, or the run's outcome.
    public let status: String?
    public let deliveryStatus: String
    public let deliveryAttempts: Int
}

/// What the operator console reads across tenants (DESIGN §6.3). Row-level security still applies: tenant
/// tables are read one tenant at a time, or through the queue scope the workers use for runs and events.
public struct OperatorOverview: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// The first `limit` tenants by slug with their connections' health, read in one transaction.
    public func tenants(limit: Int) async throws -> [TenantHealth] {
        try await pool.withTransaction(.apiRead) { connection in
            let tenants = try connection.query("SELECT id, slug, name, created_at FROM tenants ORDER BY slug LIMIT \(limit)").map {
                try $0.decodeTenant()
            }
            return try tenants.map { tenant in
                try connection.scope(to: tenant.id)
                let row = try connection.query(
                    """
                    SELECT count(*)::int4, count(*) FILTER (WHERE c.status = 'active')::int4,
                           count(*) FILTER (WHERE c.status = 'needs_reauth')::int4,
                           count(*) FILTER (WHERE c.status NOT IN ('active', 'needs_reauth'))::int4,
                           (SELECT count(*)::int4 FROM connection_streams s WHERE s.tenant_id = \(tenant.id) AND s.state = 'failed'),
                           (SELECT count(*)::int4 FROM connection_streams s WHERE s.tenant_id = \(tenant.id) AND NOT s.permitted),
                           (SELECT max(s.last_run_at) FROM connection_streams s WHERE s.tenant_id = \(tenant.id))
                    FROM connections c WHERE c.tenant_id = \(tenant.id) AND c.status <> 'revoked'
                    """)[0]
                let counts = try row.decode((Int, Int, Int, Int, Int, Int, Date?).self)
                return TenantHealth(
                    tenant: tenant, connections: counts.0, active: counts.1, needsReauth: counts.2, otherStatus: counts.3, failedStreams: counts.4,
                    blockedStreams: counts.5, lastRunAt: counts.6)
            }
        }
    }

    /// When each stream of a connection last finished successfully.
    public func lastSucceeded(tenantID: UUID, connectionID: UUID) async throws -> [String: Date] {
        try await pool.withTenant(tenantID, .apiRead) { connection in
            let rows = try connection.query(
                """
                SELECT s.name, max(s.finished_at) FROM sync_run_streams s
                JOIN sync_runs r ON r.tenant_id = s.tenant_id AND r.id = s.run_id
                WHERE s.tenant_id = \(tenantID) AND r.connection_id = \(connectionID) AND s.status = 'succeeded' AND s.finished_at IS NOT NULL
                GROUP BY s.name
                """)
            return Dictionary(uniqueKeysWithValues: try rows.map { try $0.decode((String, Date).self) })
        }
    }

    /// Runs queued or running, running first, then by when they are due.
    public func queue(limit: Int) async throws -> [QueuedRun] {
        try await pool.withTransaction(.apiRead) { connection in
            try SyncRuns.asQueue(connection)
            return try connection.query(
                """
                SELECT t.slug, r.tenant_id, r.id, r.connection_id, r.status, r.trigger, r.attempt, r.run_at, r.locked_by, r.locked_until
                FROM sync_runs r JOIN tenants t ON t.id = r.tenant_id
                WHERE r.status IN ('queued', 'running')
                ORDER BY r.status = 'running' DESC, r.run_at, r.id LIMIT \(limit)
                """
            ).map { row in
                let v = try row.decode((String, UUID, UUID, UUID, RunStatus, RunTrigger, Int, Date, String?, Date?).self)
                return QueuedRun(
                    tenantSlug: v.0, tenantID: v.1, id: v.2, connectionID: v.3, status: v.4, trigger: v.5, attempt: v.6, runAt: v.7, lockedBy: v.8,
                    lockedUntil: v.9)
            }
        }
    }

    /// Every provider account's rate-limit categories with today's use.
    public func rateUse() async throws -> [RateUse] {
        try await pool.query(
            """
            SELECT provider, account_id, category,
                   CASE WHEN day = (now() AT TIME ZONE 'UTC')::date THEN requests_today ELSE 0 END::int8,
                   CASE WHEN day = (now() AT TIME ZONE 'UTC')::date THEN throttled_today ELSE 0 END::int8,
                   plan_rate, CASE WHEN plan_rate IS NOT NULL THEN provider_rate_pace(b, plan_rate, clock_timestamp()) END
            FROM provider_rate_budget b ORDER BY provider, account_id, category
            """
        ).map { row in
            let v = try row.decode((String, String, String, Int, Int, Double?, Double?).self)
            return RateUse(provider: v.0, accountID: v.1, category: v.2, requestsToday: v.3, throttledToday: v.4, planRate: v.5, pace: v.6)
        }
    }

    /// Every tenant's connections that are not revoked, by provider account.
    public func connectedAccounts() async throws -> [ConnectedAccount] {
        try await pool.withTransaction(.apiRead) { connection in
            let tenants = try connection.query("SELECT id, slug FROM tenants ORDER BY slug").map { try $0.decode((UUID, String).self) }
            return try tenants.flatMap { id, slug in
                try connection.scope(to: id)
                return try connection.query(
                    """
                    SELECT provider, external_account_id, rate_limit_plan FROM connections
                    WHERE tenant_id = \(id) AND status <> 'revoked' ORDER BY provider, external_account_id
                    """
                ).map { row in
                    let (provider, account, plan) = try row.decode((String, String, String).self)
                    return ConnectedAccount(provider: provider, accountID: account, tenantSlug: slug, plan: plan)
                }
            }
        }
    }

    /// Requests counted today (UTC) against each account's daily quotas: `[provider: [account: [quota: used]]]`.
    public func quotaUseToday() async throws -> [String: [String: [String: Int]]] {
        var use: [String: [String: [String: Int]]] = [:]
        for row in try await pool.query(
            "SELECT provider, account_id, quota, used FROM provider_quota_usage WHERE day = (now() AT TIME ZONE 'UTC')::date")
        {
            let (provider, account, quota, used) = try row.decode((String, String, String, Int).self)
            use[provider, default: [:]][account, default: [:]][quota] = used
        }
        return use
    }

    /// The newest `limit` events of every tenant.
    public func recentEvents(limit: Int) async throws -> [EventSummary] {
        try await pool.withTransaction(.apiRead) { connection in
            try SyncRuns.asQueue(connection)
            return try connection.query(
                """
                SELECT t.slug, e.type, e.created_at, e.data->>'connection_id', e.data->>'status', e.delivery_status, e.delivery_attempts
                FROM events e JOIN tenants t ON t.id = e.tenant_id ORDER BY e.created_at DESC, e.id LIMIT \(limit)
                """
            ).map { row in
                let v = try row.decode((String, String, Date, String?, String?, String, Int).self)
                return EventSummary(
                    tenantSlug: v.0, type: v.1, createdAt: v.2, connectionID: v.3.flatMap(UUID.init(uuidString:)), status: v.4, deliveryStatus: v.5,
                    deliveryAttempts: v.6)
            }
        }
    }
}
