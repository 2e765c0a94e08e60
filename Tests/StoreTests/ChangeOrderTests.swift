import Connectors
import Foundation
import Postgres
import Store
import TestSupport
import Testing

/// Keyset pages and `updated_since` stay lossless while syncs write: a row committed after a reader was
/// served a page is always stamped after every row of that page.
@Suite("Change order under concurrent writes", .enabled(if: TestDatabase.isAvailableOrRequired))
struct ChangeOrderTests {

    static func group(_ name: String) -> RecordRow {
        RecordRow(remoteID: name, values: [name.pgBind, 1.pgBind], raw: #"{"id":"\#(name)"}"#)
    }

    @Test("a page write that began first but commits last is stamped after every row a reader was already served")
    func lateCommitLandsAfterServedPage() async throws {
        try await TestDatabase.withMigratedDatabase { app, owner, _ in
            let tenant = try await Tenants(pool: app).create(slug: "order", name: "order").id
            let (slowConnection, fastConnection) = (UUID(), UUID())
            try await insertTestConnection(owner, tenant: tenant, id: slowConnection, account: "slow")
            try await insertTestConnection(owner, tenant: tenant, id: fastConnection, account: "fast")
            // The slow page write stamps its row, then holds its transaction open.
            let slow = await HeldPageWrite.start(app, tenant: tenant, connection: slowConnection, table: .groups, rows: [Self.group("slow-row")])
            // A later write of another connection, given time to commit if nothing holds it back, then a
            // reader, both while the slow write is open.
            let fast = Task {
                try await app.withTenant(tenant) { sql in
                    try SyncedRecords.writePage(
                        sql, tenantID: tenant, connectionID: fastConnection, table: .groups,
                        rows: [Self.group("fast-row")], seen: nil)
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            let page = Task {
                try await SyncedData(pool: app).list(
                    tenantID: tenant, RecordListQuery(table: "groups", columns: [ListedColumn("name", .plain)]))
            }
            try await Task.sleep(for: .milliseconds(300))
            slow.release()
            _ = try await (slow.committed, fast.value)
            let served = try await page.value.rows.map { row in
                try #require(JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any])["name"] as? String
            }
            let stamps = try await owner.withConnection { sql in
                try sql.query("SELECT name, (extract(epoch FROM updated_at) * 1000000)::bigint FROM groups")
                    .map { try $0.decode((String, Int64).self) }
            }
            let stamp = Dictionary(uniqueKeysWithValues: stamps)
            let servedUpTo = try #require(served.compactMap { $0.flatMap { stamp[$0] } }.max())
            #expect(!served.isEmpty)
            for (name, stamped) in stamps where !served.contains(name) {
                #expect(stamped > servedUpTo, "\(name) committed behind a page already served")
            }
            #expect(served.contains("slow-row"), "the reader waited for the open write instead of passing it")
        }
    }

    @Test("a page of new records that another writer stores meanwhile is upserted instead: nothing lost, nothing doubled")
    func newPageRacingAnotherWriter() async throws {
        try await TestDatabase.withMigratedDatabase { app, owner, _ in
            let tenant = try await Tenants(pool: app).create(slug: "race", name: "race").id
            let connection = UUID()
            try await insertTestConnection(owner, tenant: tenant, id: connection, account: "account")
            // The first writer stores "shared" and holds its transaction open.
            let first = await HeldPageWrite.start(app, tenant: tenant, connection: connection, table: .groups, rows: [Self.group("shared")])
            // The second finds neither record stored (the first has not committed) and waits for the first.
            let second = Task {
                try await app.withTenant(tenant) { sql in
                    try SyncedRecords.writePage(
                        sql, tenantID: tenant, connectionID: connection, table: .groups,
                        rows: [Self.group("shared"), Self.group("own")], seen: nil)
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            first.release()
            let (firstWrite, secondCounts) = try await (first.committed, second.value)
            #expect(firstWrite.counts.inserted == 1)
            #expect(secondCounts.inserted == 1 && secondCounts.unchanged == 1 && secondCounts.updated == 0)
            let names = try await owner.withConnection { sql in
                try sql.query("SELECT name FROM groups ORDER BY name").map { try $0.decode(String.self, at: 0) }
            }
            #expect(names == ["own", "shared"])
        }
    }

    @Test("the order is kept per table: while a write of groups is open, roles are written and read")
    func otherTablesDoNotWait() async throws {
        try await TestDatabase.withMigratedDatabase { app, owner, _ in
            let tenant = try await Tenants(pool: app).create(slug: "tables", name: "tables").id
            let connection = UUID()
            try await insertTestConnection(owner, tenant: tenant, id: connection, account: "account")
            let held = await HeldPageWrite.start(app, tenant: tenant, connection: connection, table: .groups, rows: [Self.group("held")])

            let started = ContinuousClock.now
            let role = RecordRow(remoteID: "r1", values: ["Admin".pgBind, "admins".pgBind, 2.pgBind], raw: #"{"id":"r1"}"#)
            let roles = try await app.withTenant(tenant) { sql in
                try SyncedRecords.writePage(sql, tenantID: tenant, connectionID: connection, table: .roles, rows: [role], seen: nil)
            }
            let listed = try await SyncedData(pool: app).list(
                tenantID: tenant, RecordListQuery(table: "roles", columns: [ListedColumn("name", .plain)]))
            let waited = ContinuousClock.now - started
            held.release()
            #expect(try await held.committed.released, "the write of groups was still open, not ended by its timeout")
            #expect(roles.inserted == 1 && listed.rows.count == 1)
            #expect(waited < .seconds(10), "roles waited \(waited) for a write of groups")
        }
    }
}
