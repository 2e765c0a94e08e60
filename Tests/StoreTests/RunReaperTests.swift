import Foundation
import Postgres
import Store
import TestSupport
import Testing

/// SECURITY.md W12: the rescuer of runs whose worker died, case by case (in the manner of River's
/// `job_rescuer_test.go`): what it takes back, what it leaves alone, and when it gives up.
@Suite("Run rescuer matrix (W12)", .enabled(if: TestDatabase.isAvailableOrRequired))
struct RunReaperTests {
    /// Six tenants' runs (one active run per connection is allowed), each claimed, then set to a case.
    struct Case {
        var name: String
        var status: String = "running"
        var leaseEndsIn: Int  // seconds from now; negative: expired
        var attempt: Int = 1
        var expectedStatus: String
        var expectedStreams: String
    }

    static let cases = [
        Case(name: "expired lease, attempts left", leaseEndsIn: -5, expectedStatus: "queued", expectedStreams: "pending"),
        Case(name: "lease still running", leaseEndsIn: 60, expectedStatus: "running", expectedStreams: "running"),
        Case(name: "expired lease, last attempt", leaseEndsIn: -5, attempt: 5, expectedStatus: "failed", expectedStreams: "failed"),
        Case(name: "succeeded, lease long gone", status: "succeeded", leaseEndsIn: -600, expectedStatus: "succeeded", expectedStreams: "running"),
        Case(name: "failed, lease long gone", status: "failed", leaseEndsIn: -600, expectedStatus: "failed", expectedStreams: "running"),
        Case(name: "queued with a stale lease", status: "queued", leaseEndsIn: -600, expectedStatus: "queued", expectedStreams: "running"),
    ]

    @Test("expired leases are requeued with backoff or failed at max attempts; live leases and finished or queued runs are untouched")
    func matrix() async throws {
        try await TestDatabase.withMigratedDatabase { app, owner, _ in
            let runs = SyncRuns(pool: app)
            var created: [(tenant: UUID, run: UUID)] = []
            for (index, _) in Self.cases.enumerated() {
                let tenant = try await Tenants(pool: app).create(slug: "reap-\(index)", name: "reap").id
                let connection = UUID()
                try await owner.withConnection { sql in
                    try sql.execute(
                        """
                        INSERT INTO connections (tenant_id, id, provider, mode, status, external_account_id, client_id)
                        VALUES (\(tenant), \(connection), 'zoom', 'server_to_server', 'active', \("acct-\(index)"), 'client')
                        """)
                }
                let (run, _) = try await runs.enqueue(tenantID: tenant, connectionID: connection, streams: ["users", "groups"], trigger: .manual)
                created.append((tenant, run))
            }
            #expect(try await runs.claim(workerID: "w1", lease: .seconds(30), limit: 10).count == Self.cases.count)
            let ids = created
            try await owner.withConnection { sql in
                for (index, entry) in Self.cases.enumerated() {
                    try sql.execute(
                        """
                        UPDATE sync_runs SET status = \(entry.status), attempt = \(entry.attempt),
                            locked_until = now() + make_interval(secs => \(entry.leaseEndsIn))
                        WHERE id = \(ids[index].run)
                        """)
                    try sql.execute("UPDATE sync_run_streams SET status = 'running' WHERE run_id = \(ids[index].run)")
                }
            }
            let (requeued, failed) = try await runs.reapExpired { _ in .seconds(30) }
            #expect(requeued == 1 && failed == 1)
            for (index, entry) in Self.cases.enumerated() {
                let (status, backoff, streams) = try await owner.withConnection { sql in
                    try sql.query(
                        """
                        SELECT status, extract(epoch FROM run_at - now())::float8,
                            (SELECT string_agg(DISTINCT status, ',') FROM sync_run_streams WHERE run_id = r.id)
                        FROM sync_runs r WHERE id = \(ids[index].run)
                        """)[0].decode((String, Double, String).self)
                }
                #expect(status == entry.expectedStatus, "\(entry.name)")
                #expect(streams == entry.expectedStreams, "\(entry.name): streams \(streams)")
                if entry.expectedStatus == "queued" && entry.status == "running" {
                    #expect((25...31).contains(backoff), "\(entry.name): backoff applied, \(backoff) s")
                }
            }
            #expect(try await runs.reapExpired { _ in .seconds(30) } == (0, 0), "a second pass finds nothing")
        }
    }
}
