import Foundation
import Postgres
import TestSupport
import Testing

@Suite("COPY FROM STDIN", .enabled(if: TestDatabase.isAvailableOrRequired))
struct PGCopyTests {
    @Test("100,000 rows load through COPY with every value intact")
    func bulkLoad() async throws {
        try await TestDatabase.withFreshDatabase { pool, _ in
            try await pool.withConnection { try $0.executeScript("CREATE TABLE rows (id int8, label text, flag bool)") }
            let stored = try await pool.withConnection { connection in
                try connection.copyFrom("COPY rows (id, label, flag) FROM STDIN") { writer in
                    for id in 0..<100_000 { try writer.appendRow(id, "label-\(id)", id % 2 == 0) }
                }
            }
            #expect(stored == 100_000)
            let summary = try await pool.query("SELECT count(*), sum(id), count(*) FILTER (WHERE flag) FROM rows")[0]
                .decode((Int, Int, Int).self)
            #expect(summary.0 == 100_000)
            #expect(summary.1 == 99_999 * 100_000 / 2)
            #expect(summary.2 == 50_000)
            #expect(try await pool.query("SELECT label FROM rows WHERE id = \(77_777)")[0].decode(String.self, at: 0) == "label-77777")
        }
    }

    @Test("tabs, newlines, backslashes, NULLs, bytes and unicode survive COPY's text format")
    func escaping() async throws {
        try await TestDatabase.withFreshDatabase { pool, _ in
            try await pool.withConnection { try $0.executeScript("CREATE TABLE odd (n int8, body text, raw bytea, tags text[])") }
            let bodies = ["tab\there", "line\nbreak", "carriage\rreturn", "back\\slash", "\\N", "ünï 🦊", ""]
            let raw = Data([0, 9, 10, 92, 255])
            try await pool.withConnection { connection in
                try connection.copyFrom("COPY odd (n, body, raw, tags) FROM STDIN") { writer in
                    for (index, body) in bodies.enumerated() { try writer.appendRow(index, body, raw, ["a,b", "c\"d"]) }
                    try writer.appendRow(99, Optional<String>.none, Optional<Data>.none, Optional<[String]>.none)
                }
            }
            let rows = try await pool.query("SELECT n, body, raw, tags FROM odd ORDER BY n")
            for (index, body) in bodies.enumerated() {
                let (n, text, bytes, tags) = try rows[index].decode((Int, String, Data, [String]).self)
                #expect(n == index && text == body && bytes == raw && tags == ["a,b", "c\"d"])
            }
            let last = try rows[bodies.count].decode((Int, String?, Data?, [String]?).self)
            #expect(last.0 == 99 && last.1 == nil && last.2 == nil && last.3 == nil)
        }
    }

    @Test("an error thrown midway aborts the COPY: no row of it is stored and the connection stays usable")
    func abortStoresNothing() async throws {
        struct Stop: Error {}
        try await TestDatabase.withFreshDatabase(maximumConnections: 1) { pool, _ in
            try await pool.withConnection { try $0.executeScript("CREATE TABLE rows (id int8)") }
            await #expect(throws: Stop.self) {
                try await pool.withConnection { connection in
                    try connection.copyFrom("COPY rows (id) FROM STDIN") { writer in
                        for id in 0..<50_000 { try writer.appendRow(id) }
                        throw Stop()
                    }
                }
            }
            #expect(try await pool.query("SELECT count(*) FROM rows")[0].decode(Int.self, at: 0) == 0)
            let malformed = await #expect(throws: PGError.self) {
                try await pool.withConnection { connection in
                    try connection.copyFrom("COPY rows (id) FROM STDIN") { writer in try writer.appendRow("not a number") }
                }
            }
            #expect(malformed?.sqlState == "22P02")
            #expect(try await pool.query("SELECT count(*) FROM rows")[0].decode(Int.self, at: 0) == 0)
        }
    }
}
