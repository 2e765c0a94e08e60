public import Foundation
import NIOConcurrencyHelpers

/// The sandbox's notion of now. Tests move it forward (through the control API or directly) to expire
/// codes, tokens and page tokens without waiting, or freeze it so rate-limit windows are deterministic.
public final class SandboxClock: Sendable {
    private struct State {
        var offset: TimeInterval = 0
        var frozenAt: Date?
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// The current sandbox time.
    public var now: Date {
        state.withLockedValue { $0.frozenAt ?? Date().addingTimeInterval($0.offset) }
    }

    /// Moves sandbox time forward by `interval` (frozen or not).
    public func advance(by interval: Duration) {
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        state.withLockedValue { state in
            state.offset += seconds
            state.frozenAt = state.frozenAt?.addingTimeInterval(seconds)
        }
    }

    /// Stops time at `date` (default: now) until ``resume()``; only ``advance(by:)`` moves it.
    public func freeze(at date: Date? = nil) {
        let current = now
        state.withLockedValue { $0.frozenAt = date ?? current }
    }

    /// Lets time flow again from where it stood.
    public func resume() {
        state.withLockedValue { state in
            if let frozen = state.frozenAt { state.offset = frozen.timeIntervalSinceNow }
            state.frozenAt = nil
        }
    }
}
