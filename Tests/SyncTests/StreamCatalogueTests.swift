import Connectors
import Credentials
import Foundation
import Postgres
import Store
import Sync
import TestSupport
import Testing

/// A stream added in a release reaches connections authorized before it (DESIGN §6.2's new streams).
@Suite("Stream catalogue", .enabled(if: TestDatabase.isAvailableOrRequired))
struct StreamCatalogueTests {
    @Test(
        "the scheduler gives an older connection a new stream, permitted by its grant, and drops one the connector no longer has; the other streams keep their history"
    )
    func adoptsTheCatalogue() async throws {
        try await withSyncHarness { h in
            #expect(try await h.sync(["users"]).status == .succeeded)
            let users = try #require(try await h.connections.find(tenantID: h.tenantID, id: h.connectionID)?.streams.first { $0.name == "users" })
            // As if authorized by an older release: a stream it did not know yet, and one it had that is gone.
            try await h.owner.withConnection { sql in
                try sql.execute("DELETE FROM connection_streams WHERE name = 'phone_call_history'")
                try sql.execute(
                    """
                    INSERT INTO connection_streams (tenant_id, connection_id, name, permitted)
                    VALUES (\(h.tenantID), \(h.connectionID), 'retired_stream', true)
                    """)
            }
            let scheduler = SyncScheduler(dependencies: h.dependencies)
            #expect(await scheduler.tick() == 1)
            let connection = try #require(try await h.connections.find(tenantID: h.tenantID, id: h.connectionID))
            let catalogue = try #require(h.dependencies.registry.connector("zoom")).streams.map(\.name)
            #expect(connection.streams.map(\.name).sorted() == catalogue.sorted())
            let added = try #require(connection.streams.first { $0.name == "phone_call_history" })
            #expect(added.permitted && added.missingScopes.isEmpty, "the app's grant covers it")
            let kept = try #require(connection.streams.first { $0.name == "users" })
            #expect(kept.state == users.state && kept.lastRunAt == users.lastRunAt && kept.nextSyncAt == users.nextSyncAt)
            let queued = try #require(try await h.runs.recent(tenantID: h.tenantID, limit: 1).first)
            #expect(queued.status == .queued && queued.streams.contains { $0.name == "phone_call_history" }, "the new stream is due at once")
            // Nothing drifts any more: a second pass changes nothing.
            #expect(try await h.connections.streamCatalogueDrift(tenantID: h.tenantID, provider: "zoom", catalogue: catalogue).isEmpty)
        }
    }
}
