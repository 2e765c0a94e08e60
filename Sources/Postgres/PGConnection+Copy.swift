internal import CLibPQ

extension PGConnection {
    /// Streams rows into the server with `COPY … FROM STDIN` (text format), the fastest way to load many
    /// rows. Rows are buffered and sent in chunks, so memory stays flat however many rows `body` writes.
    ///
    /// ```swift
    /// try connection.copyFrom("COPY users (id, email) FROM STDIN") { writer in
    ///     for user in users { try writer.appendRow(user.id, user.email) }
    /// }
    /// ```
    /// - Parameters:
    ///   - statement: a `COPY … FROM STDIN` statement without binds.
    ///   - body: writes the rows; throwing aborts the COPY, so no row of it is stored.
    /// - Returns: the number of rows the server stored.
    @discardableResult
    public func copyFrom(_ statement: PGQuery, _ body: (PGCopyWriter) throws -> Void) throws -> Int {
        try checkNotCancelled()
        guard statement.binds.isEmpty else { throw PGError(.invalidQuery, summary: "COPY does not take binds") }
        guard let start = PQexec(handle, statement.sql) else {
            throw PGError(.connectionLost, summary: "the server returned no result for COPY")
        }
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            let error =
                PQresultStatus(start) == PGRES_FATAL_ERROR
                ? makeError(start) : PGError(.copyFailed, summary: "the statement is not COPY … FROM STDIN")
            PQclear(start)
            drainResults()
            throw error
        }
        PQclear(start)
        let writer = PGCopyWriter(connection: self)
        do {
            try body(writer)
            try writer.flush()
        } catch {
            _ = PQputCopyEnd(handle, "aborted by the client")
            drainResults()
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else {
            drainResults()
            throw PGError(.copyFailed, summary: "ending COPY failed", serverMessage: String(cString: PQerrorMessage(handle)))
        }
        var stored = 0
        var failure: (any Error)?
        while let result = PQgetResult(handle) {
            if failure == nil {
                do { stored = try checkResult(result).affectedRows } catch { failure = error }
            } else {
                PQclear(result)
            }
        }
        if let failure { throw failure }
        return stored
    }

    /// Copies rows encoded beforehand with `COPY … FROM STDIN` (text format).
    /// - Returns: the number of rows the server stored.
    @discardableResult
    public func copyFrom(_ statement: PGQuery, rows: PGCopyRows) throws -> Int {
        try copyFrom(statement) { writer in try writer.send(rows) }
    }

    func sendCopyData(_ bytes: ArraySlice<UInt8>) throws {
        try checkNotCancelled()
        let sent = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
        }
        guard sent == 1 else {
            throw PGError(
                PQstatus(handle) == CONNECTION_BAD ? .connectionLost : .copyFailed,
                summary: "sending COPY data failed", serverMessage: String(cString: PQerrorMessage(handle)))
        }
    }

    private func drainResults() {
        while let result = PQgetResult(handle) { PQclear(result) }
    }
}

/// Rows in COPY's text format, built before any connection is needed: a caller can encode a page once
/// and copy it into whichever table it decides on (``PGConnection/copyFrom(_:rows:)``).
public struct PGCopyRows: Sendable {
    /// The encoded rows.
    public private(set) var bytes: [UInt8] = []
    /// Rows appended so far.
    public private(set) var count = 0
    /// Leave U+0000 out of text fields (PostgreSQL's text cannot hold it) instead of refusing the row:
    /// for provider data, where it carries no meaning.
    public var dropsNULBytes = false

    public init(reservingCapacity capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends one row of binds, one field each (`nil` values become NULL).
    /// - Throws: ``PGError`` with code `invalidQuery` when a text value contains a NUL byte (unless
    ///   ``dropsNULBytes``).
    public mutating func append(_ binds: [PGBind]) throws {
        for (index, bind) in binds.enumerated() { try appendField(bind, first: index == 0) }
        endRow()
    }

    mutating func endRow() {
        bytes.append(UInt8(ascii: "\n"))
        count += 1
    }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    mutating func appendField(_ bind: PGBind, first: Bool) throws {
        if !first { bytes.append(UInt8(ascii: "\t")) }
        switch bind.value {
        case .none:
            bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
        case .text(var text)?:
            let appendedVerbatim = text.withUTF8 { field in
                // Most fields need no escaping: copy them in one go.
                guard !field.contains(where: { $0 == UInt8(ascii: "\\") || $0 < 0x0e }) else { return false }
                bytes.append(contentsOf: field)
                return true
            }
            if appendedVerbatim { return }
            for byte in text.utf8 {
                switch byte {
                case 0:
                    guard dropsNULBytes else { throw PGError(.invalidQuery, summary: "a COPY field contains a NUL byte") }
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                default: bytes.append(byte)
                }
            }
        case .bytes(let value)?:
            // bytea's hex input form, with COPY's backslash doubled: \\x0a1b
            bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")])
            for byte in value {
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0x0f)])
            }
        }
    }
}

/// Formats rows in COPY's text format and hands them to the connection in chunks.
public final class PGCopyWriter {
    private let connection: PGConnection
    private var rows = PGCopyRows(reservingCapacity: 256 * 1024 + 4096)
    private let chunkSize = 256 * 1024
    /// Rows appended so far.
    public private(set) var rowCount = 0

    init(connection: PGConnection) {
        self.connection = connection
    }

    /// Appends one row; each value becomes one field (`nil` becomes NULL).
    /// - Throws: ``PGError`` with code `invalidQuery` when a text value contains a NUL byte.
    public func appendRow<each Value: PGEncodable>(_ values: repeat each Value) throws {
        var first = true
        for value in repeat each values {
            try rows.appendField(value.pgBind, first: first)
            first = false
        }
        try endRow()
    }

    /// Appends one row of already-built binds, for callers whose columns are known only at run time.
    public func appendRow(binds: [PGBind]) throws {
        for (index, bind) in binds.enumerated() { try rows.appendField(bind, first: index == 0) }
        try endRow()
    }

    private func endRow() throws {
        rows.endRow()
        rowCount += 1
        if rows.bytes.count >= chunkSize { try flush() }
    }

    func flush() throws {
        guard !rows.bytes.isEmpty else { return }
        try connection.sendCopyData(rows.bytes[...])
        rows.removeAll()
    }

    /// Sends rows encoded beforehand, in chunks.
    func send(_ encoded: PGCopyRows) throws {
        try flush()
        var offset = 0
        while offset < encoded.bytes.count {
            let end = min(offset + chunkSize, encoded.bytes.count)
            try connection.sendCopyData(encoded.bytes[offset..<end])
            offset = end
        }
        rowCount += encoded.count
    }
}
