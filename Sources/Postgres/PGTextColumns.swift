/// Rows as columns: one `text[]` parameter per column, each element a value's text form (what COPY's text
/// format or `psql` would show), sent in binary so no element needs quoting or escaping. A statement
/// reads them back as rows with `unnest`, casting each column to its type:
///
/// ```sql
/// INSERT INTO users (id, email, created_at)
/// SELECT p.id::uuid, p.email, p.created_at::timestamptz FROM unnest($1::text[], $2::text[], $3::text[]) AS p(id, email, created_at)
/// ```
///
/// A page of rows then goes in with one statement: no staging table to create, fill and read (a table
/// under row-level security cannot take COPY), and the server parses each value once, as COPY would.
public struct PGTextColumns: Sendable {
    /// Each column's elements so far, in the array's binary element format.
    private var elements: [[UInt8]]
    private var hasNull: [Bool]
    /// Rows appended so far.
    public private(set) var count = 0
    /// Leave U+0000 out of text values (PostgreSQL's text cannot hold it) instead of refusing the row:
    /// for provider data, where it carries no meaning.
    public var dropsNULBytes = false

    /// Columns for rows of `columns` values; `bytesPerRow` guesses the size of a row, to allocate once.
    public init(columns: Int, reservingBytesPerRow bytesPerRow: Int = 0, rows: Int = 0) {
        elements = Array(repeating: [], count: columns)
        hasNull = Array(repeating: false, count: columns)
        let perColumn = columns == 0 ? 0 : bytesPerRow * rows / columns
        for index in elements.indices { elements[index].reserveCapacity(perColumn) }
    }

    /// Appends one row, a value for each column (`nil` values become NULL; bytes become bytea's hex form).
    /// - Throws: ``PGError`` with code `invalidQuery` when the row has another number of values, or a text
    ///   value contains a NUL byte (unless ``dropsNULBytes``).
    public mutating func append(_ row: [PGBind]) throws {
        guard row.count == elements.count else {
            throw PGError(.invalidQuery, summary: "a row of \(row.count) values for \(elements.count) columns")
        }
        // Checked before anything is appended: a refused row leaves nothing behind, in any column.
        if !dropsNULBytes, row.contains(where: { $0.value?.containsNUL == true }) {
            throw PGError(.invalidQuery, summary: "a text value contains a NUL byte")
        }
        for column in row.indices { append(row[column].value, to: column) }
        count += 1
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private mutating func append(_ value: PGBind.Value?, to column: Int) {
        switch value {
        case .none:
            hasNull[column] = true
            Self.appendInt32(-1, to: &elements[column])
        case .text(var text)?:
            text.withUTF8 { bytes in
                if !bytes.contains(0) {
                    Self.appendInt32(Int32(bytes.count), to: &elements[column])
                    elements[column].append(contentsOf: bytes)
                } else {
                    Self.appendInt32(Int32(bytes.count - bytes.count { $0 == 0 }), to: &elements[column])
                    elements[column].append(contentsOf: bytes.lazy.filter { $0 != 0 })
                }
            }
        case .bytes(let bytes)?:
            Self.appendInt32(Int32(2 + 2 * bytes.count), to: &elements[column])
            elements[column].append(UInt8(ascii: "\\"))
            elements[column].append(UInt8(ascii: "x"))
            for byte in bytes {
                elements[column].append(Self.hexDigits[Int(byte >> 4)])
                elements[column].append(Self.hexDigits[Int(byte & 0x0f)])
            }
        }
    }

    /// One `text[]` bind per column, in binary (array_recv's format: dimensions, flags, element type, then
    /// each element's length and bytes).
    public var binds: [PGBind] {
        elements.indices.map { column in
            var array: [UInt8] = []
            array.reserveCapacity(20 + elements[column].count)
            Self.appendInt32(1, to: &array)  // one dimension
            Self.appendInt32(hasNull[column] ? 1 : 0, to: &array)
            Self.appendInt32(Int32(bitPattern: PGTypeOID.text), to: &array)
            Self.appendInt32(Int32(count), to: &array)
            Self.appendInt32(1, to: &array)  // lower bound
            array += elements[column]
            return PGBind(oid: PGTypeOID.textArray, value: .bytes(array))
        }
    }

    private static func appendInt32(_ value: Int32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}

extension PGBind.Value {
    /// A text value holding U+0000, which PostgreSQL's text cannot.
    var containsNUL: Bool {
        guard case .text(var text) = self else { return false }
        return text.withUTF8 { $0.contains(0) }
    }
}
