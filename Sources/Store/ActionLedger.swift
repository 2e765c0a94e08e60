public import Connectors
public import Foundation
public import Postgres
import Vault

/// Where an action stands (DESIGN §6.1 "Action JSON").
public enum ActionStatus: String, StoredVocabulary {
    case queued
    case running
    case succeeded
    /// The provider refused it, or it could not be carried out.
    case failed
    /// Refused before anything was sent (a protected target, a missing scope).
    case rejected
    /// A dry run's answer: checked and planned, nothing sent.
    case planned

    public var isTerminal: Bool { self != .queued && self != .running }
}

/// One action of the ledger, as the API shows it.
public struct ActionRecord: Sendable, Hashable {
    public let tenantID: UUID
    public let id: UUID
    public let connectionID: UUID
    public let action: String
    /// The input as given, as JSON text.
    public let input: String
    public let dryRun: Bool
    public let idempotencyKey: String?
    public let status: ActionStatus
    public let attempts: Int
    public let errorCode: String?
    public let errorMessage: String?
    /// JSON text.
    public let result: String?
    /// The planned requests and targets, JSON text.
    public let plan: String?
    public let requestedBy: String
    public let createdAt: Date
    public let startedAt: Date?
    public let finishedAt: Date?
}

/// An action a worker has claimed, for its attempt.
public struct ClaimedAction: Sendable, Hashable {
    public let tenantID: UUID
    public let id: UUID
    public let connectionID: UUID
    public let action: String
    public let input: String
    public let dryRun: Bool
    public let attempt: Int
    public let maxAttempts: Int
    /// Set when an earlier attempt may have sent the request that changes the account.
    public let sentAt: Date?
    /// The plan (JSON text, secrets redacted) of the first attempt that may have sent it: its targets are
    /// the account as it was before, which a taker-over compares with the account now.
    public let sentPlan: String?
    /// The sealed secret inputs, and the key that sealed them.
    public let sealedSecrets: Data?
    public let workerID: String
}

/// A refusal or failure as the ledger keeps it.
public struct ActionError: Sendable, Hashable {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// The action ledger and queue (migration 0015). Every action asked for is a row before anything is sent;
/// a key given twice with the same request returns the first action, with another request is refused.
public struct ActionLedger: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    static let columns =
        "tenant_id, id, connection_id, action, input::text, dry_run, idempotency_key, status, attempts, error_code, error_message, result::text, plan::text, requested_by, created_at, started_at, finished_at"

    /// Asks `connection` for `action` with `input`, as the API and the CLI do: the input is checked against
    /// the action's fields (nothing is recorded when it fails), and an action the connection's grant does
    /// not cover is recorded `rejected` with `missing_scope`, to be sent never.
    /// - Throws: ``ActionInputError``; ``StoreError`` `conflict` for an idempotency key used with another request.
    /// Secret inputs are sealed by `seal` (the action's id and the secrets as a JSON object in, the sealed
    /// value and its key id out) and never stored in the clear; the request's hash leaves them out too.
    public func ask(
        _ action: ActionDescription, input: JSONValue, of connection: Connection, dryRun: Bool, idempotencyKey: String?, requestedBy: String,
        seal: (_ actionID: UUID, _ secrets: String) throws -> (sealed: Data, keyID: String)
    ) async throws -> (action: ActionRecord, created: Bool) {
        let (shown, secrets) = try action.validate(input).separating(action.secretFields)
        let request = JSONValue.object(["action": .string(action.name), "input": .object(shown.values), "dry_run": .bool(dryRun)])
        let missing = action.missingScopes(granted: Set(connection.grantedScopes))
        let id = UUID()
        let sealed =
            secrets.isEmpty || !missing.isEmpty ? nil : try seal(id, JSONValue.object(JSONObject(secrets.mapValues(JSONValue.string))).canonicalText)
        return try await create(
            id: id, tenantID: connection.tenantID, connectionID: connection.id, action: action.name,
            input: JSONValue.object(shown.values).canonicalText,
            sealed: sealed, dryRun: dryRun, idempotencyKey: idempotencyKey, requestHash: Data(SHA256Digest.hash(Array(request.canonicalText.utf8))),
            requestedBy: requestedBy,
            rejection: missing.isEmpty ? nil : ActionError(code: "missing_scope", message: "the connection lacks: \(missing.joined(separator: ", "))")
        )
    }

