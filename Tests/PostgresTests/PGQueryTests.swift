import Dispatch
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Statements, binds and errors", .enabled(if: TestDatabase.isAvailableOrRequired))
struct PGQueryTests {
    @Test("interpolated values become $n binds, so injection strings are stored verbatim")
    func injectionIsData() async throws {
        let query: PGQuery = "SELECT \(1), \("x"), \(Optional<Int>.none)"
        #expect(query.sql == "SELECT $1, $2, $3")
        #expect(query.binds.count == 3)
        try await TestDatabase.withFreshDatabase { pool, _ in
            try await pool.withConnection { try $0.executeScript("CREATE TABLE notes (body text NOT NULL)") }
            let payloads = [
                "Robert'); DROP TABLE notes;--", "' OR '1'='1", "$1", "\\x00", "\"; SELECT pg_sleep(10); --", "E'\\n'", "%_*",
            ]
            for payload in payloads {
                try await pool.withConnection { try $0.execute("INSERT INTO notes (body) VALUES (\(payload))") }
            }
            let stored = try await pool.query("SELECT body FROM notes").map { try $0.decode(String.self, at: 0) }
            #expect(Set(stored) == Set(payloads))
            #expect(try await pool.query("SELECT count(*) FROM notes WHERE body = \(payloads[1])")[0].decode(Int.self, at: 0) == 1)
        }
    }

    @Test("quoted identifiers cannot break out of their quotes")
    func identifiers() async throws {
        #expect(PGQuery.quoteIdentifier("we\"ird") == "\"we\"\"ird\"")
        try await TestDatabase.withFreshDatabase { pool, _ in
            let name = "tab\"le; DROP"
            try await pool.withConnection { connection in
                try connection.execute("CREATE TABLE \(identifier: name) (id int)")
                try connection.execute("INSERT INTO \(identifier: name) VALUES (\(Int32(7)))")
            }
            #expect(try await pool.query("SELECT id FROM \(identifier: name)")[0].decode(Int32.self, at: 0) == 7)
        }
    }

    @Test("a NUL byte in a text bind is refused before anything reaches the server")
    func nulIsRefused() async throws {
        try await TestDatabase.withFreshDatabase { pool, _ in
            try await pool.withConnection { try $0.executeScript("CREATE TABLE notes (body text)") }
            let error = await #expect(throws: PGError.self) {
                try await pool.withConnection { try $0.execute("INSERT INTO notes VALUES (\("before\u{0}after"))") }
            }
            #expect(error?.code == .invalidQuery)
            #expect(try await pool.query("SELECT count(*) FROM notes")[0].decode(Int.self, at: 0) == 0)
        }
    }

    @Test("unique violations, foreign keys, serialization failures and lost connections are told apart by SQLSTATE")
    func sqlStates() async throws {
        try await TestDatabase.withFreshDatabase(maximumConnections: 3) { pool, _ in
            try await pool.withConnection { connection in
                try connection.executeScript(
                    """
                    CREATE TABLE parents (id int PRIMARY KEY, name text CONSTRAINT parents_name_key UNIQUE);
                    CREATE TABLE children (parent_id int REFERENCES parents (id));
                    INSERT INTO parents VALUES (1, 'a');
                    """)
            }
            let unique = await #expect(throws: PGError.self) {
                try await pool.withConnection { try $0.execute("INSERT INTO parents VALUES (2, \("a"))") }
            }
            #expect(unique?.isUniqueViolation == true)
            #expect(unique?.constraint == "parents_name_key")
            let foreign = await #expect(throws: PGError.self) {
                try await pool.withConnection { try $0.execute("INSERT INTO children VALUES (\(Int32(99)))") }
            }
            #expect(foreign?.isForeignKeyViolation == true)
            #expect(foreign?.isUniqueViolation == false)

            // Two serializable transactions that each read what the other writes: one must fail with 40001.
            // A barrier makes both read before either writes, however slow the machine.
            let readDone = [DispatchSemaphore(value: 0), DispatchSemaphore(value: 0)]
            let outcomes = await withTaskGroup(of: (any Error)?.self) { group in
                for (side, id) in [10, 20].enumerated() {
                    group.addTask {
                        do {
                            try await pool.withTransaction(.init(isolation: .serializable)) { connection in
                                _ = try connection.query("SELECT count(*) FROM parents")
                                readDone[side].signal()
                                _ = readDone[1 - side].wait(timeout: .now() + .seconds(Int(TestScale.bound(.seconds(10)).components.seconds)))
                                try connection.execute("INSERT INTO parents VALUES (\(id), \("n\(id)"))")
                            }
                            return nil
                        } catch { return error }
                    }
                }
                return await group.reduce(into: [(any Error)?]()) { $0.append($1) }
            }
            let failures = outcomes.compactMap { $0 as? PGError }
            #expect(failures.count == 1)
            #expect(failures.first?.isSerializationFailure == true)

            let lost = await #expect(throws: PGError.self) {
                try await pool.withConnection { try $0.query("SELECT pg_terminate_backend(pg_backend_pid())") }
            }
            #expect(lost?.isConnectionLost == true)
            #expect(try await pool.query("SELECT 1")[0].decode(Int32.self, at: 0) == 1)
        }
    }

    @Test("an error's description shows the SQLSTATE but never a bind value; debugDescription keeps the detail")
    func errorsDoNotLeakValues() async throws {
        try await TestDatabase.withFreshDatabase { pool, _ in
            let secret = "sk_live_sentinel_4242"
            let error = await #expect(throws: PGError.self) {
                try await pool.query("SELECT \(secret)::uuid")
            }
            #expect(error?.sqlState == "22P02")
            #expect(error?.description.contains(secret) == false)
            #expect(error?.debugDescription.contains(secret) == true)
        }
    }

    @Test("a multi-statement script runs in order; a failing one reports its SQLSTATE")
    func scripts() async throws {
        try await TestDatabase.withFreshDatabase { pool, _ in
            try await pool.withConnection { try $0.executeScript("CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2);") }
            #expect(try await pool.query("SELECT sum(x) FROM t")[0].decode(Int.self, at: 0) == 3)
            let error = await #expect(throws: PGError.self) { try await pool.withConnection { try $0.executeScript("SELEC 1") } }
            #expect(error?.sqlState == "42601")
        }
    }
}
