/// SplitMix64: a tiny, fast, deterministic generator. Every generated value is a pure function of the
/// seed and the value's coordinates (account, index, field), so nothing has to be stored.
struct SandboxRandom {
    private var state: UInt64

    /// A generator for the value at `coordinates` in the world grown from `seed`.
    init(seed: UInt64, _ coordinates: UInt64...) {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        for coordinate in coordinates {
            state = SandboxRandom.mix(state ^ (coordinate &* 0xBF58_476D_1CE4_E5B9))
        }
        self.state = state
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SandboxRandom.mix(state)
    }

    /// A number in `0..<bound`.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// True with probability `percent`/100.
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }

    /// A Zoom-style identifier: `length` characters of letters, digits, `-` and `_`.
    mutating func identifier(length: Int = 22) -> String {
        var bytes = [UInt8](repeating: 0, count: length)
        var bits = next()
        for index in 0..<length {
            if index % 10 == 9 { bits = next() }  // 6 bits per character, 10 characters per draw
            bytes[index] = Self.alphabet[Int(bits & 63)]
            bits >>= 6
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
