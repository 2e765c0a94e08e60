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

/// Writes synced records into their normalized table (migration 0003's frame). A page travels as one
/// `text[]` per column (``PGTextColumns``) and is read back with `unnest` by the one statement that writes
/// it: a table under row-level security cannot take COPY, and a staging table per page cost more to
/// create, fill and read than the rows themselves. A page none of whose records is stored yet (an
/// account's first sync) is inserted as it is; any other is upserted. Rows are stamped under the tenant's
/// change order of the table (``PGConnection/orderChanges(of:in:)``), so keyset pages over them stay exact.
public enum SyncedRecords {
    /// Writes `rows` of one page of `table` inside the caller's transaction. With `seen`, the page belongs
    /// to a snapshot and its ids are remembered for deletion detection. `likelyNew` (the stream's previous
    /// page was all new, as in an account's first sync) tries a plain insert first; otherwise one is tried
    /// when the connection has no record in the table yet.
    public static func writePage(
        _ connection: PGConnection, tenantID: UUID, connectionID: UUID, table: RecordTable, rows: [RecordRow],
        seen: (runID: UUID, stream: String)?, likelyNew: Bool = false
    ) throws -> PageCounts {
        try writePage(
            connection, EncodedPage(table: table, rows: rows, tenantID: tenantID, connectionID: connectionID), seen: seen, likelyNew: likelyNew)
    }

    /// Writes a page encoded beforehand, as ``writePage(_:tenantID:connectionID:table:rows:seen:likelyNew:)`` does.
    public static func writePage(
        _ connection: PGConnection, _ page: EncodedPage, seen: (runID: UUID, stream: String)?, likelyNew: Bool = false
    )
        throws -> PageCounts
    {
        guard page.count > 0 else { return PageCounts() }
        if page.distinctIDs == page.count,
            try likelyNew || isEmpty(page.table, connection, tenantID: page.tenantID, connectionID: page.connectionID)
        {
            try connection.orderChanges(of: page.tenantID, in: page.table.name)
            if try insertNew(page, connection) {
                var counts = PageCounts()
                counts.inserted = page.count
                counts.allNew = true
                return counts
            }
        }
        return try upsert(page, connection, seen: seen)
    }

    /// True when the connection has no record in `table` at all (one step into any of its indexes).
    private static func isEmpty(_ table: RecordTable, _ connection: PGConnection, tenantID: UUID, connectionID: UUID) throws -> Bool {
        try connection.query(
            PGQuery(
                unsafeSQL: "SELECT NOT EXISTS (SELECT 1 FROM \(PGQuery.quoteIdentifier(table.name)) WHERE tenant_id = $1 AND connection_id = $2)",
                binding: [tenantID, connectionID]))[0].decode(Bool.self, at: 0)
    }

    /// Inserts new rows with a plain insert, inside a savepoint: when one of them is stored after all (an
    /// earlier page listed it too, or an action wrote it meanwhile), the unique key refuses the insert,
    /// nothing of it stays, and the caller upserts instead.
    /// Rows first stored during a run need no entry in `sync_seen`:
    /// ``finishSnapshot(_:tenantID:connectionID:table:runID:stream:)`` never deletes them.
    private static func insertNew(_ page: EncodedPage, _ connection: PGConnection) throws -> Bool {
        try connection.execute("SAVEPOINT new_records")
        do {
            try connection.execute(
                PGQuery(unsafeSQL: "INSERT INTO \(page.target) (\(page.columns), updated_at) \(page.select)", binds: page.binds))
            // Not released: the commit ends it, one round trip later than a release would.
            return true
        } catch let error as PGError where error.sqlState == "23505" {
            try connection.execute("ROLLBACK TO SAVEPOINT new_records")
            return false
        }
    }

    /// Upserts the page: a new record is inserted, a changed one (other content hash) or a deleted one that
    /// came back is updated, and an unchanged one is not written at all.
    private static func upsert(_ page: EncodedPage, _ connection: PGConnection, seen: (runID: UUID, stream: String)?) throws -> PageCounts {
        // Before the tenant's change order is taken: these rows are the run's own, not data readers page through.
        if let seen {
            try connection.execute(
                PGQuery(
                    unsafeSQL: """
                        INSERT INTO sync_seen (tenant_id, run_id, stream, remote_id)
                        SELECT DISTINCT $1::uuid, $2::uuid, $3::text, remote_id FROM unnest($4::text[]) AS p(remote_id)
                        ON CONFLICT DO NOTHING
                        """, binds: [page.tenantID.pgBind, seen.runID.pgBind, seen.stream.pgBind, page.binds[EncodedPage.remoteIDBind]]))
        }
        let assignments = (page.normalized + ["raw", "content_hash"]).map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        try connection.orderChanges(of: page.tenantID, in: page.table.name)
        let counts = try connection.query(
            PGQuery(
                unsafeSQL: """
                    WITH written AS (
                        INSERT INTO \(page.target) AS t (\(page.columns), updated_at)
                        SELECT DISTINCT ON (remote_id) * FROM (\(page.select)) AS page ORDER BY remote_id
                        ON CONFLICT (tenant_id, connection_id, remote_id) DO UPDATE SET \(assignments), updated_at = excluded.updated_at,
                            deleted_at = NULL
                        WHERE t.content_hash <> excluded.content_hash OR t.deleted_at IS NOT NULL
                        RETURNING (xmax = 0) AS inserted)
                    SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written
                    """, binds: page.binds))[0].decode((Int, Int).self)
        var result = PageCounts()
        result.inserted = counts.0
        result.updated = counts.1
        result.unchanged = page.distinctIDs - counts.0 - counts.1
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
        try connection.orderChanges(of: tenantID, in: table)
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
        // Every table's order is taken first, in one order for every transaction: two actions that write
        // the same tables cannot each wait for the other.
        for table in Set(upserts.map(\.table.name) + deletions.map(\.table.name)).sorted() {
            try connection.orderChanges(of: tenantID, in: table)
        }
        for table in Set(upserts.map(\.table.name)).sorted() {
            let records = upserts.filter { $0.table.name == table }
            _ = try writePage(
                connection, tenantID: tenantID, connectionID: connectionID, table: records[0].table, rows: records.map { RecordRow($0.record) },
                seen: nil)
        }
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
