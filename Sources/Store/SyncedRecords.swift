public import Connectors
public import Foundation
public import Postgres
import Vault

/// One record to store: the provider's id, the normalized column values (in the table's column order) and
/// the raw JSON text.
public struct RecordRow: Sendable {
    public let remoteID: String
    public let values: [PGBind]
    public let raw: String

    public init(remoteID: String, values: [PGBind], raw: String) {
        self.remoteID = remoteID
        self.values = values
        self.raw = raw
    }
}

/// What a page did to its table.
public struct PageCounts: Sendable, Hashable {
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0
    /// Every record was new and went in by a plain insert: the stream's next page likely is new too.
    public var allNew = false
    public init() {}
}

/// Writes synced records into their normalized table (migration 0003's frame). A page goes through COPY
/// into a staging table that lives for the transaction (safe behind PgBouncer in transaction mode; COPY
/// cannot write a table under row-level security). A page none of whose records is stored yet (an
/// account's first sync) is then inserted as it is; any other is upserted. Rows are stamped under the tenant's change order
/// (``PGConnection/orderChanges(of:)``), so keyset pages over them stay exact.
public enum SyncedRecords {
    /// Writes `rows` of one page inside the caller's transaction. With `seen`, the page belongs to a
    /// snapshot and its ids are remembered for deletion detection. `likelyNew` (the stream's previous page
    /// was all new, as in an account's first sync) tries a plain insert first; otherwise one is tried when
    /// the connection has no record in the table yet.
    public static func writePage(
        _ connection: PGConnection, tenantID: UUID, connectionID: UUID, table: String, columns: [String], rows: [RecordRow],
        seen: (runID: UUID, stream: String)?, likelyNew: Bool = false
    ) throws -> PageCounts {
        guard !rows.isEmpty else { return PageCounts() }
        let target = PGQuery.quoteIdentifier(table)
        let normalized = columns.map(PGQuery.quoteIdentifier)
        let copied = (["tenant_id", "connection_id", "remote_id"] + normalized + ["raw", "content_hash"]).joined(separator: ", ")
        let stage = PGQuery.quoteIdentifier("stage_" + table)
        try connection.execute(PGQuery(unsafeSQL: "CREATE TEMP TABLE \(stage) ON COMMIT DROP AS SELECT \(copied) FROM \(target) WITH NO DATA"))
        try connection.copyFrom(
            PGQuery(unsafeSQL: "COPY \(stage) (\(copied)) FROM STDIN"), rows: try encode(rows, tenantID: tenantID, connectionID: connectionID))
        let ids = rows.map(\.remoteID)
        if Set(ids).count == ids.count, !ids.contains(where: { $0.utf8.contains(0) }),
            try likelyNew || isEmpty(target, connection, tenantID: tenantID, connectionID: connectionID)
        {
            try connection.orderChanges(of: tenantID)
            if try insertNew(from: stage, into: target, columns: copied, connection) {
                var counts = PageCounts()
                counts.inserted = rows.count
                counts.allNew = true
                return counts
            }
        }
        return try upsert(from: stage, into: target, columns: copied, normalized: normalized, connection, tenantID: tenantID, seen: seen)
    }

    /// The page's rows in COPY's format, each with its content hash.
    private static func encode(_ rows: [RecordRow], tenantID: UUID, connectionID: UUID) throws -> PGCopyRows {
        var encoded = PGCopyRows(reservingCapacity: rows.count * 1_024)
        // A provider value or id with U+0000 is stored without it.
        encoded.dropsNULBytes = true
        let tenant = tenantID.pgBind
        let connectionBind = connectionID.pgBind
        var binds: [PGBind] = []
        binds.reserveCapacity((rows.first?.values.count ?? 0) + 5)
        for row in rows {
            binds.removeAll(keepingCapacity: true)
            binds += [tenant, connectionBind, row.remoteID.pgBind]
            binds += row.values
            binds += [PGJSON(text: row.raw).pgBind, Data(SHA256Digest.hash(row.raw.utf8)).pgBind]
            try encoded.append(binds)
        }
        return encoded
    }