    /// Records an action: queued, or at once `rejected` with `rejection` (nothing will be sent).
    /// - Returns: the action and whether it was created now (false: the idempotency key's first action).
    /// - Throws: ``StoreError`` `conflict` when the key was used for a different request.
    public func create(
        id: UUID = UUID(), tenantID: UUID, connectionID: UUID, action: String, input: String, sealed: (sealed: Data, keyID: String)? = nil,
        dryRun: Bool, idempotencyKey: String?, requestHash: Data, requestedBy: String, rejection: ActionError? = nil
    ) async throws -> (action: ActionRecord, created: Bool) {
        try await pool.withTenant(tenantID) { connection in
            if let idempotencyKey, let first = try Self.fetch(connection, tenantID: tenantID, connectionID: connectionID, key: idempotencyKey) {
                guard first.hash == requestHash else {
                    throw StoreError(.conflict, "the idempotency key was already used for a different request")
                }
                return (first.action, false)
            }
            let status: ActionStatus = rejection == nil ? .queued : .rejected
            let id = try connection.query(
                """
                INSERT INTO actions (tenant_id, id, connection_id, action, input, sealed_input, key_id, dry_run, idempotency_key, request_hash,
                    status, error_code, error_message, requested_by, finished_at)
                VALUES (\(tenantID), \(id), \(connectionID), \(action), \(PGJSON(text: input)), \(sealed?.sealed), \(sealed?.keyID), \(dryRun),
                    \(idempotencyKey), \(requestHash), \(status), \(rejection?.code), \(rejection?.message), \(requestedBy),
                    CASE WHEN \(status) = 'rejected' THEN now() END)
                ON CONFLICT DO NOTHING RETURNING id
                """
            ).first?.decode(UUID.self, at: 0)
            if let id { return (try Self.fetch(connection, tenantID: tenantID, id: id)!, true) }
            // Another request with the same key committed first.
            guard let idempotencyKey, let first = try Self.fetch(connection, tenantID: tenantID, connectionID: connectionID, key: idempotencyKey),
                first.hash == requestHash
            else { throw StoreError(.conflict, "the idempotency key was already used for a different request") }
            return (first.action, false)
        }
    }

    public func find(tenantID: UUID, id: UUID) async throws -> ActionRecord? {
        try await pool.withTenant(tenantID) { try Self.fetch($0, tenantID: tenantID, id: id) }
    }

