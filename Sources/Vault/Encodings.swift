/// Base64url without padding (RFC 4648 §5), as used for OAuth `state`, PKCE verifiers and API keys.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Encodes `bytes` without `=` padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        Base64.encode(bytes, alphabet: alphabet, padding: false)
    }

    /// Decodes unpadded (or padded) base64url.
    /// - Throws: ``VaultError/Code/invalidEncoding`` on any character outside the alphabet or a bad length.
    public static func decode(_ string: String) throws -> [UInt8] {
        try Base64.decode(string, alphabet: alphabet)
    }
}

/// Standard base64 (RFC 4648 §4) with padding, as used in key-ring definitions.
public enum Base64 {
    private static let standard = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Encodes `bytes` with `=` padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        encode(bytes, alphabet: standard, padding: true)
    }

    /// Decodes standard base64; padding is optional.
    public static func decode(_ string: String) throws -> [UInt8] {
        try decode(string, alphabet: standard)
    }

    static func encode(_ bytes: some Collection<UInt8>, alphabet: [UInt8], padding: Bool) -> String {
        let input = Array(bytes)
        var out = [UInt8]()
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= input.count {
            let n = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(alphabet[Int(n & 63)])
            index += 3
        }
        let rest = input.count - index
        if rest > 0 {
            let n = UInt32(input[index]) << 16 | (rest == 2 ? UInt32(input[index + 1]) << 8 : 0)
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            if rest == 2 { out.append(alphabet[Int(n >> 6 & 63)]) }
            if padding { out.append(contentsOf: Array(repeating: UInt8(ascii: "="), count: 3 - rest)) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ string: String, alphabet: [UInt8]) throws -> [UInt8] {
        var table = [Int16](repeating: -1, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = Int16(value) }
        var utf8 = Array(string.utf8)
        while utf8.last == UInt8(ascii: "=") { utf8.removeLast() }
        guard utf8.count % 4 != 1, string.utf8.count - utf8.count <= 2 else {
            throw VaultError(.invalidEncoding, "base64 has an impossible length")
        }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for character in utf8 {
            let value = table[Int(character)]
            guard value >= 0 else { throw VaultError(.invalidEncoding, "base64 contains a character outside its alphabet") }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        // Leftover bits must be zero, so every byte string has exactly one encoding.
        guard buffer & ((1 << UInt32(bits)) - 1) == 0 else {
            throw VaultError(.invalidEncoding, "base64 has non-zero trailing bits")
        }
        return out
    }
}

/// Lowercase hexadecimal, for digests and test vectors.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Encodes `bytes` as lowercase hex.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes hex of either case.
    /// - Throws: ``VaultError/Code/invalidEncoding`` on an odd length or a non-hex character.
    public static func decode(_ string: String) throws -> [UInt8] {
        let utf8 = Array(string.utf8)
        guard utf8.count % 2 == 0 else { throw VaultError(.invalidEncoding, "hex has an odd length") }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else {
                throw VaultError(.invalidEncoding, "hex contains a non-hex character")
            }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
