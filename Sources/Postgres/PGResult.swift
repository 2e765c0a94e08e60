internal import CLibPQ

/// The rows a statement returned. It owns the libpq `PGresult` (immutable, so safe to read from any
/// thread) and frees it when the last reference goes away.
public final class PGResult: @unchecked Sendable, RandomAccessCollection {
    private let handle: OpaquePointer
    /// Column names in order.
    public let columns: [String]
    private let columnIndex: [String: Int]
    /// The number of rows.
    public let count: Int
    /// Rows affected by INSERT/UPDATE/DELETE/COPY (from the command tag), or the row count for SELECT.
    public let affectedRows: Int

    init(handle: OpaquePointer) {
        self.handle = handle
        let fieldCount = Int(PQnfields(handle))
        var names: [String] = []
        var index: [String: Int] = [:]
        for field in 0..<fieldCount {
            let name = String(cString: PQfname(handle, Int32(field)))
            names.append(name)
            if index[name] == nil { index[name] = field }
        }
        self.columns = names
        self.columnIndex = index
        self.count = Int(PQntuples(handle))
        self.affectedRows = Int(String(cString: PQcmdTuples(handle))) ?? Int(PQntuples(handle))
    }

    deinit { PQclear(handle) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }
    public subscript(position: Int) -> PGRow { PGRow(result: self, index: position) }

    func indexOfColumn(_ name: String) -> Int? { columnIndex[name] }

    func isNull(row: Int, column: Int) -> Bool { PQgetisnull(handle, Int32(row), Int32(column)) == 1 }

    func text(row: Int, column: Int) -> String {
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        let pointer = PQgetvalue(handle, Int32(row), Int32(column))!
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }
}

/// One row of a ``PGResult``.
public struct PGRow: Sendable {
    let result: PGResult
    let index: Int

    /// Decodes column `column` (zero-based).
    /// - Throws: ``PGError`` with code `decoding` naming the column and type, never the value.
    public func decode<T: PGDecodable>(_ type: T.Type, at column: Int) throws -> T {
        guard column >= 0, column < result.columns.count else {
            throw PGError(.decoding, summary: "column index \(column) is out of range (\(result.columns.count) columns)")
        }
        do {
            if result.isNull(row: index, column: column) { return try T.pgNull() }
            return try T(pgText: result.text(row: index, column: column))
        } catch let failure as PGDecodingFailure {
            throw PGError(.decoding, summary: "column \(result.columns[column]) as \(T.self): \(failure.reason)")
        }
    }

    /// Decodes the column named `column`; the type may be left to inference, so a row maps onto a
    /// domain type by column names: `Tenant(id: try row.decode(column: "id"), …)`.
    public func decode<T: PGDecodable>(_ type: T.Type = T.self, column: String) throws -> T {
        guard let position = result.indexOfColumn(column) else {
            throw PGError(.decoding, summary: "no column named \(column)")
        }
        return try decode(type, at: position)
    }

    /// Decodes the first columns into a tuple: `let (id, name) = try row.decode((UUID, String).self)`.
    public func decode<each T: PGDecodable>(_ types: (repeat each T).Type) throws -> (repeat each T) {
        var column = 0
        func next<V: PGDecodable>(_ type: V.Type) throws -> V {
            defer { column += 1 }
            return try decode(type, at: column)
        }
        return (repeat try next((each T).self))
    }

    /// True when column `column` is SQL NULL.
    public func isNull(at column: Int) -> Bool { result.isNull(row: index, column: column) }
}
