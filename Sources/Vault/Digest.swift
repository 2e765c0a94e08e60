internal import COpenSSL

/// One-shot SHA-256 through OpenSSL's EVP digest API.
public enum SHA256Digest {
    /// The 32-byte SHA-256 of `data`.
    public static func hash(_ data: some Collection<UInt8>) -> [UInt8] {
        SHA256Hasher().hash(data)
    }

    /// The SHA-256 of `string`'s UTF-8 bytes, as lowercase hex.
    public static func hexHash(_ string: String) -> String {
        Hex.encode(hash(Array(string.utf8)))
    }
}

/// SHA-256 for one input after another, through one OpenSSL context. A sync hashes every record it
/// stores: a context of its own per hash, and OpenSSL looking the algorithm up by name each time, cost
/// four allocations a record.
public final class SHA256Hasher {
    /// The algorithm, fetched from OpenSSL's default provider once. An `EVP_MD` is immutable once
    /// fetched and may be shared by threads (`EVP_MD_fetch(3)`).
    private struct Algorithm: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private static let sha256: Algorithm = {
        // Without SHA-256 OpenSSL itself is broken: no caller could recover.
        guard let pointer = EVP_MD_fetch(nil, "SHA256", nil) else { preconditionFailure("OpenSSL has no SHA-256") }
        return Algorithm(pointer: pointer)
    }()

    private let context: OpaquePointer

    public init() {
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("EVP_MD_CTX_new failed: out of memory") }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// The 32-byte SHA-256 of `data`.
    public func hash(_ data: some Collection<UInt8>) -> [UInt8] {
        // Contiguous bytes (an array, a native string's UTF-8) are hashed where they are, without a copy.
        data.withContiguousStorageIfAvailable(digest) ?? Array(data).withUnsafeBufferPointer(digest)
    }

    private func digest(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { output, initialized in
            var length: UInt32 = 0
            let ok =
                EVP_DigestInit_ex2(context, Self.sha256.pointer, nil) == 1 && EVP_DigestUpdate(context, input.baseAddress, input.count) == 1
                && EVP_DigestFinal_ex(context, output.baseAddress, &length) == 1
            // SHA-256 fails only when OpenSSL itself is broken; no caller could recover.
            precondition(ok && length == 32, "SHA-256 failed")
            initialized = 32
        }
    }
}
