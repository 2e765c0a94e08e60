import Connectors
import Foundation
import Postgres
import Store
import Sync
import TestSupport
import Testing
import ZoomConnector
import ZoomSandbox

/// A used-up daily quota holds back only its own category (issue 18, finding 9).
@Suite("Daily quota of one category", .enabled(if: TestDatabase.isAvailableOrRequired))
struct QuotaHoldbackTests {
    @Test("with the Heavy quota used up, users still sync; the Heavy stream waits and the run is queued again for midnight, no attempt used")
    func otherCategoriesGoOn() async throws {
        try await withSyncHarness(sandbox: { $0.users = 60 }) { h in
            let heavy = try #require(ZoomCatalog.streams.first { $0.name == "invoices" })
            let quota = ZoomConnector(configuration: .init(), http: SandboxTransport(sandbox: h.sandbox)).rateLimit(bucket: "Heavy", plan: "pro")
                .dailyQuota
            _ = try await h.owner.withConnection { sql in
                try sql.execute(
                    """
                    INSERT INTO provider_quota_usage (provider, account_id, quota, day, used)
                    VALUES ('zoom', \(h.account.id), \(quota), (now() AT TIME ZONE 'UTC')::date, 100000000)
                    """)
            }
            let (runID, worker) = try await h.start([heavy.name, "users"])
            defer { worker.cancel() }
            let run = try await h.waitFor(runID) { $0.status == .queued && $0.stream("users")?.status == .succeeded }
            #expect(run.stream(heavy.name)?.status == .pending)
            #expect(run.attempt == 0, "waiting for a quota uses no attempt")
            #expect(run.lastError?.contains("quota") == true, "\(run.lastError ?? "")")
            let runAt = try await h.rows("SELECT run_at FROM sync_runs WHERE id = '\(runID.uuidString)'")[0].decode(Date.self, at: 0)
            #expect(runAt > Date().addingTimeInterval(60), "queued again for when the quota resets")
            #expect(try await h.count("SELECT count(*) FROM users") == h.sandbox.userCount(h.account))
        }
    }
}
