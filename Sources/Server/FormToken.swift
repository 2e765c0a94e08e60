import Foundation
import Vault

/// CSRF tokens of Tether's forms (DESIGN §6.3, §6.4): a page sets a random key in a `SameSite=Strict`,
/// HttpOnly cookie (the connect page's form key, or the console's session) and puts HMAC(key, purpose) in
/// its form. A POST must bring both, and they must agree for this purpose: a form auto-submitted from
/// another site comes without the cookie, a hand-made one without the field, and a field copied from
/// another link's page does not match.
enum FormToken {
    /// The form field's name.
    static let field = "csrf"

    /// A new cookie value: 256 random bits.
    static func newKey() throws -> String { Base64URL.encode(try SecureRandom.bytes(count: 32)) }

    /// The field value that goes with `key` on the page of connect link `token`.
    static func value(key: String, token: String) -> String { value(key: key, purpose: "connect-form|\(token)") }

    /// HMAC(key, purpose): a form field bound to a browser's cookie (or session) and to one form's purpose.
    static func value(key: String, purpose: String) -> String {
        Base64URL.encode(HMACSHA256.authenticationCode(key: Array(key.utf8), message: Array(purpose.utf8)))
    }

    /// Whether `field` is the value for `key` and `purpose`, compared in constant time.
    static func matches(_ field: String?, key: String?, purpose: String) -> Bool {
        guard let key, !key.isEmpty, let field else { return false }
        return ConstantTime.equals(Array(field.utf8), Array(value(key: key, purpose: purpose).utf8))
    }

    /// Whether the posted `field` was rendered with the browser's `key` for link `token`.
    static func isValid(key: String?, field: String?, token: String) -> Bool {
        matches(field, key: key, purpose: "connect-form|\(token)")
    }
}
