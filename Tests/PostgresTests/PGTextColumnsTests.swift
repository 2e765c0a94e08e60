import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Rows as text[] columns", .enabled(if: TestDatabase.isAvailableOrRequired))
struct PGTextColumnsTests {
    static let insert = """
        INSERT INTO odd (n, body, raw, tags, seen, doc)
        SELECT p.n::int8, p.body, p.raw::bytea, p.tags::text[], p.seen::timestamptz, p.doc::jsonb
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS p(n, body, raw, tags, seen, doc)
        """

    @Test("separators, quotes, backslashes, the word NULL, NULLs, bytes and unicode come back as they went, row by row")
    func roundTrip() async throws {
        try await TestDatabase.withFreshDatabase { pool, _ in
            try await pool.withConnection {
                try $0.executeScript("CREATE TABLE odd (n int8, body text, raw bytea, tags text[], seen timestamptz, doc jsonb)")
            }
            let bodies = ["a,b", "{braces}", "quo\"te", "back\\slash", "NULL", "tab\tline\nbreak", "ünï 🦊", ""]
            let raw = Data([0, 9, 10, 92, 255])
            let seen = Date(timeIntervalSince1970: 1_700_000_000.25)
            var columns = PGTextColumns(columns: 6)
            for (index, body) in bodies.enumerated() {
                try columns.append([
                    index.pgBind, body.pgBind, raw.pgBind, ["x,y", "z\"w"].pgBind, seen.pgBind, PGJSON(text: #"{"k":"\#(index)"}"#).pgBind,
                ])
            }
            try columns.append([
                99.pgBind, PGBind(oid: 0, value: nil), PGBind(oid: 0, value: nil), PGBind(oid: 0, value: nil), PGBind(oid: 0, value: nil),
                PGBind(oid: 0, value: nil),
            ])
            #expect(columns.count == bodies.count + 1)
            let binds = columns.binds
            let stored = try await pool.withConnection { try $0.execute(PGQuery(unsafeSQL: Self.insert, binds: binds)) }
            #expect(stored == bodies.count + 1)

            let rows = try await pool.query("SELECT n, body, raw, tags, seen, doc->>'k' FROM odd ORDER BY n")
            for (index, body) in bodies.enumerated() {
                let row = try rows[index].decode((Int, String, Data, [String], Date, String).self)
                #expect(row.0 == index && row.1 == body && row.2 == raw && row.3 == ["x,y", "z\"w"] && row.4 == seen && row.5 == "\(index)")
            }
            let nulls = try rows[bodies.count].decode((Int, String?, Data?, [String]?, Date?, String?).self)
            #expect(nulls.0 == 99 && nulls.1 == nil && nulls.2 == nil && nulls.3 == nil && nulls.4 == nil && nulls.5 == nil)
        }
    }

    @Test("U+0000 is refused, or dropped when asked; a row of the wrong width is refused; a refused row leaves nothing in any column")
    func refusals() throws {
        var strict = PGTextColumns(columns: 2)
        #expect(throws: PGError.self) { try strict.append(["a".pgBind, "b\u{0}c".pgBind]) }
        #expect(throws: PGError.self) { try strict.append(["only one".pgBind]) }
        try strict.append(["d".pgBind, "e".pgBind])
        #expect(strict.count == 1)
        guard case .bytes(let first)? = strict.binds[0].value else {
            Issue.record("a column travels as binary bytes")
            return
        }
        // The refused row left no element in the first column: the header, then only "d".
        #expect(first.count == 20 + 4 + 1)

        var lenient = PGTextColumns(columns: 1)
        lenient.dropsNULBytes = true
        try lenient.append(["a\u{0}b\u{0}".pgBind])
        guard case .bytes(let array)? = lenient.binds[0].value else {
            Issue.record("a column travels as binary bytes")
            return
        }
        // The header (5 × 4 bytes), then one element: its length, 2, and "ab".
        #expect(Array(array.suffix(6)) == [0, 0, 0, 2, UInt8(ascii: "a"), UInt8(ascii: "b")])
    }
}
