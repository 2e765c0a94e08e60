public import Connectors
public import Foundation
import Postgres
import Vault

/// A page of records encoded for the statement that writes it: one `text[]` parameter per column
/// (``PGTextColumns``), unnested into rows and cast to the table's types, each row with its content hash.
/// It needs no connection: a sync encodes a page while the one before it is being written, so the
/// transaction that writes it only talks to the database.
public struct EncodedPage: Sendable {
    /// The index of the remote ids' bind (`$3`): tenant and connection come first.
    static let remoteIDBind = 2

    let tenantID: UUID
    let connectionID: UUID
    let table: RecordTable
    /// The table, quoted.
    let target: String
    /// Its normalized columns, quoted, in the table's order.
    let normalized: [String]
    /// Every column the page writes but `updated_at`, in the order of ``select``'s output.
    let columns: String
    /// `SELECT … FROM unnest(…)`: one row per record, its columns as ``columns`` names them, then
    /// `updated_at` (`statement_timestamp()`, later than the change order of the table the caller took).
    let select: String
    let binds: [PGBind]
    /// How many records the page holds, and how many once repeated ids count once.
    let count: Int
    let distinctIDs: Int

    /// Encodes `rows` of `table` for a connection of `tenantID`.
    /// - Throws: ``PGError`` when a row has another number of values than the table has columns.
    public init(table: RecordTable, rows: [RecordRow], tenantID: UUID, connectionID: UUID) throws {
        try self.init(table: table, count: rows.count, tenantID: tenantID, connectionID: connectionID) { append in
            for row in rows { try append(row.remoteID, row.values, row.raw) }
        }
    }

    /// Encodes records read from a provider.
    public init(table: RecordTable, records: [SyncedRecord], tenantID: UUID, connectionID: UUID) throws {
        // One array of binds, reused for every record, rather than one built for each.
        var values: [PGBind] = []
        values.reserveCapacity(table.columns.count)
        try self.init(table: table, count: records.count, tenantID: tenantID, connectionID: connectionID) { append in
            for record in records {
                values.removeAll(keepingCapacity: true)
                for value in record.values { values.append(value.pgBind) }
                try append(record.remoteID, values, record.raw)
            }
        }
    }

    /// `appendRows` hands each of the page's `count` rows to the closure it is given: remote id, the
    /// table's values in order, raw JSON.
    private init(
        table: RecordTable, count: Int, tenantID: UUID, connectionID: UUID,
        appendRows: (_ append: (String, [PGBind], String) throws -> Void) throws -> Void
    ) throws {
        self.tenantID = tenantID
        self.connectionID = connectionID
        self.table = table
        self.count = count
        target = PGQuery.quoteIdentifier(table.name)
        normalized = table.columns.map { PGQuery.quoteIdentifier($0.name) }
        let written = ["remote_id"] + normalized + ["raw", "content_hash"]
        columns = (["tenant_id", "connection_id"] + written).joined(separator: ", ")
        let types = ["text"] + table.columns.map { Self.sqlType($0.type) } + ["jsonb", "bytea"]
        let parameters = types.indices.map { "$\($0 + 3)::text[]" }.joined(separator: ", ")
        let aliases = types.indices.map { "c\($0)" }
        let casts = zip(zip(aliases, types), written).map { pair in "p.\(pair.0.0)::\(pair.0.1) AS \(pair.1)" }
        select = """
            SELECT $1::uuid AS tenant_id, $2::uuid AS connection_id, \(casts.joined(separator: ", ")), statement_timestamp() AS updated_at
            FROM unnest(\(parameters)) AS p(\(aliases.joined(separator: ", ")))
            """

        var columns = PGTextColumns(columns: types.count, reservingBytesPerRow: 1_024, rows: count)
        // A provider value or id with U+0000 is stored without it.
        columns.dropsNULBytes = true
        var ids = Set<String>(minimumCapacity: count)
        let hasher = SHA256Hasher()
        var row: [PGBind] = []
        row.reserveCapacity(types.count)
        try appendRows { remoteID, values, raw in
            row.removeAll(keepingCapacity: true)
            row.append(remoteID.pgBind)
            row += values
            row.append(PGJSON(text: raw).pgBind)
            row.append(PGBind(oid: PGTypeOID.bytea, value: .bytes(hasher.hash(raw.utf8))))
            try columns.append(row)
            ids.insert(remoteID.utf8.contains(0) ? remoteID.filter { $0 != "\0" } : remoteID)
        }
        binds = [tenantID.pgBind, connectionID.pgBind] + columns.binds
        distinctIDs = ids.count
    }

    /// The type a column's text is cast to; the table's own type takes it by assignment.
    static func sqlType(_ type: ColumnType) -> String {
        switch type {
        case .text: "text"
        case .integer: "bigint"
        case .decimal: "numeric"
        case .timestamp: "timestamptz"
        case .date: "date"
        case .textArray: "text[]"
        case .json: "jsonb"
        case .boolean: "boolean"
        }
    }
}
