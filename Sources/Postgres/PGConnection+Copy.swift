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

    func sendCopyData(_ bytes: [UInt8]) throws {
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

/// Formats rows in COPY's text format and hands them to the connection in chunks.
public final class PGCopyWriter {
    private let connection: PGConnection
    private var buffer: [UInt8] = []
    private let chunkSize = 256 * 1024
    /// Rows appended so far.
    public private(set) var rowCount = 0

    init(connection: PGConnection) {
        self.connection = connection
        buffer.reserveCapacity(chunkSize + 4096)
    }

    /// Appends one row; each value becomes one field (`nil` becomes NULL).
    /// - Throws: ``PGError`` with code `invalidQuery` when a text value contains a NUL byte.
    public func appendRow<each Value: PGEncodable>(_ values: repeat each Value) throws {
        var first = true
        for value in repeat each values {
            if !first { buffer.append(UInt8(ascii: "\t")) }
            first = false
            try appendField(value.pgBind)
        }
        buffer.append(UInt8(ascii: "\n"))
        rowCount += 1
        if buffer.count >= chunkSize { try flush() }
    }

    /// Appends one row of already-built binds, for callers whose columns are known only at run time.
    public func appendRow(binds: [PGBind]) throws {
        for (index, bind) in binds.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: "\t")) }
            try appendField(bind)
        }
        buffer.append(UInt8(ascii: "\n"))
        rowCount += 1
        if buffer.count >= chunkSize { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try connection.sendCopyData(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private func appendField(_ bind: PGBind) throws {
        switch bind.value {
        case .none:
            buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
        case .text(var text)?:
            let appendedVerbatim = text.withUTF8 { bytes in
                // Most fields need no escaping: copy them in one go.
                guard !bytes.contains(where: { $0 == UInt8(ascii: "\\") || $0 < 0x0e }) else { return false }
                buffer.append(contentsOf: bytes)
                return true
            }
            if appendedVerbatim { return }
            for byte in text.utf8 {
                switch byte {
                case 0: throw PGError(.invalidQuery, summary: "a COPY field contains a NUL byte")
                case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\t"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                default: buffer.append(byte)
                }
            }
        case .bytes(let bytes)?:
            // bytea's hex input form, with COPY's backslash doubled: \\x0a1b
            let digits = Array("0123456789abcdef".utf8)
            buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")])
            for byte in bytes {
                buffer.append(digits[Int(byte >> 4)])
                buffer.append(digits[Int(byte & 0x0f)])
            }
        }
    }
}
