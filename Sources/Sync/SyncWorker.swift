import Foundation
import Logging
import NIOConcurrencyHelpers
public import ServiceLifecycle
import Store

/// Claims queued runs and carries them out, up to ``SyncConfiguration/concurrency`` at a time, while
/// extending their leases; rescues runs whose worker died. Any number of workers, in any number of
/// processes, share one database. On graceful shutdown it stops claiming, lets runs in flight finish for
/// the grace period, then hands the rest back to the queue.
public final class SyncWorker: Service, Sendable {
    public let id: String
    let dependencies: SyncDependencies
    private let stopping = NIOLockedValueBox(false)

    public init(dependencies: SyncDependencies, id: String = SyncWorker.makeID()) {
        self.dependencies = dependencies
        self.id = id
    }

    /// `host:pid:random`, so a run's `locked_by` says which process holds it.
    public static func makeID() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8).lowercased())"
    }

    var runs: SyncRuns { SyncRuns(pool: dependencies.pool) }
    var configuration: SyncConfiguration { dependencies.configuration }

    public func run() async throws {
        dependencies.logger.info("sync worker started", metadata: ["worker_id": "\(id)", "concurrency": "\(configuration.concurrency)"])
        await withGracefulShutdownHandler {
            await work()
        } onGracefulShutdown: {
            self.stopping.withLockedValue { $0 = true }
        }
    }

    private func work() async {
        let inFlight = NIOLockedValueBox(0)
        await withDiscardingTaskGroup { group in
            var lastReap = ContinuousClock.now - configuration.reapInterval
            while !stopping.withLockedValue({ $0 }) && !Task.isCancelled {
                if ContinuousClock.now - lastReap >= configuration.reapInterval {
                    lastReap = .now
                    await reap()
                }
                let free = configuration.concurrency - inFlight.withLockedValue { $0 }
                if free > 0 {
                    do {
                        for claimed in try await runs.claim(workerID: id, lease: configuration.lease, limit: free) {
                            inFlight.withLockedValue { $0 += 1 }
                            group.addTask {
                                await self.carryOut(claimed)
                                inFlight.withLockedValue { $0 -= 1 }
                            }
                        }
                    } catch {
                        dependencies.logger.warning("could not claim sync runs", metadata: ["error": "\(error)"])
                    }
                }
                try? await Task.sleep(for: configuration.pollInterval)
            }
            // Runs in flight may finish within the grace period; then they are cancelled, which hands them back.
            let deadline = ContinuousClock.now + configuration.shutdownGrace
            while inFlight.withLockedValue({ $0 }) > 0, ContinuousClock.now < deadline, !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
            }
            group.cancelAll()
        }
    }

    private func reap() async {
        do {
            let reaped = try await runs.reapExpired { [configuration] in configuration.runBackoff($0) }
            if reaped.requeued + reaped.failed > 0 {
                dependencies.logger.notice(
                    "rescued sync runs whose worker stopped", metadata: ["requeued": "\(reaped.requeued)", "failed": "\(reaped.failed)"])
            }
        } catch {
            dependencies.logger.warning("could not rescue expired sync runs", metadata: ["error": "\(error)"])
        }
    }

    private func carryOut(_ claimed: ClaimedRun) async {
        let executor = RunExecutor(run: claimed, dependencies: dependencies)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await executor.execute() }
            group.addTask { await self.keepLease(claimed) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Extends the lease every third of it; when the lease is gone, the run's task is cancelled.
    private func keepLease(_ claimed: ClaimedRun) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.lease / 3)
            guard !Task.isCancelled else { return }
            do {
                if try await !runs.heartbeat(claimed, lease: configuration.lease) {
                    dependencies.logger.warning("a sync run's lease was lost", metadata: ["run_id": "\(claimed.runID)"])
                    return
                }
            } catch {
                dependencies.logger.warning("could not extend a sync run's lease", metadata: ["error": "\(error)"])
            }
        }
    }
}
