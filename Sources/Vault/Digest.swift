internal import COpenSSL

/// One-shot SHA-256 through OpenSSL's EVP digest API.
public enum SHA256Digest {
    /// The 32-byte SHA-256 of `data`.
    public static func hash(_ data: some Collection<UInt8>) -> [UInt8] {
        // Contiguous bytes (an array, a native string's UTF-8) are hashed where they are, without a copy.
        data.withContiguousStorageIfAvailable(digest) ?? Array(data).withUnsafeBufferPointer(digest)
    }

    private static func digest(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = out.withUnsafeMutableBufferPointer { output in
            EVP_Digest(input.baseAddress, input.count, output.baseAddress, &length, EVP_sha256(), nil)
        }
        // EVP_Digest with SHA-256 fails only when OpenSSL itself is broken; no caller could recover.
        precondition(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed")
        return out
    }

    /// The SHA-256 of `string`'s UTF-8 bytes, as lowercase hex.
    public static func hexHash(_ string: String) -> String {
        Hex.encode(hash(Array(string.utf8)))
    }
}
