/// An error from the vault's cryptographic primitives.
///
/// The `description` names only what went wrong, never key bytes, plaintext or ciphertext. Decryption
/// failures are deliberately generic: a caller cannot tell a wrong key from a tampered tag or wrong
/// associated data, so the error leaks nothing to an attacker probing sealed values.
public struct VaultError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure happened.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case randomFailed = "random_failed"
            case invalidKey = "invalid_key"
            case invalidNonce = "invalid_nonce"
            case cipherFailed = "cipher_failed"
            case authenticationFailed = "authentication_failed"
            case invalidKeyRing = "invalid_key_ring"
            case invalidEncoding = "invalid_encoding"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The CSPRNG did not deliver bytes.
        public static let randomFailed = Code(.randomFailed)
        /// A key is not 32 bytes.
        public static let invalidKey = Code(.invalidKey)
        /// A nonce is not 12 bytes.
        public static let invalidNonce = Code(.invalidNonce)
        /// OpenSSL reported an internal failure.
        public static let cipherFailed = Code(.cipherFailed)
        /// The tag, key or associated data did not match: the value cannot be opened.
        public static let authenticationFailed = Code(.authenticationFailed)
        /// A key ring definition is malformed.
        public static let invalidKeyRing = Code(.invalidKeyRing)
        /// A base64 or hex string is malformed.
        public static let invalidEncoding = Code(.invalidEncoding)

        public var description: String { base.rawValue }
    }

    /// What kind of failure happened.
    public let code: Code
    /// A human explanation that never contains secret material.
    public let reason: String

    /// Creates an error; `reason` must not contain secret material.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }
}
