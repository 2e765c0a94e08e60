public import Foundation
import Synchronization

/// The sandbox's notion of now. Tests move it forward (through the control API or directly) to expire
/// codes, tokens and page tokens without waiting.
public final class SandboxClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)

    public init() {}

    /// The current sandbox time.
    public var now: Date { Date().addingTimeInterval(offset.withLock { $0 }) }

    /// Moves sandbox time forward by `interval`.
    public func advance(by interval: Duration) {
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        offset.withLock { $0 += seconds }
    }
}
