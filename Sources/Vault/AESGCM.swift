internal import COpenSSL

/// AES-256-GCM authenticated encryption through OpenSSL's EVP API, with a 96-bit nonce and a full
/// 128-bit tag. Every EVP return value is checked; a forged tag, a wrong key or different associated data
/// all fail with the same generic ``VaultError/Code/authenticationFailed``.
public enum AESGCM {
    /// Nonce length in bytes (96 bits, the only length GCM handles without hashing the IV).
    public static let nonceByteCount = 12
    /// Tag length in bytes (128 bits: no truncated tags).
    public static let tagByteCount = 16

    /// The output of ``seal(_:key:nonce:associatedData:)``.
    public struct SealedParts: Sendable, Hashable {
        /// The nonce the message was sealed with.
        public var nonce: [UInt8]
        /// The ciphertext, as long as the plaintext.
        public var ciphertext: [UInt8]
        /// The 16-byte authentication tag.
        public var tag: [UInt8]

        /// Groups the parts of a sealed message.
        public init(nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) {
            self.nonce = nonce
            self.ciphertext = ciphertext
            self.tag = tag
        }
    }

    /// Encrypts and authenticates `plaintext`, binding it to `associatedData`.
    /// - Parameters:
    ///   - nonce: 12 bytes; `nil` draws a fresh random nonce (the only safe choice outside test vectors).
    /// - Throws: ``VaultError`` when the nonce is malformed or OpenSSL fails.
    public static func seal(
        _ plaintext: [UInt8],
        key: SymmetricKey,
        nonce: [UInt8]? = nil,
        associatedData: [UInt8] = []
    ) throws -> SealedParts {
        let nonce = try nonce ?? SecureRandom.bytes(count: nonceByteCount)
        guard nonce.count == nonceByteCount else { throw VaultError(.invalidNonce, "a nonce must be 12 bytes") }
        let context = try CipherContext()
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count)
        var tag = [UInt8](repeating: 0, count: tagByteCount)
        try key.withUnsafeBytes { keyBytes in
            try check(EVP_EncryptInit_ex(context.pointer, EVP_aes_256_gcm(), nil, nil, nil))
            try check(EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceByteCount), nil))
            try check(
                EVP_EncryptInit_ex(
                    context.pointer, nil, nil,
                    keyBytes.bindMemory(to: UInt8.self).baseAddress, nonce))
        }
        var length: Int32 = 0
        if !associatedData.isEmpty {
            try check(EVP_EncryptUpdate(context.pointer, nil, &length, associatedData, Int32(associatedData.count)))
        }
        if !plaintext.isEmpty {
            try ciphertext.withUnsafeMutableBufferPointer { out in
                try check(EVP_EncryptUpdate(context.pointer, out.baseAddress, &length, plaintext, Int32(plaintext.count)))
            }
        }
        var finalLength: Int32 = 0
        try ciphertext.withUnsafeMutableBufferPointer { out in
            try check(EVP_EncryptFinal_ex(context.pointer, out.baseAddress.map { $0 + Int(length) }, &finalLength))
        }
        try tag.withUnsafeMutableBytes { out in
            try check(EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_GET_TAG, Int32(tagByteCount), out.baseAddress))
        }
        return SealedParts(nonce: nonce, ciphertext: ciphertext, tag: tag)
    }

    /// Verifies and decrypts a sealed message.
    /// - Throws: ``VaultError/Code/authenticationFailed`` when anything does not match; the plaintext of a
    ///   message that fails verification is never returned.
    public static func open(_ sealed: SealedParts, key: SymmetricKey, associatedData: [UInt8] = []) throws -> [UInt8] {
        guard sealed.nonce.count == nonceByteCount else { throw VaultError(.invalidNonce, "a nonce must be 12 bytes") }
        guard sealed.tag.count == tagByteCount else { throw authenticationFailure }
        let context = try CipherContext()
        try key.withUnsafeBytes { keyBytes in
            try check(EVP_DecryptInit_ex(context.pointer, EVP_aes_256_gcm(), nil, nil, nil))
            try check(EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceByteCount), nil))
            try check(
                EVP_DecryptInit_ex(
                    context.pointer, nil, nil,
                    keyBytes.bindMemory(to: UInt8.self).baseAddress, sealed.nonce))
        }
        var length: Int32 = 0
        if !associatedData.isEmpty {
            try check(EVP_DecryptUpdate(context.pointer, nil, &length, associatedData, Int32(associatedData.count)))
        }
        var plaintext = [UInt8](repeating: 0, count: sealed.ciphertext.count)
        if !sealed.ciphertext.isEmpty {
            try plaintext.withUnsafeMutableBufferPointer { out in
                try check(
                    EVP_DecryptUpdate(
                        context.pointer, out.baseAddress, &length, sealed.ciphertext, Int32(sealed.ciphertext.count)))
            }
        }
        // The expected tag must be set before DecryptFinal, which is where GCM verifies it.
        var tag = sealed.tag
        try tag.withUnsafeMutableBytes { tagBytes in
            try check(EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_SET_TAG, Int32(tagByteCount), tagBytes.baseAddress))
        }
        var finalLength: Int32 = 0
        let verified = plaintext.withUnsafeMutableBufferPointer { out in
            EVP_DecryptFinal_ex(context.pointer, out.baseAddress.map { $0 + Int(length) }, &finalLength)
        }
        guard verified == 1 else {
            plaintext.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
            ERR_clear_error()
            throw authenticationFailure
        }
        return plaintext
    }

    private static let authenticationFailure = VaultError(.authenticationFailed, "the sealed value could not be opened")

    private static func check(_ result: Int32) throws {
        // EVP functions return 1 on success; 0 or -1 (for ctrl) mean failure.
        guard result == 1 else {
            ERR_clear_error()
            throw VaultError(.cipherFailed, "OpenSSL EVP call failed")
        }
    }
}

/// Owns one `EVP_CIPHER_CTX` for the length of a single seal or open.
private final class CipherContext {
    let pointer: OpaquePointer

    init() throws {
        guard let pointer = EVP_CIPHER_CTX_new() else { throw VaultError(.cipherFailed, "EVP_CIPHER_CTX_new failed") }
        self.pointer = pointer
    }

    deinit { EVP_CIPHER_CTX_free(pointer) }
}