    /// A connection's actions, newest first, after the keyset position `before` (the previous page's last).
    public func list(tenantID: UUID, connectionID: UUID, limit: Int, before: (createdAt: Date, id: UUID)?) async throws -> [ActionRecord] {
        try await pool.withTenant(tenantID, .apiRead) { connection in
            try connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM actions
                WHERE tenant_id = \(tenantID) AND connection_id = \(connectionID)
                  AND (\(before?.createdAt)::timestamptz IS NULL OR (created_at, id) < (\(before?.createdAt), \(before?.id)))
                ORDER BY created_at DESC, id DESC LIMIT \(limit)
                """
            ).map(Self.record)
        }
    }

    // MARK: - Workers

    /// Claims up to `limit` actions: queued ones whose time has come, and running ones whose worker's lease
    /// ran out (their taker-over looks at `sentAt` before sending anything).
    public func claim(workerID: String, lease: Duration, limit: Int) async throws -> [ClaimedAction] {
        try await pool.withTransaction { connection in
            try SyncRuns.asQueue(connection)
            return try connection.query(
                """
                UPDATE actions a SET status = 'running', locked_by = \(workerID), attempts = a.attempts + 1,
                    locked_until = now() + make_interval(secs => \(lease.seconds)), started_at = coalesce(a.started_at, now())
                WHERE (a.tenant_id, a.id) IN (
                    SELECT tenant_id, id FROM actions
                    WHERE (status = 'queued' AND run_at <= now()) OR (status = 'running' AND locked_until < now())
                    ORDER BY run_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                RETURNING a.tenant_id, a.id, a.connection_id, a.action, a.input::text, a.dry_run, a.attempts, a.max_attempts, a.sent_at,
                    a.sealed_input, a.plan::text
                """
            ).map { row in
                let v = try row.decode((UUID, UUID, UUID, String, String, Bool, Int, Int, Date?, Data?, String?).self)
                return ClaimedAction(
                    tenantID: v.0, id: v.1, connectionID: v.2, action: v.3, input: v.4, dryRun: v.5, attempt: v.6, maxAttempts: v.7, sentAt: v.8,
                    sentPlan: v.8 == nil ? nil : v.10, sealedSecrets: v.9, workerID: workerID)
            }
        }
    }

    /// Notes, before the request that changes the account goes out, that it may have: committed first, so a
    /// worker that dies while sending leaves the mark behind. Also renews the lease.
    /// - Throws: ``LeaseLost`` when the worker no longer holds the action.
    /// The first such attempt's `plan` stays: a later one plans against an account it may have changed.
    public func markSending(_ action: ClaimedAction, plan: String, lease: Duration) async throws {
        try await pool.withTenant(action.tenantID) { connection in
            let held = try connection.execute(
                """
                UPDATE actions SET sent_at = now(), locked_until = now() + make_interval(secs => \(lease.seconds)),
                    plan = coalesce(plan, \(PGJSON(text: plan)))
                WHERE tenant_id = \(action.tenantID) AND id = \(action.id) AND locked_by = \(action.workerID) AND attempts = \(action.attempt)
                  AND status = 'running' AND locked_until > now()
                """)
            guard held == 1 else { throw LeaseLost() }
        }
    }

    /// Ends the action with `status`, in one transaction with `writeThrough` (the synced rows it changed)
    /// and its `action.finished` event.
    /// - Throws: ``LeaseLost`` when the worker no longer holds the action: nothing is written.
    public func finish(
        _ action: ClaimedAction, status: ActionStatus, plan: String?, result: String?, error: ActionError?,
        writeThrough: @escaping @Sendable (PGConnection) throws -> Void = { _ in }
    ) async throws {
        try await pool.withTenant(action.tenantID) { connection in
            try Self.fence(connection, action)
            try writeThrough(connection)
            try connection.execute(
                """
                UPDATE actions SET status = \(status), locked_by = NULL, locked_until = NULL, finished_at = now(), sealed_input = NULL, key_id = NULL,
                    plan = \(plan.map(PGJSON.init(text:))), result = \(result.map(PGJSON.init(text:))), error_code = \(error?.code),
                    error_message = \(error?.message)
                WHERE tenant_id = \(action.tenantID) AND id = \(action.id)
                """)
        }
    }

    /// Puts the action back in the queue until `at` (a 429 or 5xx outlasted the call's retries).
    public func retry(_ action: ClaimedAction, at: Date, error: ActionError) async throws {
        try await pool.withTenant(action.tenantID) { connection in
            try Self.fence(connection, action)
            try connection.execute(
                """
                UPDATE actions SET status = 'queued', locked_by = NULL, locked_until = NULL, run_at = \(at), error_code = \(error.code),
                    error_message = \(error.message)
                WHERE tenant_id = \(action.tenantID) AND id = \(action.id)
                """)
        }
    }

    static func fence(_ connection: PGConnection, _ action: ClaimedAction) throws {
        let held = try connection.query(
            """
            SELECT 1 FROM actions
            WHERE tenant_id = \(action.tenantID) AND id = \(action.id) AND locked_by = \(action.workerID) AND attempts = \(action.attempt)
              AND status = 'running' AND locked_until > now()
            FOR NO KEY UPDATE
            """)
        guard !held.isEmpty else { throw LeaseLost() }
    }

    // MARK: - Reading rows

    static func fetch(_ connection: PGConnection, tenantID: UUID, id: UUID) throws -> ActionRecord? {
        try connection.query("SELECT \(unescaped: columns) FROM actions WHERE tenant_id = \(tenantID) AND id = \(id)").first.map(record)
    }

    static func fetch(_ connection: PGConnection, tenantID: UUID, connectionID: UUID, key: String) throws -> (action: ActionRecord, hash: Data)? {
        try connection.query(
            """
            SELECT \(unescaped: columns), request_hash FROM actions
            WHERE tenant_id = \(tenantID) AND connection_id = \(connectionID) AND idempotency_key = \(key)
            """
        ).first.map { (try record($0), try $0.decode(column: "request_hash")) }
    }

    static func record(_ row: PGRow) throws -> ActionRecord {
        ActionRecord(
            tenantID: try row.decode(column: "tenant_id"), id: try row.decode(column: "id"), connectionID: try row.decode(column: "connection_id"),
            action: try row.decode(column: "action"), input: try row.decode(column: "input"), dryRun: try row.decode(column: "dry_run"),
            idempotencyKey: try row.decode(column: "idempotency_key"), status: try row.decode(column: "status"),
            attempts: try row.decode(column: "attempts"), errorCode: try row.decode(column: "error_code"),
            errorMessage: try row.decode(column: "error_message"), result: try row.decode(column: "result"), plan: try row.decode(column: "plan"),
            requestedBy: try row.decode(column: "requested_by"), createdAt: try row.decode(column: "created_at"),
            startedAt: try row.decode(column: "started_at"), finishedAt: try row.decode(column: "finished_at"))
    }
}
