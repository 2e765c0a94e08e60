import CurlHTTP
import Foundation
import Postgres
import Store
import TestSupport
import Testing
import ZoomSandbox

/// What Tether stops keeping (issue 18, finding 11): abandoned OAuth flows and their sealed secrets, and
/// old links, runs and events past the retention period.
@Suite("Retention", .enabled(if: TestDatabase.isAvailableOrRequired))
struct RetentionTests {
    func count(_ h: Harness, _ sql: String) async throws -> Int {
        try await h.owner.withConnection { try $0.query(PGQuery(unsafeSQL: sql))[0].decode(Int.self, at: 0) }
    }

    @Test(
        "an abandoned flow goes with its sealed secrets an hour after it expired; old links, finished runs and delivered events go after the retention period; the rest stays"
    )
    func sweep() async throws {
        try await withHarness { h in
            let (tenant, key) = try await h.makeTenant("acme")
            let tenantID = try #require(UUID(uuidString: tenant))
            // A custom-mode flow started at the provider and never finished: its client secret and PKCE verifier are sealed in it.
            var browser = Browser(h)
            let started = try await browser.start(
                try await h.connectURL("acme", key: key, mode: "custom"), client: (h.customApp().clientID, h.customApp().clientSecret))
            #expect(started.status == 303)
            _ = try await h.connectURL("acme", key: key)
            let connection = try #require(UUID(uuidString: try await EventTests.connectServerToServer(h, key: key)))
            let runs = SyncRuns(pool: h.app)
            // The connect queued the first run; it finished long ago, and a new one is queued now.
            let (oldRun, _) = try await runs.enqueue(tenantID: tenantID, connectionID: connection, streams: ["users"], trigger: .manual)
            try await h.owner.withConnection { sql in
                _ = try sql.execute("UPDATE sync_runs SET status = 'succeeded', finished_at = now() - interval '100 days' WHERE id = \(oldRun)")
            }
            _ = try await runs.enqueue(tenantID: tenantID, connectionID: connection, streams: ["users"], trigger: .manual)
            // Two actions: one that ended long ago, one still queued.
            let ledger = ActionLedger(pool: h.app)
            for key in ["old", "queued"] {
                _ = try await ledger.create(
                    tenantID: tenantID, connectionID: connection, action: "user.activate", input: "{}", dryRun: false, idempotencyKey: key,
                    requestHash: Data(key.utf8), requestedBy: "test")
            }
            try await h.owner.withConnection { sql in
                _ = try sql.execute(
                    "UPDATE actions SET status = 'succeeded', finished_at = now() - interval '100 days' WHERE idempotency_key = 'old'")
                _ = try sql.execute("UPDATE oauth_flows SET expires_at = now() - interval '2 hours'")
                _ = try sql.execute("UPDATE events SET created_at = now() - interval '100 days'")
                _ = try sql.execute(
                    "UPDATE connect_sessions SET expires_at = now() - interval '100 days' WHERE id = (SELECT min(id::text)::uuid FROM connect_sessions)"
                )
            }
            let before = (
                flows: try await count(h, "SELECT count(*)::bigint FROM oauth_flows"),
                sessions: try await count(h, "SELECT count(*)::bigint FROM connect_sessions"),
                events: try await count(h, "SELECT count(*)::bigint FROM events")
            )
            #expect(before.flows >= 1 && before.sessions >= 2 && before.events >= 1)

            let swept = try await Retention(pool: h.app).sweep(tenantID: tenantID, olderThan: Date().addingTimeInterval(-90 * 86_400))
            #expect(swept.abandonedFlows >= 1)
            #expect(swept.syncRuns == 1)
            #expect(swept.events == before.events, "every old event was past delivery (no webhook)")
            #expect(try await count(h, "SELECT count(*)::bigint FROM oauth_flows WHERE client_secret IS NOT NULL OR code_verifier IS NOT NULL") == 0)
            #expect(try await count(h, "SELECT count(*)::bigint FROM connect_sessions") == before.sessions - swept.connectSessions)
            #expect(swept.connectSessions == 1, "the link that expired 100 days ago, not the fresh one")
            #expect(try await count(h, "SELECT count(*)::bigint FROM sync_runs") == 1, "the queued run stays")
            #expect(swept.actions == 1)
            #expect(try await count(h, "SELECT count(*)::bigint FROM actions") == 1, "the queued action stays")
            #expect(try await count(h, "SELECT count(*)::bigint FROM connections") == 1)

            let again = try await Retention(pool: h.app).sweep(tenantID: tenantID, olderThan: Date().addingTimeInterval(-90 * 86_400))
            #expect(again == Retention.Swept(), "a second sweep finds nothing")
        }
    }
}
