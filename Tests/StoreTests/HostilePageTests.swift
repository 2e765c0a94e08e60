import Connectors
import Foundation
import Postgres
import Store
import TestSupport
import Testing

/// SECURITY.md B4 at the write: what a provider page may carry that PostgreSQL or the keys cannot take.
@Suite("Hostile provider pages at the write", .enabled(if: TestDatabase.isAvailableOrRequired))
struct HostilePageTests {
    @Test("B4: duplicate ids in one page store one row, and U+0000 in an id or a value is stored without it instead of failing the page")
    func duplicatesAndNUL() async throws {
        try await TestDatabase.withMigratedDatabase { app, owner, _ in
            let tenant = try await Tenants(pool: app).create(slug: "hostile", name: "hostile").id
            let connection = UUID()
            try await insertTestConnection(owner, tenant: tenant, id: connection, account: "acct")
            // The raw JSON arrives already without U+0000 (the page reader drops it; jsonb cannot hold it).
            func group(_ id: String, _ name: String) -> RecordRow {
                RecordRow(remoteID: id, values: [name.pgBind, 1.pgBind], raw: #"{"id":"\#(id.replacingOccurrences(of: "\u{0}", with: ""))"}"#)
            }
            let rows = [group("g1", "first"), group("g1", "again"), group("g\u{0}2", "nul\u{0}name"), group("g3", "third")]
            let counts = try await app.withTenant(tenant) { sql in
                try SyncedRecords.writePage(
                    sql, tenantID: tenant, connectionID: connection, table: .groups, rows: rows, seen: nil)
            }
            #expect(counts.inserted == 3)
            let stored = try await owner.withConnection { sql in
                try sql.query("SELECT remote_id, name FROM groups ORDER BY remote_id").map { try $0.decode((String, String).self) }
            }
            #expect(stored.map(\.0) == ["g1", "g2", "g3"])
            #expect(stored.first { $0.0 == "g2" }?.1 == "nulname")
        }
    }

    @Test("a first sync's page that repeats a record an earlier page stored falls back to the upsert: one row each, counted once")
    func repeatedRecordAcrossNewPages() async throws {
        try await TestDatabase.withMigratedDatabase { app, owner, _ in
            let tenant = try await Tenants(pool: app).create(slug: "repeat", name: "repeat").id
            let connection = UUID()
            try await insertTestConnection(owner, tenant: tenant, id: connection, account: "acct")
            func write(_ ids: [String], likelyNew: Bool) async throws -> PageCounts {
                let rows = ids.map { RecordRow(remoteID: $0, values: [$0.pgBind, 1.pgBind], raw: #"{"id":"\#($0)"}"#) }
                return try await app.withTenant(tenant) { sql in
                    try SyncedRecords.writePage(
                        sql, tenantID: tenant, connectionID: connection, table: .groups, rows: rows, seen: nil,
                        likelyNew: likelyNew)
                }
            }
            let first = try await write(["a", "b"], likelyNew: false)
            #expect(first.inserted == 2 && first.allNew, "an empty table takes the first page by a plain insert")
            // The listing shifted: "b" comes again on the next page, which the stream expects to be new.
            let second = try await write(["b", "c"], likelyNew: true)
            #expect(second.inserted == 1 && second.unchanged == 1 && !second.allNew)
            let third = try await write(["d"], likelyNew: false)
            #expect(third.inserted == 1 && !third.allNew, "a table with records takes a page through the upsert")
            let stored = try await owner.withConnection { sql in
                try sql.query("SELECT remote_id FROM groups ORDER BY remote_id").map { try $0.decode(String.self, at: 0) }
            }
            #expect(stored == ["a", "b", "c", "d"])
        }
    }
}
