import Foundation
import Postgres
import Store
import TestSupport
import Testing
import Transport
import ZoomSandbox

/// A master account's sub accounts are walked (DESIGN §6.2): their users and plan usage are synced under the
/// master's connection, tagged with the sub account.
@Suite("Master accounts", .enabled(if: TestDatabase.isAvailableOrRequired))
struct SubAccountSyncTests {
    @Test("a master account's sync stores each sub account's users and plan usage tagged with it; an ordinary account's has none")
    func subAccountsWalked() async throws {
        try await withSyncHarness(login: .serverToServer(account: 2)) { h in
            let master = h.sandbox.world.accounts[2]
            let subs = h.sandbox.world.subAccounts(of: master)
            #expect(subs.count == 3)
            let run = try await h.sync(["users", "plan_usage", "sub_accounts"])
            #expect(run.status == .succeeded, "\(run.lastError ?? "")")
            #expect(try await h.count("SELECT count(*) FROM users WHERE sub_account_id IS NULL") == h.sandbox.userCount(master))
            for sub in subs {
                let stored = try await h.rows("SELECT remote_id FROM users WHERE sub_account_id = '\(sub.id)'").map {
                    try $0.decode(String.self, at: 0)
                }
                let expected = (0..<h.sandbox.userCount(sub)).compactMap { h.sandbox.user(sub, index: $0)?.id }
                #expect(Set(stored) == Set(expected), "\(sub.name)")
                #expect(try await h.count("SELECT count(*) FROM billing_plan_usage WHERE sub_account_id = '\(sub.id)' AND plan = 'base'") == 1)
                // The sub account listed by sub_accounts is the one its users are tagged with.
                #expect(try await h.count("SELECT count(*) FROM sub_accounts WHERE remote_id = '\(sub.id)'") == 1)
            }
            #expect(try await h.count("SELECT count(*) FROM billing_plan_usage WHERE sub_account_id IS NULL AND plan = 'base'") == 1)
            let again = try await h.sync(["users", "plan_usage"])
            #expect(again.stream("users")?.inserted == 0 && again.stream("users")?.updated == 0)
            #expect(again.stream("plan_usage")?.inserted == 0 && again.stream("plan_usage")?.updated == 0)
        }
        try await withSyncHarness(sandbox: { $0.users = 20 }) { h in
            let run = try await h.sync(["users", "plan_usage"])
            #expect(run.status == .succeeded)
            #expect(try await h.count("SELECT count(*) FROM users WHERE sub_account_id IS NOT NULL") == 0)
            #expect(try await h.count("SELECT count(*) FROM users") == h.sandbox.userCount(h.account))
        }
    }
}
