import Credentials
import Foundation
import Store

/// The decisions an attempt of a run makes, without I/O: what a failed stream becomes, how the attempt
/// ends, and what an interruption of the whole run calls for. ``RunExecutor`` carries them out.
enum RunState {
    /// A stream that failed in this attempt is given up in the run's last attempt; otherwise it waits for
    /// the next one.
    static func statusAfterFailure(attempt: Int, maxAttempts: Int) -> StreamStatus {
        attempt >= maxAttempts ? .failed : .pending
    }

    /// How an attempt ends once every unfinished stream has had its turn.
    enum Ending: Equatable {
        /// Some stream failed and attempts are left: queue the run again for the failed streams.
        case retryFailedStreams
        /// Some streams wait for their rate-limit category; nothing failed: queue the run again for then,
        /// without using an attempt.
        case waitForQuota(until: Date)
        /// The run is over.
        case finish(RunStatus)
    }

    static func ending(of streams: [SyncRunStream], attemptFailed: Bool, deferredUntil: Date? = nil, attempt: Int, maxAttempts: Int) -> Ending {
        if attemptFailed && attempt < maxAttempts { return .retryFailedStreams }
        if let deferredUntil { return .waitForQuota(until: deferredUntil) }
        return .finish(outcome(of: streams))
    }

    /// succeeded when no stream failed; failed when every stream that could run failed; partial otherwise.
    static func outcome(of streams: [SyncRunStream]) -> RunStatus {
        let failed = streams.filter { $0.status == .failed }.count
        let succeeded = streams.filter { $0.status == .succeeded }.count
        if failed == 0 { return .succeeded }
        return succeeded == 0 ? .failed : .partial
    }

    /// What to do when something stops the whole run.
    enum Interruption: Equatable {
        /// The lease is gone: another worker owns the run; write nothing more.
        case leaseLost
        /// The provider account's daily quota is used up: queue the run again for then, without using an attempt.
        case waitForQuota(until: Date)
        /// Nothing will succeed until someone acts: every unfinished stream fails, and the run with them.
        case failRemaining(reason: String)
        /// Shutting down, or the token endpoint is unreachable for now: hand the run back to the queue.
        case handBack(countAttempt: Bool)
    }

    static func interruption(_ reason: any Error) -> Interruption {
        switch reason {
        case is LeaseLost:
            .leaseLost
        case let quota as QuotaExhausted:
            .waitForQuota(until: quota.until)
        case let token as TokenError where token.kind != .transient:
            .failRemaining(reason: "the connection needs to be reconnected: \(token.reason)")
        case is CancellationError:
            .handBack(countAttempt: false)
        case is TokenError:
            .handBack(countAttempt: true)
        default:
            .failRemaining(reason: "\(reason)")
        }
    }
}