    /// True when the connection has no record in `target` at all (one step into any of its indexes).
    private static func isEmpty(_ target: String, _ connection: PGConnection, tenantID: UUID, connectionID: UUID) throws -> Bool {
        try connection.query(
            PGQuery(
                unsafeSQL: "SELECT NOT EXISTS (SELECT 1 FROM \(target) WHERE tenant_id = $1 AND connection_id = $2)",
                binding: [tenantID, connectionID]))[0].decode(Bool.self, at: 0)
    }

    /// Inserts new rows with a plain insert, inside a savepoint: when one of them is stored after all (an
    /// earlier page listed it too, or an action wrote it meanwhile), the unique key refuses the insert,
    /// nothing of it stays, and the caller upserts instead.
    /// Rows first stored during a run need no entry in `sync_seen`:
    /// ``finishSnapshot(_:tenantID:connectionID:table:runID:stream:)`` never deletes them.
    private static func insertNew(from stage: String, into target: String, columns: String, _ connection: PGConnection) throws -> Bool {
        try connection.execute("SAVEPOINT new_records")
        do {
            try connection.execute(
                PGQuery(
                    unsafeSQL: "INSERT INTO \(target) (\(columns), updated_at) SELECT \(columns), statement_timestamp() FROM \(stage)"))
            try connection.execute("RELEASE SAVEPOINT new_records")
            return true
        } catch let error as PGError where error.sqlState == "23505" {
            try connection.execute("ROLLBACK TO SAVEPOINT new_records")
            return false
        }
    }

    /// Upserts the staged page: a new record is inserted, a changed one (other content hash) or a deleted one
    /// that came back is updated, and an unchanged one is not written at all.
    private static func upsert(
        from stage: String, into target: String, columns copied: String, normalized: [String], _ connection: PGConnection, tenantID: UUID,
        seen: (runID: UUID, stream: String)?
    ) throws -> PageCounts {
        // Before the tenant's change order is taken: these rows are the run's own, not data readers page through.
        if let seen {
            try connection.execute(
                PGQuery(
                    unsafeSQL: """
                        INSERT INTO sync_seen (tenant_id, run_id, stream, remote_id)
                        SELECT DISTINCT tenant_id, $1::uuid, $2::text, remote_id FROM \(stage)
                        ON CONFLICT DO NOTHING
                        """, binding: [seen.runID, seen.stream]))
        }
        let assignments = (normalized + ["raw", "content_hash"]).map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        try connection.orderChanges(of: tenantID)
        let counts = try connection.query(
            PGQuery(
                unsafeSQL: """
                    WITH written AS (
                        INSERT INTO \(target) AS t (\(copied), updated_at)
                        SELECT DISTINCT ON (remote_id) \(copied), statement_timestamp() FROM \(stage) ORDER BY remote_id
                        ON CONFLICT (tenant_id, connection_id, remote_id) DO UPDATE SET \(assignments), updated_at = excluded.updated_at,
                            deleted_at = NULL
                        WHERE t.content_hash <> excluded.content_hash OR t.deleted_at IS NOT NULL
                        RETURNING (xmax = 0) AS inserted)
                    SELECT (SELECT count(DISTINCT remote_id) FROM \(stage)), count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
                    FROM written
                    """))[0].decode((Int, Int, Int).self)
        var result = PageCounts()
        result.inserted = counts.1
        result.updated = counts.2
        result.unchanged = counts.0 - counts.1 - counts.2
        return result
    }

