import Foundation
import Vault

/// The connect form's CSRF token (DESIGN §6.4): rendering the connect page sets a random key in a
/// `SameSite=Strict` cookie and puts HMAC(key, link) in the form. A POST must bring both, and they must
/// agree for this link: a form auto-submitted from another site comes without the cookie, a hand-made one
/// without the field, and a field copied from another link's page does not match.
enum ConnectFormToken {
    /// The form field's name.
    static let field = "csrf"

    /// A new cookie value: 256 random bits.
    static func newKey() throws -> String { Base64URL.encode(try SecureRandom.bytes(count: 32)) }

    /// The field value that goes with `key` on the page of connect link `token`.
    static func value(key: String, token: String) -> String {
        Base64URL.encode(HMACSHA256.authenticationCode(key: Array(key.utf8), message: Array("connect-form|\(token)".utf8)))
    }

    /// Whether the posted `field` was rendered with the browser's `key` for link `token`.
    static func isValid(key: String?, field: String?, token: String) -> Bool {
        guard let key, !key.isEmpty, let field else { return false }
        return ConstantTime.equals(Array(field.utf8), Array(value(key: key, token: token).utf8))
    }
}
