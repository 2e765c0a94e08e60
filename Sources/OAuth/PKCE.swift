public import Sensitive
import Vault

/// Proof Key for Code Exchange (RFC 7636) with S256 only: `plain` would put the verifier in the
/// browser's address bar.
public enum PKCE {
    /// The only method Tether sends.
    public static let method = "S256"

    /// A fresh verifier: 32 random bytes, base64url-encoded (43 characters), as RFC 7636 §4.1 recommends.
    public static func makeVerifier() throws -> Secret {
        Secret(try SecureRandom.token(byteCount: 32))
    }

    /// BASE64URL(SHA256(verifier)) (RFC 7636 §4.2).
    public static func challenge(for verifier: Secret) -> String {
        Base64URL.encode(SHA256Digest.hash(Array(verifier.unsafeValue.utf8)))
    }
}
