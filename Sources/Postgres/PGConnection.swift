internal import CLibPQ
import Sensitive
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One libpq connection.
///
/// Every method is synchronous and blocking: call them only from the closures that ``PGPool`` runs on its
/// own threads, never from an event loop or Swift's cooperative pool. The pool guarantees that one
/// connection is used by one thread at a time (the invariant behind `@unchecked Sendable`); only
/// ``markCancelled()`` and ``sendCancelRequest()`` may be called from another thread.
public final class PGConnection: @unchecked Sendable {
    let handle: OpaquePointer
    private let cancelHandle: OpaquePointer?
    private let cancelRequested = Atomic<Bool>(false)

    private init(handle: OpaquePointer) {
        self.handle = handle
        self.cancelHandle = PQgetCancel(handle)
    }

    deinit {
        if let cancelHandle { PQfreeCancel(cancelHandle) }
        PQfinish(handle)
    }

    /// Opens a connection (blocking: DNS, TCP, TLS and authentication).
    /// - Parameters:
    ///   - connectionString: a libpq URI or `key=value` string; empty means libpq's `PG*` environment defaults.
    ///   - connectTimeoutSeconds: libpq's `connect_timeout` unless the connection string sets its own.
    /// - Throws: ``PGError`` with code `connectionFailed` and a summary that never quotes the connection string.
    static func connect(connectionString: Secret, connectTimeoutSeconds: Int, applicationName: String) throws -> PGConnection {
        // Later entries override earlier ones, so the caller's connection string wins over our defaults.
        let keywords = ["connect_timeout", "application_name", "dbname"]
        let values = [String(max(2, connectTimeoutSeconds)), applicationName, connectionString.unsafeValue]
        let handle = withCStringArray(keywords) { keywordPointers in
            withCStringArray(values) { valuePointers in PQconnectdbParams(keywordPointers, valuePointers, 1) }
        }
        guard let handle else { throw PGError(.connectionFailed, summary: "libpq could not allocate a connection") }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle))
            PQfinish(handle)
            throw PGError(.connectionFailed, summary: Self.safeConnectionFailureSummary(message), serverMessage: message)
        }
        return PGConnection(handle: handle)
    }

    /// Runs one statement with its binds and returns its rows.
    /// - Throws: ``PGError``: `server` with the SQLSTATE, `connectionLost`, `cancelled`, or `invalidQuery`
    ///   when a text value contains a NUL byte (PostgreSQL cannot store it, and C would silently truncate it).
    @discardableResult
    public func query(_ query: PGQuery) throws -> PGResult {
        try checkNotCancelled()
        guard !query.sql.utf8.contains(0) else { throw PGError(.invalidQuery, summary: "the statement contains a NUL byte") }
        let binds = query.binds
        var types = [Oid](repeating: 0, count: binds.count)
        var lengths = [Int32](repeating: 0, count: binds.count)
        var formats = [Int32](repeating: 0, count: binds.count)
        var values = [UnsafeMutablePointer<CChar>?](repeating: nil, count: binds.count)
        defer { for value in values { free(value) } }
        for (index, bind) in binds.enumerated() {
            types[index] = bind.oid
            switch bind.value {
            case .none:
                values[index] = nil
            case .text(let text)?:
                guard !text.utf8.contains(0) else {
                    throw PGError(.invalidQuery, summary: "parameter $\(index + 1) contains a NUL byte")
                }
                values[index] = strdup(text)
                lengths[index] = Int32(text.utf8.count)
            case .bytes(let bytes)?:
                let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
                bytes.withUnsafeBytes { source in
                    UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress ?? UnsafeRawPointer(buffer), byteCount: bytes.count)
                }
                values[index] = buffer
                lengths[index] = Int32(bytes.count)
                formats[index] = 1
            }
        }
        let constValues = values.map { UnsafePointer($0) }
        let result = PQexecParams(handle, query.sql, Int32(binds.count), types, constValues, lengths, formats, 0)
        return try checkResult(result)
    }

    /// Runs a statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PGQuery) throws -> Int {
        try self.query(query).affectedRows
    }

    /// Runs a script of one or more statements with the simple-query protocol (no binds), as migrations need.
    public func executeScript(_ sql: String) throws {
        try checkNotCancelled()
        guard !sql.utf8.contains(0) else { throw PGError(.invalidQuery, summary: "the script contains a NUL byte") }
        _ = try checkResult(PQexec(handle, sql))
    }

    /// Marks the connection cancelled, from any thread, without blocking: every later statement on it fails
    /// with `cancelled`, and the pool discards it instead of reusing it, so a cancel request that reaches
    /// the server late can never hit another caller's statement.
    public func markCancelled() {
        cancelRequested.store(true, ordering: .sequentiallyConsistent)
    }

    /// Asks the server to cancel the statement this connection is running (`PQcancel`, which opens a
    /// short-lived connection of its own, so it blocks briefly). Call ``markCancelled()`` first.
    public func sendCancelRequest() {
        guard let cancelHandle else { return }
        var errorBuffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancelHandle, &errorBuffer, Int32(errorBuffer.count))
    }

    /// True when cancellation was requested for this connection.
    public var isCancelRequested: Bool { cancelRequested.load(ordering: .sequentiallyConsistent) }

    /// True inside a transaction block (including a failed one).
    public var isInTransaction: Bool { PQtransactionStatus(handle) != PQTRANS_IDLE }

    /// Non-blocking check that the server has not closed this idle connection (e.g. after a restart or
    /// `pg_terminate_backend`): reads whatever is pending on the socket without waiting. A terminated
    /// backend leaves a FATAL message and then end-of-file; libpq returns after reading the message, so a
    /// second read is what sees the end of the stream.
    var isReusable: Bool {
        guard !isCancelRequested, PQstatus(handle) == CONNECTION_OK else { return false }
        for _ in 0..<2 {
            guard PQconsumeInput(handle) == 1, PQstatus(handle) == CONNECTION_OK else { return false }
        }
        return PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    /// The PostgreSQL server version as an integer (e.g. 150018).
    public var serverVersion: Int { Int(PQserverVersion(handle)) }

    func checkNotCancelled() throws {
        if isCancelRequested { throw PGError(.cancelled, summary: "the statement was cancelled") }
    }

    func checkResult(_ result: OpaquePointer?) throws -> PGResult {
        guard let result else {
            throw PGError(
                PQstatus(handle) == CONNECTION_BAD ? .connectionLost : .server,
                summary: "the server returned no result", serverMessage: String(cString: PQerrorMessage(handle)))
        }
        let status = PQresultStatus(result)
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY {
            return PGResult(handle: result)
        }
        let error = makeError(result)
        PQclear(result)
        throw error
    }

    func makeError(_ result: OpaquePointer) -> PGError {
        func field(_ code: UInt8) -> String? {
            PQresultErrorField(result, Int32(code)).map { String(cString: $0) }
        }
        let sqlState = field(UInt8(ascii: "C"))
        let message = [field(UInt8(ascii: "M")), field(UInt8(ascii: "D"))].compactMap { $0 }.joined(separator: " ")
        if PQstatus(handle) == CONNECTION_BAD {
            return PGError(.connectionLost, summary: "the connection to the server was lost", sqlState: sqlState, serverMessage: message)
        }
        if sqlState == "57014", isCancelRequested {
            return PGError(.cancelled, summary: "the statement was cancelled", sqlState: sqlState, serverMessage: message)
        }
        return PGError(
            .server, summary: "the server rejected the statement", sqlState: sqlState,
            constraint: field(UInt8(ascii: "n")), serverMessage: message)
    }

    /// A summary of libpq's connection error that is safe to log: libpq quotes fragments of a malformed
    /// connection string (which may hold the password), so only known causes are named.
    static func safeConnectionFailureSummary(_ message: String) -> String {
        let lowered = message.lowercased()
        let causes: [(String, String)] = [
            ("password authentication failed", "password authentication failed"),
            ("no password supplied", "the server requires a password"),
            ("connection refused", "connection refused"),
            ("timeout expired", "connection timed out"),
            ("does not exist", "the database or role does not exist"),
            ("could not translate host name", "the host name could not be resolved"),
            ("no pg_hba.conf entry", "the server's pg_hba.conf rejects this connection"),
            ("too many connections", "the server has too many connections"),
            ("the database system is starting up", "the server is starting up"),
            ("the database system is shutting down", "the server is shutting down"),
            ("invalid", "the connection string is malformed"),
            ("missing", "the connection string is malformed"),
        ]
        let cause = causes.first { lowered.contains($0.0) }?.1 ?? "see debug logs for libpq's message"
        return "could not connect to PostgreSQL: \(cause)"
    }
}

/// Calls `body` with a NULL-terminated array of C strings that lives for the duration of the call.
func withCStringArray<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let pointers = strings.map { UnsafePointer(strdup($0)) }
    defer { for pointer in pointers { free(UnsafeMutablePointer(mutating: pointer)) } }
    return body(pointers + [nil])
}
