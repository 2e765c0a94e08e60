import Credentials
import CurlHTTP
import Foundation
import OAuth
import Postgres
import Sensitive
import Store
import Sync
import TestSupport
import Testing
import ZoomSandbox

/// What is worth trying again (issue 18, finding 9).
@Suite("Retry policy", .enabled(if: TestDatabase.isAvailableOrRequired))
struct RetryPolicyTests {
    @Test("a 4xx refusal fails its stream at once, in the first attempt, and is not requested again")
    func refusalIsNotRetried() async throws {
        try await withSyncHarness(sandbox: {
            $0.users = 50; $0.rateLimits = false
        }) { h in
            #expect(try await h.control("POST", "/faults", ["error_rate": 1.0, "error_status": 403]).status == 200)
            let run = try await h.sync(["users"], timeout: .seconds(60))
            #expect(run.status == .failed)
            #expect(run.attempt == 1, "no attempt is spent retrying a refusal")
            #expect(run.stream("users")?.error?.hasPrefix("rejected: ") == true, "\(run.stream("users")?.error ?? "")")
            #expect(h.sandbox.requestCounts["/v2/users", default: 0] == 1)
        }
    }

    @Test("a 5xx answer is still retried, within the call and across attempts")
    func serverErrorsAreRetried() async throws {
        try await withSyncHarness(sandbox: {
            $0.users = 50; $0.rateLimits = false
        }) { h in
            #expect(try await h.control("POST", "/faults", ["error_rate": 1.0, "error_status": 503]).status == 200)
            let run = try await h.sync(["users"], timeout: .seconds(120))
            #expect(run.status == .failed)
            #expect(run.attempt == 5)
            #expect(h.sandbox.requestCounts["/v2/users", default: 0] >= 5 * 5, "five tries in each of five attempts")
        }
    }

    @Test("W9: a poison run (its account always answers 500) is given up after its attempts while another tenant's runs complete")
    func poisonRunDoesNotHoldOthersBack() async throws {
        try await withSyncHarness(sandbox: {
            $0.users = 50; $0.rateLimits = false
        }) { h in
            let connect = try #require(h.connect)
            let other = h.sandbox.world.accounts[2]
            let app = try #require(h.sandbox.world.apps.first { $0.kind == .serverToServer(accountIndex: 2) })
            let beta = try await Tenants(pool: h.pool).create(slug: "beta", name: "Beta")
            let (betaConnection, _) = try await connect.connectServerToServer(
                tenantID: beta.id, provider: "zoom", accountID: other.id,
                client: ClientCredentials(clientID: app.clientID, clientSecret: Secret(app.clientSecret)), name: nil)
            _ = try await h.owner.withConnection { try $0.execute("DELETE FROM sync_runs WHERE trigger = 'connect'") }
            #expect(try await h.control("POST", "/faults", ["error_rate": 1.0, "error_status": 500, "account_ids": [h.account.id]]).status == 200)
            let (poison, worker) = try await h.start(["users"])
            defer { worker.cancel() }
            var finished = 0
            for _ in 0..<3 {
                let (healthy, _) = try await h.runs.enqueue(tenantID: beta.id, connectionID: betaConnection.id, streams: ["users"], trigger: .manual)
                let run = try #require(try await waitFor(h, tenant: beta.id, run: healthy))
                if run.status == .succeeded { finished += 1 }
            }
            #expect(finished == 3, "the other tenant's runs completed while the poison run was retried")
            let failed = try await h.waitFor(poison) { $0.isOver }
            #expect(failed.status == .failed && failed.attempt == 5)
            #expect(
                try await h.count("SELECT count(*) FROM users WHERE tenant_id = '\(beta.id.uuidString)' AND sub_account_id IS NULL")
                    == h.sandbox.userCount(other))
        }
    }

    func waitFor(_ h: SyncHarness, tenant: UUID, run: UUID) async throws -> SyncRun? {
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            if let found = try await h.runs.find(tenantID: tenant, id: run), found.isOver { return found }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }
}
