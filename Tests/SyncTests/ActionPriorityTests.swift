import Connectors
import Credentials
import Foundation
import Store
import Sync
import TestSupport
import Testing
import ZoomSandbox

/// Actions do not queue behind syncs (DESIGN §6.1): their worker claims on its own loop, and their writes
/// draw on their own rate-limit categories of the account's shared budget.
@Suite("Actions beside a large sync", .enabled(if: TestDatabase.isAvailableOrRequired))
struct ActionPriorityTests {
    @Test("an action queued while a 100,000-user sync of the same account runs starts within 2 s and succeeds before the sync ends")
    func startsDuringALargeSync() async throws {
        try await withSyncHarness(sandbox: { $0.users = 100_000 }) { h in
            let actions = Task { try await ActionWorker(dependencies: h.dependencies).run() }
            defer { actions.cancel() }
            let (runID, syncing) = try await h.start(["users"])
            defer { syncing.cancel() }
            _ = try await h.waitFor(runID) { ($0.stream("users")?.pages ?? 0) >= 3 }
            let member = try #require(
                (3..<200).lazy.compactMap { h.sandbox.user(h.account, index: $0) }.first { $0.roleID == "2" && $0.status == "active" })
            let connection = try #require(try await h.connections.find(tenantID: h.tenantID, id: h.connectionID))
            let deactivate = try #require(h.dependencies.registry.connector("zoom")?.action(named: "user.deactivate"))
            let ledger = ActionLedger(pool: h.pool)
            var action = try await ledger.ask(
                deactivate, input: .object(["user": .string(member.id)]), of: connection, dryRun: false, idempotencyKey: nil, requestedBy: "test"
            ) { _, _ in throw CancellationError() }.action
            let deadline = ContinuousClock.now + TestScale.bound(.seconds(30))
            while !action.status.isTerminal, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                action = try await ledger.find(tenantID: h.tenantID, id: action.id) ?? action
            }
            #expect(action.status == .succeeded, "\(action.errorCode ?? "") \(action.errorMessage ?? "")")
            let waited = try #require(action.startedAt).timeIntervalSince(action.createdAt)
            #expect(waited < TestScale.bound(.seconds(2)) / .seconds(1), "started \(waited) s after it was asked")
            Figures.record("actions.start_during_sync_seconds", waited)
            #expect(try await h.runs.find(tenantID: h.tenantID, id: runID)?.status == .running, "the sync was still going")
        }
    }
}
