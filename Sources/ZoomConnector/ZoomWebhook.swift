import Connectors
import Foundation
import Sensitive
import Vault

/// Zoom's webhook signatures (`zoom-api.md` §1.11): `x-zm-signature: v0=<hex HMAC-SHA256(secret,
/// "v0:{x-zm-request-timestamp}:{raw body}")>`, the timestamp in seconds and within 300 s of now.
enum ZoomWebhook {
    /// How far a delivery's timestamp may be from now, either way.
    static let tolerance: TimeInterval = 300

    static func verify(_ delivery: WebhookDelivery, secret: Secret, now: Date) throws -> VerifiedWebhook {
        let signatures = delivery.values(of: "x-zm-signature")
        let timestamps = delivery.values(of: "x-zm-request-timestamp")
        guard signatures.count == 1, timestamps.count == 1 else {
            throw WebhookRejection("exactly one x-zm-signature and one x-zm-request-timestamp header are required")
        }
        guard let seconds = Int(timestamps[0]), abs(now.timeIntervalSince1970 - TimeInterval(seconds)) <= tolerance else {
            throw WebhookRejection("x-zm-request-timestamp is not within 300 seconds of now")
        }
        let signature = signatures[0]
        guard signature.hasPrefix("v0="), signature.utf8.count == 3 + 64, let code = try? Hex.decode(String(signature.dropFirst(3))) else {
            throw WebhookRejection("x-zm-signature is not v0= followed by 64 hex digits")
        }
        let key = Array(secret.unsafeValue.utf8)
        guard HMACSHA256.isValid(code: code, key: key, message: Array("v0:\(timestamps[0]):".utf8) + delivery.body) else {
            throw WebhookRejection("the signature does not match the body")
        }
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(delivery.body)) else {
            throw WebhookRejection("the body is not a Zoom event")
        }
        let replayKey = "\(timestamps[0]):" + Hex.encode(SHA256Digest.hash(delivery.body))
        if envelope.event == "zoomroom.alert" || envelope.event == "zoomroom.delayed_alert" {
            return VerifiedWebhook(event: try ZoomRoomAlerts.event(delivery.body), replayKey: replayKey)
        }
        return VerifiedWebhook(event: try event(envelope, key: key), replayKey: replayKey)
    }

    /// `payload.client_id` of a body not yet verified.
    static func claimedApp(of delivery: WebhookDelivery) -> String? {
        guard delivery.body.count <= 256 * 1024, let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(delivery.body)) else {
            return nil
        }
        return envelope.payload?.client_id
    }

    private static func event(_ envelope: Envelope, key: [UInt8]) throws -> WebhookEvent {
        switch envelope.event {
        case "endpoint.url_validation":
            guard let plainToken = envelope.payload?.plainToken, !plainToken.isEmpty, plainToken.utf8.count <= 256 else {
                throw WebhookRejection("endpoint.url_validation carries no plainToken")
            }
            let encrypted = Hex.encode(HMACSHA256.authenticationCode(key: key, message: Array(plainToken.utf8)))
            let body = try JSONEncoder().encode(["plainToken": plainToken, "encryptedToken": encrypted])
            return .challenge(response: Array(body))
        case "app_deauthorized":
            guard let account = envelope.payload?.account_id, !account.isEmpty, let client = envelope.payload?.client_id, !client.isEmpty else {
                throw WebhookRejection("app_deauthorized lacks account_id or client_id")
            }
            return .deauthorized(accountID: account, clientID: client)
        default:
            return .ignored(event: envelope.event)
        }
    }

    private struct Envelope: Decodable {
        struct Payload: Decodable {
            var plainToken: String?
            var account_id: String?
            var client_id: String?
        }
        var event: String
        var payload: Payload?
    }
}
