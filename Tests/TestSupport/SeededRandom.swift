/// SplitMix64: a small, fast generator with a seed, so a property test that fails can be replayed exactly
/// (the failing case's seed is in the message).
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `bytes` with one random edit: a flipped bit, a byte replaced, inserted or removed, a cut, or a
    /// stretch repeated — the mutations a fuzzer starts from.
    public mutating func mutated(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        guard !bytes.isEmpty else { return [UInt8.random(in: 0...255, using: &self)] }
        let at = Int.random(in: 0..<bytes.count, using: &self)
        switch Int.random(in: 0..<6, using: &self) {
        case 0: bytes[at] ^= 1 << UInt8.random(in: 0...7, using: &self)
        case 1: bytes[at] = UInt8.random(in: 0...255, using: &self)
        case 2: bytes.insert(UInt8.random(in: 0...255, using: &self), at: at)
        case 3: bytes.remove(at: at)
        case 4: bytes = Array(bytes[..<at])
        default:
            let end = min(bytes.count, at + Int.random(in: 1...16, using: &self))
            bytes.insert(contentsOf: bytes[at..<end], at: at)
        }
        return bytes
    }
}
