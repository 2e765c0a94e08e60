public import Connectors
public import Foundation
public import Postgres

/// A stream of a connection: whether the granted scopes permit it, and how its syncs went.
public struct StreamState: Sendable, Hashable {
    public let name: String
    public let state: String
    public let permitted: Bool
    public let missingScopes: [String]
    public let lastRunAt: Date?
    /// Seconds between scheduled syncs set for this connection, or `nil` for the stream's default.
    public var intervalSeconds: Int?
    /// Windowed streams: the last day fetched completely (`yyyy-mm-dd`).
    public var watermark: String?
    public var nextSyncAt: Date?
    public var lastError: String?

    public init(name: String, state: String = "idle", permitted: Bool, missingScopes: [String], lastRunAt: Date? = nil) {
        self.name = name
        self.state = state
        self.permitted = permitted
        self.missingScopes = missingScopes
        self.lastRunAt = lastRunAt
    }
}

/// A connected provider account, as stored (never with its credentials).
public struct Connection: Sendable, Hashable {
    public let tenantID: UUID
    public let id: UUID
    public let provider: String
    public let mode: ConnectionMode
    public let status: ConnectionStatus
    public let statusReason: String?
    public let name: String
    public let description: String
    public let enabled: Bool
    public let externalAccountID: String
    public let clientID: String
    public let authorizedByEmail: String?
    public let authorizedByRemoteUserID: String?
    public let authorizedByRole: String?
    public let grantedScopes: [String]
    /// The plan whose rate limits the sync engine keeps to (one of the connector's `rateLimitPlans`).
    public let rateLimitPlan: String
    /// Where ``rateLimitPlan`` came from: `default`, `detected` (the account's plan information, at
    /// connect) or `set` (by an operator; detection never overrides it).
    public let rateLimitPlanSource: String
    public let createdAt: Date
    public let updatedAt: Date
    public var streams: [StreamState]
}

/// Everything known about a freshly authorized account, to create or refresh its connection.
public struct AuthorizedAccount: Sendable {
    public var provider: String
    public var mode: ConnectionMode
    public var externalAccountID: String
    public var clientID: String
    public var authorizedByEmail: String?
    public var authorizedByRemoteUserID: String?
    public var authorizedByRole: String?
    public var grantedScopes: [String]
    public var streams: [StreamState]
    public var name: String?
    /// The rate-limit plan read from the account's plan information, or nil when it could not be read.
    /// A new connection without one starts on the connector's default; a connection whose plan an operator
    /// set keeps it.
    public var detectedRateLimitPlan: String?

    public init(
        provider: String, mode: ConnectionMode, externalAccountID: String, clientID: String, authorizedByEmail: String?,
        authorizedByRemoteUserID: String?, authorizedByRole: String?, grantedScopes: [String], streams: [StreamState], name: String?,
        detectedRateLimitPlan: String?
    ) {
        self.detectedRateLimitPlan = detectedRateLimitPlan
        self.provider = provider
        self.mode = mode
        self.externalAccountID = externalAccountID
        self.clientID = clientID
        self.authorizedByEmail = authorizedByEmail
        self.authorizedByRemoteUserID = authorizedByRemoteUserID
        self.authorizedByRole = authorizedByRole
        self.grantedScopes = grantedScopes
        self.streams = streams
        self.name = name
    }
}

/// Credentials as stored: every secret sealed by the caller (the store never sees a key or a token).
public struct SealedCredentials: Sendable, Hashable {
    public var accessToken: Data?
    public var accessTokenExpiresAt: Date?
    public var refreshToken: Data?
    public var clientSecret: Data?
    /// Custom mode: the app's webhook secret token, when the admin gave it.
    public var webhookSecret: Data?
    /// The key that sealed the values.
    public var keyID: String
    /// Grows with every write; a re-seal applies only if it is unchanged.
    public var version: Int
    public var refreshedAt: Date?
    public var refreshFailures: Int
    public var nextRefreshAttemptAt: Date?

