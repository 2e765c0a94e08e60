public import Foundation
public import Postgres

/// Where a list stopped: the `(updated_at, id)` of its last row, exact to the microsecond. Opaque to API
/// callers (`v1.` + microseconds + `.` + id); a cursor that does not parse is refused, never guessed at.
public struct RecordCursor: Sendable, Hashable {
    public let updatedAtMicroseconds: Int64
    public let id: UUID

    public init(updatedAtMicroseconds: Int64, id: UUID) {
        self.updatedAtMicroseconds = updatedAtMicroseconds
        self.id = id
    }

    /// A cursor as the API wrote it, or `nil`; its time must lie between 1970 and 9999 (the rows' stamps
    /// do), so no cursor can ask PostgreSQL for a time it cannot represent.
    public init?(text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let micros = Int64(parts[1]), (0...Self.latestMicroseconds).contains(micros),
            let id = UUID(uuidString: String(parts[2]))
        else { return nil }
        self.init(updatedAtMicroseconds: micros, id: id)
    }

    /// 9999-12-31T23:59:59.999999Z.
    static let latestMicroseconds: Int64 = 253_402_300_799_999_999

    public var text: String { "v1.\(updatedAtMicroseconds).\(id.uuidString.lowercased())" }
}

/// A condition on one normalized column, beyond the filters every list has.
public enum RecordFilter: Sendable, Hashable {
    case equals(column: String, value: String)
    case equalsIgnoringCase(column: String, value: String)
    /// A text-array column holds `value`.
    case contains(column: String, value: String)
    /// A timestamp column is set and earlier than `date`.
    case before(column: String, date: Date)
    /// A timestamp column is at or after `date`.
    case notBefore(column: String, date: Date)
    /// A text column holds the email of the synced user with Zoom's id `userRemoteID`, in any case (a
    /// meeting's host, which the dashboard names by email).
    case emailOfUser(column: String, userRemoteID: String)
}

/// A column of a synced table, and how it reads as JSON.
public struct ListedColumn: Sendable, Hashable {
    public enum Form: Sendable, Hashable {
        /// Text, integers, booleans and JSON: as they are.
        case plain
        /// Exact decimals, as strings.
        case decimal
        /// UTC ISO 8601 to the second.
        case timestamp
        /// `yyyy-mm-dd`.
        case date
        /// A JSON array of strings.
        case textArray
    }

    public let name: String
    public let form: Form

    public init(_ name: String, _ form: Form) {
        self.name = name
        self.form = form
    }
}

/// A field a list adds from another synced table: `column` of the row of `table` that shares the listed
/// row's connection and remote id (a user's presence status from `user_presence`), null when there is none.
public struct RelatedColumn: Sendable, Hashable {
    public let name: String
    public let table: String
    public let column: String

    public init(_ name: String, from table: String, column: String) {
        self.name = name
        self.table = table
        self.column = column
    }
}

/// One page of a synced table as the data API asks for it.
public struct RecordListQuery: Sendable {
    /// The table and its columns beyond the frame, as the connectors declare them (never input).
    public var table: String
    public var columns: [ListedColumn]
    public var limit = 100
    public var after: RecordCursor?
    public var updatedSince: Date?
    public var includeDeleted = false
    public var connectionID: UUID?
    public var includeRaw = false
    public var filters: [RecordFilter] = []
    public var related: [RelatedColumn] = []

    public init(table: String, columns: [ListedColumn]) {
        self.table = table
        self.columns = columns
    }
}