    /// After a complete snapshot: soft-deletes every live record of the connection the run did not see,
    /// then forgets the seen ids. Returns how many records were marked deleted. A record first stored
    /// after the run started was seen by it (or written by an action meanwhile): it stays.
    public static func finishSnapshot(
        _ connection: PGConnection, tenantID: UUID, connectionID: UUID, table: String, runID: UUID, stream: String
    ) throws -> Int {
        let target = PGQuery.quoteIdentifier(table)
        // Both tables' statistics are usually stale here (sync_seen was last analyzed empty, a new account's
        // table too), and the planner then chose a nested loop over every pair of rows: 16 s for 10,000 users.
        // A hash anti-join costs one pass over each side whatever the statistics say.
        try connection.execute("SET LOCAL enable_nestloop = off")
        try connection.orderChanges(of: tenantID)
        let deleted = try connection.execute(
            PGQuery(
                unsafeSQL: """
                    UPDATE \(target) t SET deleted_at = now(), updated_at = statement_timestamp()
                    WHERE t.tenant_id = $1 AND t.connection_id = $2 AND t.deleted_at IS NULL
                      AND t.first_seen_at < (SELECT started_at FROM sync_runs WHERE tenant_id = $1 AND id = $3)
                      AND NOT EXISTS (
                        SELECT 1 FROM sync_seen s
                        WHERE s.tenant_id = t.tenant_id AND s.run_id = $3 AND s.stream = $4 AND s.remote_id = t.remote_id)
                    """, binding: [tenantID, connectionID, runID, stream]))
        try connection.execute("SET LOCAL enable_nestloop = on")
        try forgetSeen(connection, tenantID: tenantID, runID: runID, stream: stream)
        return deleted
    }

    /// Drops the ids a snapshot collected, when it is started over or abandoned.
    public static func forgetSeen(_ connection: PGConnection, tenantID: UUID, runID: UUID, stream: String) throws {
        try connection.execute("DELETE FROM sync_seen WHERE tenant_id = \(tenantID) AND run_id = \(runID) AND stream = \(stream)")
    }
}

extension SyncedRecords {
    /// An action's effect on the synced tables, inside the transaction that finishes it: `upserts` are the
    /// records re-read from the provider, stored exactly as a sync stores them (so the next sync finds
    /// nothing to change); `deletions` are marked deleted at once.
    public static func writeThrough(
        _ connection: PGConnection, tenantID: UUID, connectionID: UUID, upserts: [(table: RecordTable, record: SyncedRecord)],
        deletions: [RecordDeletion]
    ) throws {
        for table in Set(upserts.map(\.table.name)).sorted() {
            let records = upserts.filter { $0.table.name == table }
            _ = try writePage(
                connection, tenantID: tenantID, connectionID: connectionID, table: table, columns: records[0].table.columns.map(\.name),
                rows: records.map { RecordRow($0.record) }, seen: nil)
        }
        guard !deletions.isEmpty else { return }
        try connection.orderChanges(of: tenantID)
        for deletion in deletions {
            guard deletion.column == "remote_id" || deletion.table.columns.contains(where: { $0.name == deletion.column }) else {
                throw StoreError(.invalid, "\(deletion.table.name) has no column \(deletion.column)")
            }
            try connection.execute(
                PGQuery(
                    unsafeSQL: """
                        UPDATE \(PGQuery.quoteIdentifier(deletion.table.name)) SET deleted_at = statement_timestamp(), updated_at = statement_timestamp()
                        WHERE tenant_id = $1 AND connection_id = $2 AND \(PGQuery.quoteIdentifier(deletion.column)) = $3 AND deleted_at IS NULL
                        """, binding: [tenantID, connectionID, deletion.value]))
        }
    }

    /// The provider's id of the synced record `id` of `table` for a connection, or nil when there is none.
    public static func remoteID(_ connection: PGConnection, tenantID: UUID, connectionID: UUID, table: RecordTable, id: UUID) throws -> String? {
        try connection.query(
            PGQuery(
                unsafeSQL: "SELECT remote_id FROM \(PGQuery.quoteIdentifier(table.name)) WHERE tenant_id = $1 AND connection_id = $2 AND id = $3",
                binding: [tenantID, connectionID, id])
        ).first?.decode(String.self, at: 0)
    }
}