    public init(
        accessToken: Data?, accessTokenExpiresAt: Date?, refreshToken: Data?, clientSecret: Data?, webhookSecret: Data? = nil,
        keyID: String, version: Int = 0, refreshedAt: Date? = nil, refreshFailures: Int = 0, nextRefreshAttemptAt: Date? = nil
    ) {
        self.accessToken = accessToken
        self.accessTokenExpiresAt = accessTokenExpiresAt
        self.refreshToken = refreshToken
        self.clientSecret = clientSecret
        self.webhookSecret = webhookSecret
        self.keyID = keyID
        self.version = version
        self.refreshedAt = refreshedAt
        self.refreshFailures = refreshFailures
        self.nextRefreshAttemptAt = nextRefreshAttemptAt
    }
}

/// Connections, their streams and their sealed credentials.
public struct Connections: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// Creates the connection for an authorized account, or (same tenant, provider and account) reuses
    /// the existing one with its id, replacing its mode, scopes and credentials. `seal` is called with the
    /// connection's id, because sealed values are bound to it.
    /// - Returns: the connection and whether it was created.
    public func saveAuthorized(
        tenantID: UUID, _ account: AuthorizedAccount, defaultRateLimitPlan: String,
        seal: @escaping @Sendable (_ connectionID: UUID) throws -> SealedCredentials
    ) async throws -> (connection: Connection, created: Bool) {
        try await pool.withTenant(tenantID) { connection in
            let (id, created) = try connection.query(
                """
                INSERT INTO connections (tenant_id, provider, mode, status, name, external_account_id, client_id, authorized_by_email,
                    authorized_by_remote_user_id, authorized_by_role, granted_scopes, rate_limit_plan, rate_limit_plan_source)
                VALUES (\(tenantID), \(account.provider), \(account.mode), \(ConnectionStatus.active), \(account.name ?? ""),
                    \(account.externalAccountID), \(account.clientID), \(account.authorizedByEmail), \(account.authorizedByRemoteUserID),
                    \(account.authorizedByRole), \(account.grantedScopes), \(account.detectedRateLimitPlan ?? defaultRateLimitPlan),
                    \(account.detectedRateLimitPlan == nil ? "default" : "detected"))
                ON CONFLICT (tenant_id, provider, external_account_id) DO UPDATE SET
                    mode = excluded.mode, status = CASE WHEN connections.enabled THEN 'active' ELSE 'disabled' END,
                    status_reason = NULL, client_id = excluded.client_id, authorized_by_email = excluded.authorized_by_email,
                    authorized_by_remote_user_id = excluded.authorized_by_remote_user_id, authorized_by_role = excluded.authorized_by_role,
                    granted_scopes = excluded.granted_scopes,
                    rate_limit_plan = CASE WHEN connections.rate_limit_plan_source = 'set' OR excluded.rate_limit_plan_source = 'default'
                        THEN connections.rate_limit_plan ELSE excluded.rate_limit_plan END,
                    rate_limit_plan_source = CASE WHEN connections.rate_limit_plan_source = 'set' OR excluded.rate_limit_plan_source = 'default'
                        THEN connections.rate_limit_plan_source ELSE excluded.rate_limit_plan_source END,
                    name = CASE WHEN \(account.name ?? "") = '' THEN connections.name ELSE excluded.name END, updated_at = now()
                RETURNING id, xmax = 0
                """)[0].decode((UUID, Bool).self)
            try Self.writeStreams(connection, tenantID: tenantID, connectionID: id, account.streams)
            try Self.writeCredentials(connection, tenantID: tenantID, connectionID: id, try seal(id))
            return (try Self.fetch(connection, tenantID: tenantID, id: id)!, created)
        }
    }

    /// Forgets the watermarks of a connection's streams (`streams`, or all when empty), so their next sync
    /// reads every window again from the start (`tether sync --full`). Returns how many streams had one.
    @discardableResult
    public func forgetWatermarks(tenantID: UUID, connectionID: UUID, streams: [String]) async throws -> Int {
        try await pool.withTenant(tenantID) { connection in
            try connection.execute(
                """
                UPDATE connection_streams SET watermark = NULL
                WHERE tenant_id = \(tenantID) AND connection_id = \(connectionID) AND watermark IS NOT NULL
                  AND (cardinality(\(streams)::text[]) = 0 OR name = ANY(\(streams)::text[]))
                """)
        }
    }

    /// The connections of `tenantID` to `provider` (not revoked) whose streams are not exactly `catalogue`,
    /// with the scopes they were granted: the connector gained or dropped a stream since they were
    /// authorized. One statement, cheap when nothing changed.
    public func streamCatalogueDrift(tenantID: UUID, provider: String, catalogue: [String]) async throws -> [(id: UUID, grantedScopes: [String])] {
        try await pool.withTenant(tenantID) { connection in
            try connection.query(
                """
                SELECT c.id, c.granted_scopes FROM connections c
                WHERE c.tenant_id = \(tenantID) AND c.provider = \(provider) AND c.status <> 'revoked'
                  AND (SELECT coalesce(array_agg(s.name ORDER BY s.name), '{}') FROM connection_streams s
                       WHERE s.tenant_id = c.tenant_id AND s.connection_id = c.id) IS DISTINCT FROM \(catalogue.sorted())::text[]
                """
            ).map { try $0.decode((UUID, [String]).self) }
        }
    }

    /// Brings a connection's streams to `streams`: a new stream is added with its permission (and is due at
    /// once), a stream the connector no longer has is removed, and the others keep their state and history.
    public func adoptStreams(tenantID: UUID, connectionID: UUID, _ streams: [StreamState]) async throws {
        try await pool.withTenant(tenantID) { connection in
            try Self.writeStreams(connection, tenantID: tenantID, connectionID: connectionID, streams)
        }
    }

    /// Every connection of a tenant, oldest first.
    public func list(tenantID: UUID) async throws -> [Connection] {
        try await pool.withTenant(tenantID) { connection in
            let ids = try connection.query("SELECT id FROM connections WHERE tenant_id = \(tenantID) ORDER BY created_at, id")
                .map { try $0.decode(UUID.self, at: 0) }
            return try ids.compactMap { try Self.fetch(connection, tenantID: tenantID, id: $0) }
        }
    }

    /// One connection of a tenant, or `nil`.
    public func find(tenantID: UUID, id: UUID) async throws -> Connection? {
        try await pool.withTenant(tenantID) { try Self.fetch($0, tenantID: tenantID, id: id) }
    }

    /// Changes the fields an API caller may change, all in one transaction: a stream name the connection
    /// does not have fails the whole change with ``StoreError/Kind/invalid`` and writes nothing.
    /// Disabling keeps the credentials but stops syncs; enabling again restores `active` (a connection that
    /// needs re-authorization stays so). A new interval takes effect from the stream's last run; going back to the default, from the next.
    public func update(tenantID: UUID, id: UUID, changes: ConnectionChanges) async throws -> Connection? {
        try await pool.withTenant(tenantID) { connection in
            let changed = try connection.execute(
                """
                UPDATE connections SET
                    name = coalesce(\(changes.name), name), description = coalesce(\(changes.description), description),
                    enabled = coalesce(\(changes.enabled), enabled),
                    rate_limit_plan = coalesce(\(changes.rateLimitPlan), rate_limit_plan),
                    rate_limit_plan_source = CASE WHEN \(changes.rateLimitPlan)::text IS NULL THEN rate_limit_plan_source ELSE 'set' END,
                    status = CASE
                        WHEN \(changes.enabled) IS false AND status = 'active' THEN 'disabled'
                        WHEN \(changes.enabled) IS true AND status = 'disabled' THEN 'active'
                        ELSE status END,
                    updated_at = now()
                WHERE tenant_id = \(tenantID) AND id = \(id)
                """)
            if changed == 0 { return nil }
            for (stream, seconds) in changes.syncIntervals.sorted(by: { $0.key < $1.key }) {
                let found = try connection.execute(
                    """
                    UPDATE connection_streams SET interval_seconds = \(seconds),
                        next_sync_at = CASE WHEN last_run_at IS NULL OR \(seconds)::integer IS NULL THEN next_sync_at
                                            ELSE last_run_at + make_interval(secs => \(seconds)) END
                    WHERE tenant_id = \(tenantID) AND connection_id = \(id) AND name = \(stream)
                    """)
                guard found == 1 else { throw StoreError(.invalid, "the connection has no stream \(String(stream.prefix(64)).debugDescription)") }
            }
            return try Self.fetch(connection, tenantID: tenantID, id: id)
        }
    }

    /// Sets a connection's status (and why), e.g. `needs_reauth` after `invalid_grant`.
    public func setStatus(tenantID: UUID, id: UUID, status: ConnectionStatus, reason: String?) async throws {
        try await pool.withTenant(tenantID) { connection in
            try connection.execute(
                """
                UPDATE connections SET status = \(status), status_reason = \(reason), updated_at = now()
                WHERE tenant_id = \(tenantID) AND id = \(id)
                """)
        }
    }

    /// Revokes a connection: its credentials are deleted and its status becomes `revoked`; with `purge`
    /// the connection itself goes too, and with it (by cascade) every row synced through it.
    /// - Returns: false when there is no such connection.
    @discardableResult
    public func revoke(tenantID: UUID, id: UUID, reason: String, purge: Bool) async throws -> Bool {
        try await pool.withTenant(tenantID) { connection in
            try connection.execute("DELETE FROM connection_credentials WHERE tenant_id = \(tenantID) AND connection_id = \(id)")
            if purge {
                return try connection.execute("DELETE FROM connections WHERE tenant_id = \(tenantID) AND id = \(id)") > 0
            }
            return try connection.execute(
                """
                UPDATE connections SET status = 'revoked', status_reason = \(reason), updated_at = now()
                WHERE tenant_id = \(tenantID) AND id = \(id)
                """) > 0
        }
    }

    /// Every tenant's connection to `externalAccountID` at `provider`: a verified provider event (an app
    /// removed from an account) names the account, not a tenant.
    /// Stores records a provider pushed for a connection (a webhook's live alerts), as a sync would store
    /// them, and marks deleted what the event resolved.
    public func storePushedRecords(tenantID: UUID, connectionID: UUID, upserts: [RecordUpsert], deletions: [RecordDeletion]) async throws {
        try await pool.withTenant(tenantID) { connection in
            try SyncedRecords.writeThrough(
                connection, tenantID: tenantID, connectionID: connectionID, upserts: upserts.map { ($0.table, $0.record) }, deletions: deletions)
        }
    }

    public func findByExternalAccount(provider: String, externalAccountID: String) async throws -> [Connection] {
        try await pool.withTransaction(.init(readOnly: true)) { connection in
            try connection.execute("SELECT set_config('app.lookup_account', \(provider + ":" + externalAccountID), true)")
            let keys = try connection.query(
                """
                SELECT tenant_id, id FROM connections WHERE provider = \(provider) AND external_account_id = \(externalAccountID)
                """
            ).map { try $0.decode((UUID, UUID).self) }
            return try keys.compactMap { tenantID, id in
                try connection.scope(to: tenantID)
                return try Self.fetch(connection, tenantID: tenantID, id: id)
            }
        }
    }

    /// A custom app's webhook secret token as one of its connections keeps it, sealed.
    public struct CustomAppSecret: Sendable {
        public let tenantID: UUID
        public let connectionID: UUID
        /// The provider account the connection reaches: an event verified with this secret may only concern it.
        public let externalAccountID: String
        public let sealed: Data
    }

    /// The sealed webhook secret tokens kept by `provider`'s custom connections made with app `clientID`, in
    /// every tenant (at most 100): what a provider event about that app can be verified with.
    public func customAppWebhookSecrets(provider: String, clientID: String) async throws -> [CustomAppSecret] {
        try await pool.withTransaction(.init(readOnly: true)) { connection in
            try connection.execute("SELECT set_config('app.lookup_client', \(provider + ":" + clientID), true)")
            let found = try connection.query(
                """
                SELECT tenant_id, id, external_account_id FROM connections
                WHERE provider = \(provider) AND client_id = \(clientID) AND mode = 'custom' ORDER BY tenant_id, id LIMIT 100
                """
            ).map { try $0.decode((UUID, UUID, String).self) }
            return try found.compactMap { tenantID, id, account in
                try connection.scope(to: tenantID)
                let sealed = try connection.query(
                    """
                    SELECT webhook_secret FROM connection_credentials
                    WHERE tenant_id = \(tenantID) AND connection_id = \(id) AND webhook_secret IS NOT NULL
                    """
                ).first?.decode(Data.self, at: 0)
                return sealed.map { CustomAppSecret(tenantID: tenantID, connectionID: id, externalAccountID: account, sealed: $0) }
            }
        }
    }

    // MARK: - Credentials

    /// The sealed credentials of a connection, or `nil` when it has none.
    public func credentials(tenantID: UUID, connectionID: UUID) async throws -> SealedCredentials? {
        try await pool.withTenant(tenantID) { try Self.fetchCredentials($0, tenantID: tenantID, connectionID: connectionID, lock: false) }
    }

    /// Connections of a tenant whose OAuth credentials the background refresher should renew: the access
    /// token expires within `expiringWithin`, or the last refresh is older than `idleAfter` (refresh tokens
    /// of idle connections must be exercised before the provider forgets them).
    public func dueForRefresh(tenantID: UUID, expiringWithin: TimeInterval, idleAfter: TimeInterval) async throws -> [UUID] {
        try await pool.withTenant(tenantID) { connection in
            try connection.query(
                """
                SELECT c.id FROM connections c JOIN connection_credentials k ON k.tenant_id = c.tenant_id AND k.connection_id = c.id
                WHERE c.tenant_id = \(tenantID) AND c.status IN ('active', 'disabled', 'error') AND k.refresh_token IS NOT NULL
                  AND (k.next_refresh_attempt_at IS NULL OR k.next_refresh_attempt_at <= now())
                  AND (k.access_token_expires_at < now() + make_interval(secs => \(expiringWithin))
                       OR coalesce(k.refreshed_at, k.updated_at) < now() - make_interval(secs => \(idleAfter)))
                ORDER BY k.access_token_expires_at
                """
            ).map { try $0.decode(UUID.self, at: 0) }
        }
    }

    static func writeCredentials(_ connection: PGConnection, tenantID: UUID, connectionID: UUID, _ sealed: SealedCredentials) throws {
        try connection.execute(
            """
            INSERT INTO connection_credentials (tenant_id, connection_id, access_token, access_token_expires_at, refresh_token,
                client_secret, webhook_secret, key_id, refreshed_at)
            VALUES (\(tenantID), \(connectionID), \(sealed.accessToken), \(sealed.accessTokenExpiresAt), \(sealed.refreshToken),
                \(sealed.clientSecret), \(sealed.webhookSecret), \(sealed.keyID), now())
            ON CONFLICT (tenant_id, connection_id) DO UPDATE SET
                access_token = excluded.access_token, access_token_expires_at = excluded.access_token_expires_at,
                refresh_token = excluded.refresh_token, client_secret = excluded.client_secret,
                webhook_secret = excluded.webhook_secret, key_id = excluded.key_id,
                version = connection_credentials.version + 1, refreshed_at = now(), refresh_failures = 0,
                next_refresh_attempt_at = NULL, updated_at = now()
            """)
    }

    static func fetchCredentials(_ connection: PGConnection, tenantID: UUID, connectionID: UUID, lock: Bool) throws -> SealedCredentials? {
        guard
            let row = try connection.query(
                """
                SELECT access_token, access_token_expires_at, refresh_token, client_secret, webhook_secret, key_id, version,
                    refreshed_at, refresh_failures, next_refresh_attempt_at
                FROM connection_credentials WHERE tenant_id = \(tenantID) AND connection_id = \(connectionID)
                \(unescaped: lock ? "FOR UPDATE" : "")
                """
            ).first
        else { return nil }
        return SealedCredentials(
            accessToken: try row.decode(column: "access_token"), accessTokenExpiresAt: try row.decode(column: "access_token_expires_at"),
            refreshToken: try row.decode(column: "refresh_token"), clientSecret: try row.decode(column: "client_secret"),
            webhookSecret: try row.decode(column: "webhook_secret"), keyID: try row.decode(column: "key_id"),
            version: try row.decode(column: "version"), refreshedAt: try row.decode(column: "refreshed_at"),
            refreshFailures: try row.decode(column: "refresh_failures"), nextRefreshAttemptAt: try row.decode(column: "next_refresh_attempt_at"))
    }

    // MARK: - Reading

    static func writeStreams(_ connection: PGConnection, tenantID: UUID, connectionID: UUID, _ streams: [StreamState]) throws {
        try connection.execute(
            """
            DELETE FROM connection_streams WHERE tenant_id = \(tenantID) AND connection_id = \(connectionID)
              AND NOT (name = ANY(\(streams.map(\.name))))
            """)
        for stream in streams {
            try connection.execute(
                """
                INSERT INTO connection_streams (tenant_id, connection_id, name, permitted, missing_scopes)
                VALUES (\(tenantID), \(connectionID), \(stream.name), \(stream.permitted), \(stream.missingScopes))
                ON CONFLICT (tenant_id, connection_id, name) DO UPDATE SET
                    permitted = excluded.permitted, missing_scopes = excluded.missing_scopes
                """)
        }
    }

    static func fetch(_ connection: PGConnection, tenantID: UUID, id: UUID) throws -> Connection? {
        guard
            let row = try connection.query(
                """
                SELECT tenant_id, id, provider, mode, status, status_reason, name, description, enabled, external_account_id, client_id,
                    authorized_by_email, authorized_by_remote_user_id, authorized_by_role, granted_scopes, created_at, updated_at, rate_limit_plan,
                    rate_limit_plan_source
                FROM connections WHERE tenant_id = \(tenantID) AND id = \(id)
                """
            ).first
        else { return nil }
        let streams = try connection.query(
            """
            SELECT name, state, permitted, missing_scopes, last_run_at, interval_seconds, watermark::text, next_sync_at, last_error
            FROM connection_streams WHERE tenant_id = \(tenantID) AND connection_id = \(id) ORDER BY name
            """
        ).map { row in
            var stream = StreamState(
                name: try row.decode(column: "name"), state: try row.decode(column: "state"), permitted: try row.decode(column: "permitted"),
                missingScopes: try row.decode(column: "missing_scopes"), lastRunAt: try row.decode(column: "last_run_at"))
            stream.intervalSeconds = try row.decode(column: "interval_seconds")
            stream.watermark = try row.decode(column: "watermark")
            stream.nextSyncAt = try row.decode(column: "next_sync_at")
            stream.lastError = try row.decode(column: "last_error")
            return stream
        }
        return Connection(
            tenantID: try row.decode(column: "tenant_id"), id: try row.decode(column: "id"), provider: try row.decode(column: "provider"),
            mode: try row.decode(column: "mode"), status: try row.decode(column: "status"), statusReason: try row.decode(column: "status_reason"),
            name: try row.decode(column: "name"), description: try row.decode(column: "description"), enabled: try row.decode(column: "enabled"),
            externalAccountID: try row.decode(column: "external_account_id"), clientID: try row.decode(column: "client_id"),
            authorizedByEmail: try row.decode(column: "authorized_by_email"),
            authorizedByRemoteUserID: try row.decode(column: "authorized_by_remote_user_id"),
            authorizedByRole: try row.decode(column: "authorized_by_role"), grantedScopes: try row.decode(column: "granted_scopes"),
            rateLimitPlan: try row.decode(column: "rate_limit_plan"), rateLimitPlanSource: try row.decode(column: "rate_limit_plan_source"),
            createdAt: try row.decode(column: "created_at"),
            updatedAt: try row.decode(column: "updated_at"), streams: streams)
    }
}

extension Connections {
    /// Tables that describe a connection rather than hold data synced through it.
    static let controlTables: Set<String> = ["connection_streams", "connection_credentials"]

    /// Deletes every row synced through a connection, keeping the connection itself (as `revoked`, say).
    /// The data tables are found in the catalog (every table with a foreign key to `connections`), so a
    /// table added by a later migration is purged too.
    /// - Returns: rows deleted.
    @discardableResult
    public func purgeSyncedData(tenantID: UUID, connectionID: UUID) async throws -> Int {
        try await pool.withTenant(tenantID) { connection in
            let tables = try connection.query(
                """
                SELECT DISTINCT conrelid::regclass::text FROM pg_constraint
                WHERE contype = 'f' AND confrelid = 'connections'::regclass ORDER BY 1
                """
            ).map { try $0.decode(String.self, at: 0) }.filter { !Self.controlTables.contains($0) }
            var deleted = 0
            for table in tables {
                deleted += try connection.execute(
                    "DELETE FROM \(identifier: table) WHERE tenant_id = \(tenantID) AND connection_id = \(connectionID)")
            }
            return deleted
        }
    }
}