/// Reads synced records page by page in `(updated_at, id)` order, each row rendered as JSON by PostgreSQL
/// (no per-column decoding in Swift): `id`, `connection_id`, `remote_id`, the table's columns, `deleted`,
/// `deleted_at`, `updated_at`, and `raw` on request. Decimals come as strings (money stays exact),
/// timestamps as UTC ISO 8601, days as `yyyy-mm-dd`.
public struct SyncedData: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// The page after `query.after`, and the cursor of the next one when more rows follow.
    public func list(tenantID: UUID, _ query: RecordListQuery) async throws -> (rows: [String], next: RecordCursor?) {
        let sql = try Self.listSQL(tenantID: tenantID, query)
        let rows = try await pool.withTenant(tenantID, .apiRead) { connection in
            try connection.awaitOrderedChanges(of: tenantID, in: query.table)
            return try connection.query(sql).map { try $0.decode((String, Int64, UUID).self) }
        }
        return Self.page(rows, limit: query.limit)
    }

    /// The records of `query.table` that belong to one row of `parentTable` (Tether's id `parent`): those
    /// of its connection whose `parentColumn` holds its remote id. Pages like ``list(tenantID:_:)``.
    /// - Returns: `nil` when the tenant has no such parent.
    public func children(
        tenantID: UUID, parentTable: String, parent: UUID, parentColumn: String, _ query: RecordListQuery
    ) async throws -> (rows: [String], next: RecordCursor?)? {
        // The table name is a route's constant, never input.
        let parentQuery = PGQuery(
            unsafeSQL: "SELECT connection_id, remote_id FROM \(PGQuery.quoteIdentifier(parentTable)) WHERE tenant_id = $1 AND id = $2",
            binding: [tenantID, parent])
        let rows = try await pool.withTenant(tenantID, .apiRead) { connection -> [(String, Int64, UUID)]? in
            guard let key = try connection.query(parentQuery).first else { return nil }
            let (connectionID, remoteID) = try key.decode((UUID, String).self)
            var children = query
            children.connectionID = connectionID
            children.filters.append(.equals(column: parentColumn, value: remoteID))
            try connection.awaitOrderedChanges(of: tenantID, in: children.table)
            return try connection.query(try Self.listSQL(tenantID: tenantID, children)).map { try $0.decode((String, Int64, UUID).self) }
        }
        return rows.map { Self.page($0, limit: query.limit) }
    }

    /// Who belongs to a group or role: `parent` is Tether's id of a row of `parentTable`, whose members
    /// are the rows of `memberTable` with its `remote_id` in `parentColumn`. Each member is
    /// `{user_id, remote_user_id, email, first_name, last_name, deleted}` (`user_id` is Tether's id of the
    /// synced user, null until the user is synced). Pages like ``list(tenantID:_:)``.
    /// - Returns: `nil` when the tenant has no such parent.
    public func members(
        tenantID: UUID, parentTable: String, parentColumn: String, memberTable: String, parent: UUID, limit: Int, after: RecordCursor?,
        includeDeleted: Bool
    ) async throws -> (rows: [String], next: RecordCursor?)? {
        // Table and column names are the routes' constants, never input.
        var sql = PGQuery(
            unsafeSQL: """
                SELECT json_build_object('user_id', u.id, 'remote_user_id', m.user_remote_id, 'email', m.email,
                        'first_name', m.first_name, 'last_name', m.last_name, 'deleted', m.deleted_at IS NOT NULL)::text,
                    (extract(epoch FROM m.updated_at) * 1000000)::bigint, m.id
                FROM \(PGQuery.quoteIdentifier(parentTable)) p
                JOIN \(PGQuery.quoteIdentifier(memberTable)) m
                  ON m.tenant_id = p.tenant_id AND m.connection_id = p.connection_id AND m.\(PGQuery.quoteIdentifier(parentColumn)) = p.remote_id
                LEFT JOIN users u ON u.tenant_id = m.tenant_id AND u.connection_id = m.connection_id AND u.remote_id = m.user_remote_id
                WHERE p.tenant_id = $1 AND p.id = $2
                """, binding: [tenantID, parent])
        if !includeDeleted { sql.appendSQL(" AND m.deleted_at IS NULL") }
        if let after { Self.appendKeyset(after, to: &sql, qualifier: "m.") }
        sql.appendSQL(" ORDER BY m.updated_at, m.id LIMIT ")
        sql.appendBind(limit + 1)
        let membersQuery = sql
        let parentQuery = PGQuery(
            unsafeSQL: "SELECT count(*)::bigint FROM \(PGQuery.quoteIdentifier(parentTable)) WHERE tenant_id = $1 AND id = $2",
            binding: [tenantID, parent])
        let result = try await pool.withTenant(tenantID, .apiRead) { connection -> [(String, Int64, UUID)]? in
            guard try connection.query(parentQuery)[0].decode(Int.self, at: 0) == 1 else { return nil }
            try connection.awaitOrderedChanges(of: tenantID, in: memberTable)
            return try connection.query(membersQuery).map { try $0.decode((String, Int64, UUID).self) }
        }
        guard let rows = result else { return nil }
        return Self.page(rows, limit: limit)
    }

    /// ` AND (updated_at, id) > cursor`, in integer microseconds so no precision is lost on the way.
    static func appendKeyset(_ after: RecordCursor, to sql: inout PGQuery, qualifier: String) {
        sql.appendSQL(" AND (\(qualifier)updated_at, \(qualifier)id) > (timestamptz 'epoch' + ")
        sql.appendBind(after.updatedAtMicroseconds)
        sql.appendSQL(" * interval '1 microsecond', ")
        sql.appendBind(after.id)
        sql.appendSQL(")")
    }

    static func page(_ rows: [(String, Int64, UUID)], limit: Int) -> (rows: [String], next: RecordCursor?) {
        let page = rows.prefix(limit)
        let next = rows.count > limit ? page.last.map { RecordCursor(updatedAtMicroseconds: $0.1, id: $0.2) } : nil
        return (page.map(\.0), next)
    }

    static func listSQL(tenantID: UUID, _ query: RecordListQuery) throws -> PGQuery {
        var fields = ["'id', id", "'connection_id', connection_id", "'remote_id', remote_id"]
        // Column names are the connectors' static declarations, never input.
        fields += query.columns.map { "'\($0.name)', \(render(PGQuery.quoteIdentifier($0.name), $0.form))" }
        // Related tables and columns are the routes' constants too.
        let listed = PGQuery.quoteIdentifier(query.table)
        fields += query.related.map { related in
            "'\(related.name)', (SELECT r.\(PGQuery.quoteIdentifier(related.column)) FROM \(PGQuery.quoteIdentifier(related.table)) r"
                + " WHERE r.tenant_id = \(listed).tenant_id AND r.connection_id = \(listed).connection_id"
                + " AND r.remote_id = \(listed).remote_id AND r.deleted_at IS NULL)"
        }
        fields += [
            "'deleted', deleted_at IS NOT NULL", "'deleted_at', \(render("deleted_at", .timestamp))",
            "'updated_at', \(render("updated_at", .timestamp))",
        ]
        if query.includeRaw { fields.append("'raw', raw") }
        var sql = PGQuery(
            unsafeSQL: """
                SELECT json_build_object(\(fields.joined(separator: ", ")))::text,
                    (extract(epoch FROM updated_at) * 1000000)::bigint, id
                FROM \(PGQuery.quoteIdentifier(query.table)) WHERE tenant_id = 
                """)
        sql.appendBind(tenantID)
        if !query.includeDeleted { sql.appendSQL(" AND deleted_at IS NULL") }
        if let connectionID = query.connectionID {
            sql.appendSQL(" AND connection_id = ")
            sql.appendBind(connectionID)
        }
        if let since = query.updatedSince {
            sql.appendSQL(" AND updated_at >= ")
            sql.appendBind(since)
        }
        if let after = query.after { Self.appendKeyset(after, to: &sql, qualifier: "") }
        for filter in query.filters {
            switch filter {
            case .equals(let column, let value):
                sql.appendSQL(" AND \(try Self.quoted(column, in: query)) = ")
                sql.appendBind(value)
            case .equalsIgnoringCase(let column, let value):
                sql.appendSQL(" AND lower(\(try Self.quoted(column, in: query))) = lower(")
                sql.appendBind(value)
                sql.appendSQL(")")
            case .contains(let column, let value):
                sql.appendSQL(" AND \(try Self.quoted(column, in: query)) @> ARRAY[")
                sql.appendBind(value)
                sql.appendSQL("]::text[]")
            case .before(let column, let date):
                sql.appendSQL(" AND \(try Self.quoted(column, in: query)) < ")
                sql.appendBind(date)
            case .notBefore(let column, let date):
                sql.appendSQL(" AND \(try Self.quoted(column, in: query)) >= ")
                sql.appendBind(date)
            case .emailOfUser(let column, let userRemoteID):
                sql.appendSQL(
                    " AND lower(\(try Self.quoted(column, in: query))) IN (SELECT lower(u.email) FROM users u WHERE u.tenant_id = \(listed).tenant_id"
                        + " AND u.connection_id = \(listed).connection_id AND u.remote_id = ")
                sql.appendBind(userRemoteID)
                sql.appendSQL(")")
            }
        }
        sql.appendSQL(" ORDER BY updated_at, id LIMIT ")
        sql.appendBind(query.limit + 1)
        return sql
    }

    /// `name` quoted, when `table` has such a column.
    private static func quoted(_ name: String, in query: RecordListQuery) throws -> String {
        guard query.columns.contains(where: { $0.name == name }) else { throw StoreError(.invalid, "\(query.table) has no column \(name)") }
        return PGQuery.quoteIdentifier(name)
    }

    /// The JSON form of a column of `type`.
    static func render(_ column: String, _ form: ListedColumn.Form) -> String {
        switch form {
        case .plain: column
        case .decimal: "\(column)::text"
        case .timestamp: "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
        case .date: "to_char(\(column), 'YYYY-MM-DD')"
        case .textArray: "to_jsonb(\(column))"
        }
    }
}
