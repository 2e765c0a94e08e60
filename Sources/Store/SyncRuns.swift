public import Foundation
public import Postgres

/// A run as the API shows it.
public struct SyncRun: Sendable, Hashable {
    public let tenantID: UUID
    public let id: UUID
    public let connectionID: UUID
    public let status: RunStatus
    public let trigger: RunTrigger
    public let attempt: Int
    public let lastError: String?
    public let createdAt: Date
    public let startedAt: Date?
    public let finishedAt: Date?
    public var streams: [SyncRunStream]
}

/// One stream of a run: its outcome, counts and resume position.
public struct SyncRunStream: Sendable, Hashable {
    public var name: String
    public var status: StreamStatus
    public var cursor: String?
    public var pages = 0
    public var fetched = 0
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0
    public var deleted = 0
    public var skipped = 0
    public var rateLimited = 0
    public var retries = 0
    public var durationMilliseconds = 0
    public var error: String?

    public init(name: String, status: StreamStatus, cursor: String? = nil) {
        self.name = name
        self.status = status
        self.cursor = cursor
    }

    /// True once the stream will not be worked on again in this run.
    public var isFinished: Bool { status.isFinished }
}

/// A run a worker has claimed: the worker owns it for `attempt` until its lease runs out.
public struct ClaimedRun: Sendable, Hashable {
    public let tenantID: UUID
    public let runID: UUID
    public let connectionID: UUID
    public let attempt: Int
    public let maxAttempts: Int
    public let workerID: String
}

/// Thrown when a worker's claim on a run is gone (its lease expired and the run was reclaimed, or it was
/// released): whatever the worker was about to write is rolled back.
public struct LeaseLost: Error, Sendable, CustomStringConvertible {
    public init() {}
    public var description: String { "the worker no longer holds the run's lease" }
}

