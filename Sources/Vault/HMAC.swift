internal import COpenSSL

/// HMAC-SHA256, for webhook signatures, blind indexes and API-key hashing.
public enum HMACSHA256 {
    /// The 32-byte HMAC-SHA256 of `message` under `key` (any key length).
    public static func authenticationCode(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let keyBytes = Array(key)
        let messageBytes = Array(message)
        let result = keyBytes.withUnsafeBufferPointer { k in
            messageBytes.withUnsafeBufferPointer { m in
                out.withUnsafeMutableBufferPointer { o in
                    // A zero-length key still needs a valid pointer.
                    HMAC(
                        EVP_sha256(), k.baseAddress ?? UnsafePointer(o.baseAddress!), Int32(k.count),
                        m.baseAddress ?? UnsafePointer(o.baseAddress!), m.count, o.baseAddress, &length)
                }
            }
        }
        precondition(result != nil && length == 32, "HMAC(SHA-256) failed")
        return out
    }

    /// Checks `code` against the HMAC of `message` in constant time.
    public static func isValid(code: some Collection<UInt8>, key: some Collection<UInt8>, message: some Collection<UInt8>) -> Bool {
        ConstantTime.equals(authenticationCode(key: key, message: message), Array(code))
    }
}
