public import Connectors
import Foundation
import Postgres

/// One page of a stream as the sync engine hands it to the database: the records, where the stream stands
/// after them, and what else the page completes. Everything lands in one transaction fenced by the run's
/// lease, so a worker that lost its lease commits nothing and a crash loses or duplicates nothing.
public struct PageCommit: Sendable {
    /// What to do once the page's records are written.
    public enum Completion: Sendable, Hashable {
        /// Nothing beyond the page.
        case none
        /// The last page of a snapshot: records of the table not seen during this run are marked deleted.
        case snapshot
        /// A date window is complete: the stream's watermark advances to `day` (`yyyy-mm-dd`).
        case window(day: String)
    }

    public var records: [SyncedRecord]
    public var table: RecordTable
    /// A snapshot stream remembers the ids it saw, for deletion detection at its end.
    public var isSnapshot: Bool
    public var completion: Completion
    /// The stream's progress after this page (its counts of inserted, updated, unchanged and deleted rows
    /// grow by what the page did).
    public var stream: SyncRunStream
    /// The stream is done in this run: its schedule records the outcome.
    public var finished: Bool
    /// The stream's interval when the connection sets none, for scheduling its next sync.
    public var defaultInterval: Int
    /// The stream's previous page was all new records (``PageCounts/allNew``): try a plain insert first.
    public var likelyNew = false
    /// The records encoded beforehand (while the page before was being written); encoded in the commit
    /// when nil.
    public var encoded: EncodedPage?

    public init(
        records: [SyncedRecord], table: RecordTable, isSnapshot: Bool, completion: Completion, stream: SyncRunStream, finished: Bool,
        defaultInterval: Int
    ) {
        self.records = records
        self.table = table
        self.isSnapshot = isSnapshot
        self.completion = completion
        self.stream = stream
        self.finished = finished
        self.defaultInterval = defaultInterval
    }
}

extension SyncRuns {
    /// Writes a page and the stream's progress in one fenced transaction.
    /// - Returns: the stream with the page's effect counted, and whether its records were all new.
    /// - Throws: ``LeaseLost`` when the run is no longer this worker's; a database error otherwise (nothing
    ///   of the page is stored then).
    public func commitPage(_ run: ClaimedRun, _ page: PageCommit) async throws -> (stream: SyncRunStream, allNew: Bool) {
        let encoded =
            try page.encoded ?? EncodedPage(table: page.table, records: page.records, tenantID: run.tenantID, connectionID: run.connectionID)
        return try await pool.withTenant(run.tenantID, .pageWrite) { connection in
            var stream = page.stream
            try Self.fence(connection, run)
            let counts = try SyncedRecords.writePage(
                connection, encoded, seen: page.isSnapshot ? (run.runID, stream.name) : nil, likelyNew: page.likelyNew)
            stream.inserted += counts.inserted
            stream.updated += counts.updated
            stream.unchanged += counts.unchanged
            switch page.completion {
            case .none:
                break
            case .snapshot:
                stream.deleted += try SyncedRecords.finishSnapshot(
                    connection, tenantID: run.tenantID, connectionID: run.connectionID, table: page.table.name, runID: run.runID,
                    stream: stream.name)
            case .window(let day):
                try StreamSchedules.advanceWatermark(
                    connection, tenantID: run.tenantID, connectionID: run.connectionID, stream: stream.name, day: day)
            }
            try Self.writeStream(connection, run, stream, finished: page.finished)
            if page.finished {
                try StreamSchedules.recordOutcome(
                    connection, tenantID: run.tenantID, connectionID: run.connectionID, stream: stream.name, status: stream.status,
                    error: stream.error,
                    defaultInterval: page.defaultInterval)
            }
            return (stream, counts.allNew)
        }
    }

    /// Records a stream's final status in a fenced transaction: its run history and, unless the stream is
    /// unknown to the connector (`defaultInterval` nil), its schedule. A snapshot's remembered ids are
    /// dropped.
    public func finishStream(_ run: ClaimedRun, _ stream: SyncRunStream, defaultInterval: Int?) async throws {
        try await pool.withTenant(run.tenantID) { connection in
            try Self.fence(connection, run)
            try SyncedRecords.forgetSeen(connection, tenantID: run.tenantID, runID: run.runID, stream: stream.name)
            try Self.writeStream(connection, run, stream, finished: true)
            if let defaultInterval {
                try StreamSchedules.recordOutcome(
                    connection, tenantID: run.tenantID, connectionID: run.connectionID, stream: stream.name, status: stream.status,
                    error: stream.error,
                    defaultInterval: defaultInterval)
            }
        }
    }
}

extension RecordRow {
    /// A synced record's row: its normalized values as database values.
    init(_ record: SyncedRecord) {
        self.init(remoteID: record.remoteID, values: record.values.map(\.pgBind), raw: record.raw)
    }
}

extension RecordValue {
    /// The database value of a normalized column.
    var pgBind: PGBind {
        switch self {
        case .null: PGBind(oid: PGTypeOID.unspecified, value: nil)
        case .text(let value): value.pgBind
        case .integer(let value): value.pgBind
        case .decimal(let value): PGBind(oid: PGTypeOID.numeric, value: .text(value))
        case .timestamp(let value): value.pgBind
        case .date(let value): PGBind(oid: PGTypeOID.date, value: .text(value))
        case .textArray(let value): value.pgBind
        case .json(let value): PGJSON(text: value).pgBind
        case .boolean(let value): value.pgBind
        }
    }
}