/// The run table doubles as the job queue (SECURITY.md §4): runs are claimed with `FOR UPDATE SKIP LOCKED`
/// in a short transaction of their own, held by a lease the worker extends, and every write a worker makes
/// re-checks the lease in the same transaction (fencing), so a worker whose lease expired commits nothing.
public struct SyncRuns: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    // MARK: - Enqueueing

    /// Queues a run someone asked for (the API, `tether sync`): `streams` must be distinct names of the
    /// connection's streams (`nil` means all of them) and the connection must be active and enabled.
    /// - Throws: ``StoreError`` `invalid` for bad stream names, `conflict` for a connection that cannot sync.
    public func request(connection: Connection, streams: [String]?, trigger: RunTrigger) async throws -> (id: UUID, created: Bool) {
        let known = connection.streams.map(\.name)
        let streams = streams ?? known
        guard !streams.isEmpty, Set(streams).count == streams.count else {
            throw StoreError(.invalid, "streams must list distinct stream names of the connection")
        }
        if let unknown = streams.first(where: { !known.contains($0) }) {
            throw StoreError(
                .invalid, "unknown stream \(String(unknown.prefix(64)).debugDescription); the connection has: \(known.joined(separator: ", "))")
        }
        guard connection.status == .active, connection.enabled else {
            throw StoreError(.conflict, "the connection is \(connection.enabled ? connection.status : .disabled)")
        }
        return try await enqueue(tenantID: connection.tenantID, connectionID: connection.id, streams: streams, trigger: trigger)
    }

    /// Queues a run of `streams`; when the connection already has a queued or running run, returns that
    /// one instead (at most one run per connection at a time).
    /// - Returns: the run's id and whether it was created now.
    public func enqueue(
        tenantID: UUID, connectionID: UUID, streams: [String], trigger: RunTrigger, maxAttempts: Int = 5
    ) async throws
        -> (id: UUID, created: Bool)
    {
        try await pool.withTenant(tenantID) { connection in
            try Self.enqueue(connection, tenantID: tenantID, connectionID: connectionID, streams: streams, trigger: trigger, maxAttempts: maxAttempts)
        }
    }

    static func enqueue(
        _ connection: PGConnection, tenantID: UUID, connectionID: UUID, streams: [String], trigger: RunTrigger, maxAttempts: Int
    ) throws -> (id: UUID, created: Bool) {
        if let created = try connection.query(
            """
            INSERT INTO sync_runs (tenant_id, connection_id, streams, trigger, max_attempts)
            VALUES (\(tenantID), \(connectionID), \(streams), \(trigger), \(maxAttempts))
            ON CONFLICT (tenant_id, connection_id) WHERE status IN ('queued', 'running') DO NOTHING
            RETURNING id
            """
        ).first {
            let id = try created.decode(UUID.self, at: 0)
            try connection.execute(
                """
                INSERT INTO sync_run_streams (tenant_id, run_id, name)
                SELECT \(tenantID), \(id), name FROM unnest(\(streams)::text[]) AS name
                """)
            return (id, true)
        }
        let existing = try connection.query(
            """
            SELECT id FROM sync_runs
            WHERE tenant_id = \(tenantID) AND connection_id = \(connectionID) AND status IN ('queued', 'running')
            """)
        guard let row = existing.first else {
            throw StoreError(.conflict, "the connection's active run finished while a new one was being queued; try again")
        }
        return (try row.decode(UUID.self, at: 0), false)
    }

    // MARK: - Claiming and leases

    /// Claims up to `limit` queued runs whose time has come, oldest first, for `workerID`.
    public func claim(workerID: String, lease: Duration, limit: Int) async throws -> [ClaimedRun] {
        try await pool.withTransaction { connection in
            try Self.asQueue(connection)
            return try connection.query(
                """
                UPDATE sync_runs r SET status = 'running', locked_by = \(workerID), attempt = r.attempt + 1,
                    locked_until = now() + make_interval(secs => \(lease.seconds)), started_at = coalesce(r.started_at, now())
                WHERE (r.tenant_id, r.id) IN (
                    SELECT tenant_id, id FROM sync_runs WHERE status = 'queued' AND run_at <= now()
                    ORDER BY run_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                RETURNING r.tenant_id, r.id, r.connection_id, r.attempt, r.max_attempts
                """
            ).map { row in
                let v = try row.decode((UUID, UUID, UUID, Int, Int).self)
                return ClaimedRun(tenantID: v.0, runID: v.1, connectionID: v.2, attempt: v.3, maxAttempts: v.4, workerID: workerID)
            }
        }
    }

    /// Extends the lease. False when the worker no longer holds the run: it must stop at once.
    public func heartbeat(_ run: ClaimedRun, lease: Duration) async throws -> Bool {
        try await pool.withTenant(run.tenantID) { connection in
            try connection.execute(
                """
                UPDATE sync_runs SET locked_until = now() + make_interval(secs => \(lease.seconds))
                WHERE tenant_id = \(run.tenantID) AND id = \(run.runID) AND locked_by = \(run.workerID) AND attempt = \(run.attempt)
                  AND status = 'running' AND locked_until > now()
                """) == 1
        }
    }

    /// The advisory lock class of a run's writes ("TeRu"): page commits hold it shared, a takeover exclusive.
    static let runWritesLockClass: Int32 = 0x5465_5275

    /// The fencing check: throws ``LeaseLost`` unless `run` still holds a live lease. Called first in every
    /// transaction that writes on the run's behalf.
    ///
    /// The streams of a run commit side by side, so their transactions hold the run's writes lock shared (an
    /// advisory lock, not the run's row: the heartbeat updates that row and must not wait behind commits).
    /// Whatever takes a run from its worker holds the lock exclusively first (``reapExpired(backoff:)``), so
    /// it never lands while a commit is in flight, and every commit after it finds the run gone.
    /// `exclusive` (ending the attempt) also waits for the run's commits in flight and locks its row.
    public static func fence(_ connection: PGConnection, _ run: ClaimedRun, exclusive: Bool = false) throws {
        try connection.execute(
            PGQuery(
                unsafeSQL: "SELECT \(exclusive ? "pg_advisory_xact_lock" : "pg_advisory_xact_lock_shared")($1, hashtext($2))",
                binding: [runWritesLockClass, run.runID.uuidString.lowercased()]))
        let held = try connection.query(
            PGQuery(
                unsafeSQL: """
                    SELECT 1 FROM sync_runs
                    WHERE tenant_id = $1 AND id = $2 AND locked_by = $3 AND attempt = $4 AND status = 'running' AND locked_until > now()
                    \(exclusive ? "FOR NO KEY UPDATE" : "")
                    """, binding: [run.tenantID, run.runID, run.workerID, run.attempt]))
        guard !held.isEmpty else { throw LeaseLost() }
    }

    /// Ends the attempt: with `status` the run is over; with `retryAt` it goes back to the queue (the error
    /// kept); `countAttempt: false` gives the attempt back (a release at shutdown, a wait for a quota).
    public func finish(_ run: ClaimedRun, status: RunStatus?, retryAt: Date? = nil, countAttempt: Bool = true, error: String?) async throws {
        try await pool.withTenant(run.tenantID) { connection in
            try Self.fence(connection, run, exclusive: true)
            if let status {
                try connection.execute(
                    """
                    UPDATE sync_runs SET status = \(status), locked_by = NULL, locked_until = NULL, finished_at = now(), last_error = \(error)
                    WHERE tenant_id = \(run.tenantID) AND id = \(run.runID)
                    """)
            } else {
                try connection.execute(
                    """
                    UPDATE sync_runs SET status = 'queued', locked_by = NULL, locked_until = NULL, run_at = \(retryAt ?? Date()),
                        attempt = attempt - \(countAttempt ? 0 : 1), last_error = \(error)
                    WHERE tenant_id = \(run.tenantID) AND id = \(run.runID)
                    """)
                try connection.execute(
                    """
                    UPDATE sync_run_streams SET status = 'pending'
                    WHERE tenant_id = \(run.tenantID) AND run_id = \(run.runID) AND status = 'running'
                    """)
            }
        }
    }

    /// Rescues runs whose lease ran out (their worker died or hung): back to the queue after `backoff(attempt)`,
    /// or failed once their attempts are used up. Returns (requeued, failed).
    @discardableResult
    public func reapExpired(backoff: @escaping @Sendable (Int) -> Duration) async throws -> (requeued: Int, failed: Int) {
        try await pool.withTransaction { connection in
            try Self.asQueue(connection)
            let expired = try connection.query(
                """
                SELECT tenant_id, id, attempt, max_attempts FROM sync_runs
                WHERE status = 'running' AND locked_until < now()
                -- In tenant order: failing a run records an event under its tenant's lock, and two reapers
                -- taking tenants' locks in opposite orders could deadlock.
                ORDER BY tenant_id FOR UPDATE SKIP LOCKED
                """
            ).map { try $0.decode((UUID, UUID, Int, Int).self) }
            var requeued = 0
            var failed = 0
            for (tenantID, id, attempt, maxAttempts) in expired {
                // A commit of the run's worker is still in flight: the next round takes the run.
                let free = try connection.query(
                    PGQuery(
                        unsafeSQL: "SELECT pg_try_advisory_xact_lock($1, hashtext($2))",
                        binding: [Self.runWritesLockClass, id.uuidString.lowercased()]))[0].decode(Bool.self, at: 0)
                guard free else { continue }
                // The run's streams are visible only within its tenant (the queue policy covers sync_runs alone).
                try connection.scope(to: tenantID)
                let error = "the worker's lease expired during attempt \(attempt)"
                if attempt >= maxAttempts {
                    try connection.execute(
                        """
                        UPDATE sync_runs SET status = 'failed', locked_by = NULL, locked_until = NULL, finished_at = now(), last_error = \(error)
                        WHERE tenant_id = \(tenantID) AND id = \(id)
                        """)
                    try connection.execute(
                        """
                        UPDATE sync_run_streams SET status = 'failed', error = coalesce(error, \(error)), finished_at = now()
                        WHERE tenant_id = \(tenantID) AND run_id = \(id) AND status IN ('pending', 'running')
                        """)
                    failed += 1
                } else {
                    try connection.execute(
                        """
                        UPDATE sync_runs SET status = 'queued', locked_by = NULL, locked_until = NULL, last_error = \(error),
                            run_at = now() + make_interval(secs => \(backoff(attempt).seconds))
                        WHERE tenant_id = \(tenantID) AND id = \(id)
                        """)
                    try connection.execute(
                        """
                        UPDATE sync_run_streams SET status = 'pending' WHERE tenant_id = \(tenantID) AND run_id = \(id) AND status = 'running'
                        """)
                    requeued += 1
                }
            }
            return (requeued, failed)
        }
    }

    /// Lets this transaction see every tenant's runs (the queue policy of migration 0003).
    static func asQueue(_ connection: PGConnection) throws {
        try connection.execute("SELECT set_config('app.queue', 'worker', true)")
    }

    // MARK: - Streams of a run

    /// The run's streams in the order they were asked for.
    public func streams(of run: ClaimedRun) async throws -> [SyncRunStream] {
        try await pool.withTenant(run.tenantID) { try Self.fetchStreams($0, tenantID: run.tenantID, runID: run.runID) }
    }

    /// Records a stream's progress or outcome, fenced by the run's lease.
    public func saveStream(_ run: ClaimedRun, _ stream: SyncRunStream, finished: Bool = false) async throws {
        try await pool.withTenant(run.tenantID) { connection in
            try Self.fence(connection, run)
            try Self.writeStream(connection, run, stream, finished: finished)
        }
    }

    /// Writes a stream's progress inside the caller's (fenced) transaction.
    public static func writeStream(_ connection: PGConnection, _ run: ClaimedRun, _ s: SyncRunStream, finished: Bool) throws {
        try connection.execute(
            """
            UPDATE sync_run_streams SET status = \(s.status), cursor = \(s.cursor), pages = \(s.pages), fetched = \(s.fetched),
                inserted = \(s.inserted), updated = \(s.updated), unchanged = \(s.unchanged), deleted = \(s.deleted), skipped = \(s.skipped),
                rate_limited = \(s.rateLimited), retries = \(s.retries), duration_ms = \(s.durationMilliseconds), error = \(s.error),
                started_at = coalesce(started_at, now()), finished_at = \(unescaped: finished ? "now()" : "NULL")
            WHERE tenant_id = \(run.tenantID) AND run_id = \(run.runID) AND name = \(s.name)
            """)
    }

    static func fetchStreams(_ connection: PGConnection, tenantID: UUID, runID: UUID) throws -> [SyncRunStream] {
        try connection.query(
            """
            SELECT s.name, s.status, s.cursor, s.pages, s.fetched, s.inserted, s.updated, s.unchanged, s.deleted, s.skipped, s.rate_limited,
                s.retries, s.duration_ms, s.error
            FROM sync_run_streams s JOIN sync_runs r ON r.tenant_id = s.tenant_id AND r.id = s.run_id
            WHERE s.tenant_id = \(tenantID) AND s.run_id = \(runID)
            ORDER BY array_position(r.streams, s.name)
            """
        ).map { row in
            var stream = SyncRunStream(
                name: try row.decode(column: "name"), status: try row.decode(column: "status"), cursor: try row.decode(column: "cursor"))
            stream.pages = try row.decode(column: "pages")
            stream.fetched = try row.decode(column: "fetched")
            stream.inserted = try row.decode(column: "inserted")
            stream.updated = try row.decode(column: "updated")
            stream.unchanged = try row.decode(column: "unchanged")
            stream.deleted = try row.decode(column: "deleted")
            stream.skipped = try row.decode(column: "skipped")
            stream.rateLimited = try row.decode(column: "rate_limited")
            stream.retries = try row.decode(column: "retries")
            stream.durationMilliseconds = try row.decode(column: "duration_ms")
            stream.error = try row.decode(column: "error")
            return stream
        }
    }

    // MARK: - Reading runs

    public func find(tenantID: UUID, id: UUID) async throws -> SyncRun? {
        try await pool.withTenant(tenantID) { try Self.fetchRuns($0, tenantID: tenantID, column: "id", equals: id, limit: 1).first }
    }

    /// The newest runs of a tenant, over all its connections, newest first.
    public func recent(tenantID: UUID, limit: Int) async throws -> [SyncRun] {
        try await pool.withTenant(tenantID) { try Self.fetchRuns($0, tenantID: tenantID, column: "tenant_id", equals: tenantID, limit: limit) }
    }

    /// The newest runs of a connection, newest first.
    public func list(tenantID: UUID, connectionID: UUID, limit: Int) async throws -> [SyncRun] {
        try await pool.withTenant(tenantID) {
            try Self.fetchRuns($0, tenantID: tenantID, column: "connection_id", equals: connectionID, limit: limit)
        }
    }

    private static func fetchRuns(
        _ connection: PGConnection, tenantID: UUID, column: StaticString, equals value: UUID, limit: Int
    ) throws -> [SyncRun] {
        var query: PGQuery = """
            SELECT tenant_id, id, connection_id, status, trigger, attempt, last_error, created_at, started_at, finished_at
            FROM sync_runs WHERE tenant_id = \(tenantID) AND
            """
        query.appendSQL(" \(column) = ")
        query.appendBind(value)
        query.appendSQL(" ORDER BY created_at DESC, id LIMIT ")
        query.appendBind(limit)
        let runs = try connection.query(query).map { row in
            SyncRun(
                tenantID: try row.decode(column: "tenant_id"), id: try row.decode(column: "id"),
                connectionID: try row.decode(column: "connection_id"),
                status: try row.decode(column: "status"), trigger: try row.decode(column: "trigger"), attempt: try row.decode(column: "attempt"),
                lastError: try row.decode(column: "last_error"), createdAt: try row.decode(column: "created_at"),
                startedAt: try row.decode(column: "started_at"), finishedAt: try row.decode(column: "finished_at"), streams: [])
        }
        return try runs.map { run in
            var run = run
            run.streams = try fetchStreams(connection, tenantID: tenantID, runID: run.id)
            return run
        }
    }
}

extension Duration {
    /// Whole and fractional seconds, for SQL intervals.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
