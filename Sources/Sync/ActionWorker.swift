import Foundation
import Logging
import NIOConcurrencyHelpers
public import ServiceLifecycle
import Store

/// Claims actions and carries them out, a few at a time, beside the sync worker in `tether serve` and
/// `tether worker`. Actions have a claim loop of their own, so one queued behind a long sync starts at the
/// next poll and only waits for the account's next rate-limit slot.
public final class ActionWorker: Service, Sendable {
    public let id: String
    let dependencies: SyncDependencies
    /// Actions carried out at once by this process.
    let concurrency: Int

    public init(dependencies: SyncDependencies, id: String = SyncWorker.makeID(), concurrency: Int = 4) {
        self.dependencies = dependencies
        self.id = id
        self.concurrency = concurrency
    }

    public func run() async throws {
        let inFlight = NIOLockedValueBox(0)
        let ledger = ActionLedger(pool: dependencies.pool)
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                let free = concurrency - inFlight.withLockedValue { $0 }
                // While every slot is taken, or the last claim filled them all (more may wait), a slot that
                // frees is taken at once; only an empty queue waits for the next poll.
                var queueMayHoldMore = free == 0
                if free > 0 {
                    do {
                        let claimed = try await ledger.claim(workerID: id, lease: dependencies.configuration.lease, limit: free)
                        queueMayHoldMore = claimed.count == free
                        for action in claimed {
                            inFlight.withLockedValue { $0 += 1 }
                            group.addTask {
                                await ActionExecutor(action: action, dependencies: self.dependencies).carryOut()
                                inFlight.withLockedValue { $0 -= 1 }
                            }
                        }
                    } catch {
                        dependencies.logger.warning("could not claim actions", metadata: ["error": "\(error)"])
                    }
                }
                try? await Task.sleep(for: queueMayHoldMore ? .milliseconds(10) : min(dependencies.configuration.pollInterval, .milliseconds(250)))
            }
        }
    }
}
