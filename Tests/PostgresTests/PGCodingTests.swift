import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Binds and typed decoding against PostgreSQL", .enabled(if: TestDatabase.isAvailableOrRequired))
struct PGCodingTests {
    /// Sends `value` as a bind, casts it to `sqlType` on the server, and decodes it back.
    func roundTrip<T: PGEncodable & PGDecodable>(_ value: T, as sqlType: String, on pool: PGPool) async throws -> T {
        try await pool.withConnection { connection in
            try connection.query("SELECT \(value)::\(unescaped: sqlType)")[0].decode(T.self, at: 0)
        }
    }

    @Test("every supported type survives a round trip, NULL included")
    func roundTrips() async throws {
        try await TestDatabase.withFreshDatabase { pool, _ in
            for text in ["", "plain", "ünïcödé ✓ 漢字 🦊", "quote ' and \" and \\ and $1", String(repeating: "x", count: 100_000)] {
                #expect(try await roundTrip(text, as: "text", on: pool) == text)
            }
            for number in [0, 1, -1, Int.max, Int.min] { #expect(try await roundTrip(number, as: "int8", on: pool) == number) }
            #expect(try await roundTrip(Int32.min, as: "int4", on: pool) == Int32.min)
            #expect(try await roundTrip(Int16.max, as: "int2", on: pool) == Int16.max)
            #expect(try await roundTrip(true, as: "bool", on: pool) == true)
            #expect(try await roundTrip(false, as: "bool", on: pool) == false)
            for double in [0.1, -1e300, Double.infinity, -Double.infinity, 123.456] {
                #expect(try await roundTrip(double, as: "float8", on: pool) == double)
            }
            #expect(try await roundTrip(Double.nan, as: "float8", on: pool).isNaN)
            let id = UUID()
            #expect(try await roundTrip(id, as: "uuid", on: pool) == id)
            let instant = Date(timeIntervalSince1970: 1_700_000_000.123456)
            let back = try await roundTrip(instant, as: "timestamptz", on: pool)
            #expect(abs(back.timeIntervalSince1970 - instant.timeIntervalSince1970) < 0.000_001)
            #expect(try await roundTrip(Date.distantFuture, as: "timestamptz", on: pool) == .distantFuture)
            let day = PGDate(year: 2024, month: 2, day: 29)
            #expect(try await roundTrip(day, as: "date", on: pool) == day)
            #expect(try await roundTrip(Decimal(string: "12345.6789")!, as: "numeric", on: pool) == Decimal(string: "12345.6789")!)
            let huge = try PGNumeric("-123456789012345678901234567890123456789012345.000000001")
            #expect(try await roundTrip(huge, as: "numeric", on: pool) == huge)
            let json = try PGJSON(encoding: ["name": "Zoë", "nested": "{\"x\":1}"])
            #expect(try await roundTrip(json, as: "jsonb", on: pool).decode([String: String].self) == ["name": "Zoë", "nested": "{\"x\":1}"])
            let bytes = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            #expect(try await roundTrip(bytes, as: "bytea", on: pool) == bytes)
            #expect(try await roundTrip(Data(), as: "bytea", on: pool) == Data())
            let strings = ["a", "", "with,comma", "{brace}", "quote\"d", "back\\slash", "NULL", " spaced ", "ü"]
            #expect(try await roundTrip(strings, as: "text[]", on: pool) == strings)
            #expect(try await roundTrip([String](), as: "text[]", on: pool) == [])
            #expect(try await roundTrip([3, -2, 1], as: "int8[]", on: pool) == [3, -2, 1])
            #expect(try await roundTrip([id, id], as: "uuid[]", on: pool) == [id, id])

            let nulls = try await pool.query("SELECT NULL::text, NULL::int8, NULL::bool, NULL::uuid, NULL::timestamptz, NULL::bytea, NULL::jsonb")
            let row = nulls[0]
            let decoded = try row.decode((String?, Int?, Bool?, UUID?, Date?, Data?, PGJSON?).self)
            #expect(decoded.0 == nil && decoded.1 == nil && decoded.2 == nil && decoded.3 == nil)
            #expect(decoded.4 == nil && decoded.5 == nil && decoded.6 == nil)
            let optional: String? = nil
            #expect(try await pool.query("SELECT \(optional)::text IS NULL")[0].decode(Bool.self, at: 0))
        }
    }

    @Test("timestamps decode correctly whatever the session time zone")
    func timeZones() async throws {
        try await TestDatabase.withFreshDatabase { pool, _ in
            let instant = Date(timeIntervalSince1970: 1_234_567_890.5)
            for zone in ["UTC", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham", "Europe/Lisbon"] {
                let decoded = try await pool.withTransaction { connection in
                    try connection.query("SELECT set_config('TimeZone', \(zone), true)")
                    return try connection.query("SELECT \(instant)::timestamptz")[0].decode(Date.self, at: 0)
                }
                #expect(decoded == instant, "time zone \(zone)")
            }
        }
    }

    @Test("a NULL decoded as a non-optional, or text decoded as a number, fails naming the column but not the value")
    func decodingFailures() async throws {
        try await TestDatabase.withFreshDatabase { pool, _ in
            let result = try await pool.query("SELECT NULL::text AS missing, 'secret-value-123' AS word")
            let nullError = #expect(throws: PGError.self) { try result[0].decode(String.self, column: "missing") }
            #expect(nullError?.code == .decoding)
            #expect(nullError?.description.contains("missing") == true)
            let typeError = #expect(throws: PGError.self) { try result[0].decode(Int.self, column: "word") }
            #expect(typeError?.description.contains("word") == true)
            #expect(typeError?.description.contains("secret-value-123") == false)
            #expect(throws: PGError.self) { try result[0].decode(String.self, column: "no_such_column") }
        }
    }
}
