import Synchronization

/// Counts the values a process seals under each key, so the total per key can be kept (in the database,
/// by the process's recorder) and an operator warned long before a key nears the limit of random 96-bit
/// nonces: NIST SP 800-38D allows 2^32 encryptions per key; SECURITY.md K5 asks for an alert and a
/// rotation before 2^31.
public final class SealTally: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    public init() {}

    /// One more value sealed under `keyID`.
    func note(_ keyID: String) {
        counts.withLock { $0[keyID, default: 0] += 1 }
    }

    /// The counts since the last call, which resets them.
    public func drain() -> [String: Int] {
        counts.withLock { counts in
            defer { counts = [:] }
            return counts
        }
    }

    /// Gives back counts that could not be recorded, so the next drain carries them.
    public func restore(_ unrecorded: [String: Int]) {
        counts.withLock { counts in counts.merge(unrecorded, uniquingKeysWith: +) }
    }
}
