import Connectors
import Foundation
import Postgres
import Store
import TestSupport
import Testing

/// Synced rows live and die with their connection (migration 0020): a statement's rows have their
/// connection checked and locked once, not row by row as a foreign key did, and deleting a connection
/// deletes its rows.
@Suite("Synced rows follow their connection", .enabled(if: TestDatabase.isAvailableOrRequired))
struct ConnectionDeletionTests {
    static func row(_ id: String) -> RecordRow {
        RecordRow(remoteID: id, values: [id.pgBind, 1.pgBind], raw: #"{"id":"\#(id)"}"#)
    }

    static func write(_ app: PGPool, tenant: UUID, connection: UUID, table: RecordTable, _ ids: [String]) async throws -> PageCounts {
        try await app.withTenant(tenant) { sql in
            try SyncedRecords.writePage(sql, tenantID: tenant, connectionID: connection, table: table, rows: ids.map(Self.row), seen: nil)
        }
    }

    static func count(_ owner: PGPool, _ table: String, connection: UUID) async throws -> Int {
        try await owner.withConnection { sql in
            try sql.query(PGQuery(unsafeSQL: "SELECT count(*)::bigint FROM \(table) WHERE connection_id = $1", binding: [connection]))[0]
                .decode(Int.self, at: 0)
        }
    }

    @Test("purging a connection deletes its rows in every synced table it wrote, and no other connection's")
    func purgeDeletesTheRows() async throws {
        try await TestDatabase.withMigratedDatabase { app, owner, _ in
            let tenant = try await Tenants(pool: app).create(slug: "purge", name: "purge").id
            let (gone, kept) = (UUID(), UUID())
            try await insertTestConnection(owner, tenant: tenant, id: gone, account: "gone")
            try await insertTestConnection(owner, tenant: tenant, id: kept, account: "kept")
            for connection in [gone, kept] {
                _ = try await Self.write(app, tenant: tenant, connection: connection, table: .groups, ["g1", "g2"])
                _ = try await app.withTenant(tenant) { sql in
                    try SyncedRecords.writePage(
                        sql, tenantID: tenant, connectionID: connection, table: .roles,
                        rows: [RecordRow(remoteID: "r1", values: ["Admin".pgBind, "admins".pgBind, 2.pgBind], raw: #"{"id":"r1"}"#)], seen: nil)
                }
            }
            #expect(try await Connections(pool: app).revoke(tenantID: tenant, id: gone, reason: "test", purge: true))
            #expect(try await Self.count(owner, "groups", connection: gone) == 0)
            #expect(try await Self.count(owner, "roles", connection: gone) == 0)
            #expect(try await Self.count(owner, "groups", connection: kept) == 2)
            #expect(try await Self.count(owner, "roles", connection: kept) == 1)
        }
    }

    @Test("a page of a connection that no longer exists is refused and stores nothing")
    func pageOfDeletedConnectionIsRefused() async throws {
        try await TestDatabase.withMigratedDatabase { app, owner, _ in
            let tenant = try await Tenants(pool: app).create(slug: "deleted", name: "deleted").id
            let connection = UUID()
            try await insertTestConnection(owner, tenant: tenant, id: connection, account: "deleted")
            #expect(try await Connections(pool: app).revoke(tenantID: tenant, id: connection, reason: "test", purge: true))
            let error = await #expect(throws: PGError.self) {
                try await Self.write(app, tenant: tenant, connection: connection, table: .groups, ["g1"])
            }
            #expect(error?.sqlState == "23503")
            #expect(try await Self.count(owner, "groups", connection: connection) == 0)
        }
    }

    @Test("a connection deleted while a page of it is being written waits for the page, then takes its rows: none is left behind")
    func deletionDuringPageWrite() async throws {
        try await TestDatabase.withMigratedDatabase { app, owner, _ in
            let tenant = try await Tenants(pool: app).create(slug: "race", name: "race").id
            let connection = UUID()
            try await insertTestConnection(owner, tenant: tenant, id: connection, account: "race")
            let page = await HeldPageWrite.start(app, tenant: tenant, connection: connection, table: .groups, rows: [Self.row("g1"), Self.row("g2")])
            let deletion = Task { try await Connections(pool: app).revoke(tenantID: tenant, id: connection, reason: "test", purge: true) }
            try await Task.sleep(for: .milliseconds(300))
            page.release()
            #expect(try await page.committed.counts.inserted == 2)
            #expect(try await deletion.value)
            #expect(try await Self.count(owner, "groups", connection: connection) == 0)
        }
    }
}
