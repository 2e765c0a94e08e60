import Credentials
import Foundation
import Store
import Testing

@testable import Sync

/// How a run's attempt ends and what interrupts it, decided without a database.
@Suite("Run state decisions")
struct RunStateTests {
    func streams(_ statuses: StreamStatus...) -> [SyncRunStream] {
        statuses.enumerated().map { SyncRunStream(name: "s\($0.offset)", status: $0.element) }
    }

    @Test("a stream that fails is retried in later attempts and given up in the last one")
    func failedStream() {
        #expect(RunState.statusAfterFailure(attempt: 1, maxAttempts: 5) == .pending)
        #expect(RunState.statusAfterFailure(attempt: 4, maxAttempts: 5) == .pending)
        #expect(RunState.statusAfterFailure(attempt: 5, maxAttempts: 5) == .failed)
    }

    @Test("a run succeeds when no stream failed, fails when none succeeded, and is partial otherwise")
    func outcomes() {
        #expect(RunState.outcome(of: streams(.succeeded, .missingScope, .notAvailable, .skipped)) == .succeeded)
        #expect(RunState.outcome(of: streams(.failed, .missingScope)) == .failed)
        #expect(RunState.outcome(of: streams(.failed, .succeeded)) == .partial)
        #expect(RunState.outcome(of: []) == .succeeded)
    }

    @Test("an attempt with a failed stream queues the run again while attempts are left, then ends it")
    func endings() {
        let mixed = streams(.succeeded, .pending)
        #expect(RunState.ending(of: mixed, attemptFailed: true, attempt: 2, maxAttempts: 5) == .retryFailedStreams)
        #expect(RunState.ending(of: streams(.succeeded, .failed), attemptFailed: true, attempt: 5, maxAttempts: 5) == .finish(.partial))
        #expect(RunState.ending(of: streams(.succeeded), attemptFailed: false, attempt: 1, maxAttempts: 5) == .finish(.succeeded))
    }

    @Test("what stops a run: a lost lease writes nothing, a used-up quota waits, a dead grant fails, shutdown hands back")
    func interruptions() {
        let until = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(RunState.interruption(LeaseLost()) == .leaseLost)
        #expect(RunState.interruption(QuotaExhausted(until: until)) == .waitForQuota(until: until))
        #expect(
            RunState.interruption(TokenError(.needsReauthorization, "invalid_grant"))
                == .failRemaining(reason: "the connection needs to be reconnected: invalid_grant"))
        #expect(RunState.interruption(CancellationError()) == .handBack(countAttempt: false))
        #expect(
            RunState.interruption(TokenError(.transient, "unreachable")) == .handBack(countAttempt: true),
            "an unreachable token endpoint uses an attempt")
        #expect(
            RunState.interruption(TokenError(.unavailable, "no credentials"))
                == .failRemaining(reason: "the connection needs to be reconnected: no credentials"))
    }
}

extension RunStateTests {
    @Test("streams waiting for their category requeue the run for then, without an attempt, unless a failed stream retries sooner")
    func waitingForQuota() {
        let until = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(
            RunState.ending(of: streams(.succeeded, .pending), attemptFailed: false, deferredUntil: until, attempt: 1, maxAttempts: 5)
                == .waitForQuota(until: until))
        #expect(
            RunState.ending(of: streams(.pending, .pending), attemptFailed: true, deferredUntil: until, attempt: 1, maxAttempts: 5)
                == .retryFailedStreams)
        #expect(
            RunState.ending(of: streams(.failed, .pending), attemptFailed: true, deferredUntil: until, attempt: 5, maxAttempts: 5)
                == .waitForQuota(until: until), "the last attempt's failures are final; the waiting stream still gets its turn")
    }
}
