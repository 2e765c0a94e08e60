internal import COpenSSL

/// Bytes from OpenSSL's CSPRNG (`RAND_bytes`), for keys, nonces, states and API keys.
public enum SecureRandom {
    /// Returns `count` random bytes.
    /// - Throws: ``VaultError/Code/randomFailed`` when `RAND_bytes` does not return exactly 1; the
    ///   caller must never fall back to a weaker source.
    public static func bytes(count: Int) throws -> [UInt8] {
        precondition(count >= 0, "count must not be negative")
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        let result = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
        guard result == 1 else { throw VaultError(.randomFailed, "RAND_bytes failed") }
        return out
    }

    /// A random token of `byteCount` bytes, base64url-encoded without padding (32 bytes give 256 bits).
    public static func token(byteCount: Int = 32) throws -> String {
        Base64URL.encode(try bytes(count: byteCount))
    }
}
