public import Foundation
public import Sensitive

/// Tether's outbound webhook signatures, in the Standard Webhooks scheme (so its libraries verify them):
/// the secret is `whsec_` + base64 of 32 random bytes; each request carries `webhook-id` (the event id),
/// `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>`
/// over the raw body bytes as sent.
public enum WebhookSigning {
    static let prefix = "whsec_"

    /// A new signing secret.
    public static func newSecret() throws -> Secret {
        Secret(prefix + Base64.encode(try SecureRandom.bytes(count: 32)))
    }

    /// The headers that sign `body` as message `id` (Tether sends the event id) at `timestamp`.
    public static func headers(secret: Secret, id: String, timestamp: Date, body: [UInt8]) throws -> [(String, String)] {
        let seconds = String(Int(timestamp.timeIntervalSince1970))
        let key = try Base64.decode(String(secret.unsafeValue.dropFirst(prefix.count)))
        let message = Array("\(id).\(seconds).".utf8) + body
        let signature = Base64.encode(HMACSHA256.authenticationCode(key: key, message: message))
        return [("webhook-id", id), ("webhook-timestamp", seconds), ("webhook-signature", "v1,\(signature)")]
    }
}
