import Connectors
import CurlHTTP
import Foundation
import Sensitive
import TestSupport
import Testing
import Vault
import ZoomConnector

/// Zoom's webhook verifier under 100,000 deliveries (issue 7, SECURITY.md B10): correctly signed ones are
/// accepted exactly when their body is a Zoom event, and every delivery that differs from a signed one —
/// in a byte of the body, the signature, the timestamp, or its headers — is refused, never crashing.
@Suite("Zoom webhook verifier fuzzing")
struct WebhookVerifierFuzzTests {
    /// Cases per shard; four shards make 100,000.
    static let cases = 25_000
    static let secret = Secret("fuzz-webhook-secret-token")
    static let connector = ZoomConnector(configuration: .init(), http: CurlHTTPClient())
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func signed(_ body: [UInt8], at seconds: Int) -> WebhookDelivery {
        let code = HMACSHA256.authenticationCode(key: Array(secret.unsafeValue.utf8), message: Array("v0:\(seconds):".utf8) + body)
        return WebhookDelivery(
            headers: [("x-zm-signature", "v0=" + Hex.encode(code)), ("x-zm-request-timestamp", "\(seconds)"), ("content-type", "application/json")],
            body: body)
    }

    static func randomBody(_ random: inout SeededRandom) -> [UInt8] {
        let event = ["app_deauthorized", "endpoint.url_validation", "meeting.started", ""].randomElement(using: &random)!
        let payload = [
            #"{"account_id": "acc\#(Int.random(in: 0...9, using: &random))", "client_id": "cli"}"#,
            #"{"plainToken": "pt\#(Int.random(in: 0...99, using: &random))"}"#,
            "{}", "null", "[1,2]",
        ].randomElement(using: &random)!
        return Array(#"{"event": "\#(event)", "event_ts": \#(Int.random(in: 0...999_999, using: &random)), "payload": \#(payload)}"#.utf8)
    }

    @Test("100,000 deliveries in 4 seeded shards: signed ones verify, every altered one is refused", arguments: 0..<4)
    func fuzzDeliveries(shard: Int) throws {
        var random = SeededRandom(seed: 0x5EC_0DE &+ UInt64(shard))
        var accepted = 0, refused = 0
        for index in shard * Self.cases..<(shard + 1) * Self.cases {
            let body = Self.randomBody(&random)
            let seconds = Int(Self.now.timeIntervalSince1970) + Int.random(in: -290...290, using: &random)
            var delivery = Self.signed(body, at: seconds)
            let altered: Bool
            switch index % 8 {
            case 0, 1:
                altered = false
            case 2:
                let mutated = random.mutated(body)
                altered = mutated != body
                delivery.body = mutated
            case 3:
                var signature = Array(delivery.headers[0].value.utf8)
                signature[Int.random(in: 3..<signature.count, using: &random)] = Array("0123456789abcdefX".utf8).randomElement(using: &random)!
                altered = String(decoding: signature, as: UTF8.self) != delivery.headers[0].value
                delivery.headers[0].value = String(decoding: signature, as: UTF8.self)
            case 4:
                delivery.headers[1].value = "\(seconds + [301, -301, 1, -1, 100_000].randomElement(using: &random)!)"
                altered = true  // either outside the window or no longer what was signed
            case 5:
                delivery.headers.append(delivery.headers[Int.random(in: 0...1, using: &random)])
                altered = true
            case 6:
                delivery.headers.remove(at: Int.random(in: 0...1, using: &random))
                altered = true
            default:
                let original = delivery.headers[0].value
                delivery.headers[0].value = String(decoding: random.mutated(Array(original.utf8)), as: UTF8.self)
                // Hex is read case-insensitively: an upper-case digit is the same signature, not an altered one.
                altered = delivery.headers[0].value.lowercased() != original.lowercased()
            }
            do {
                let verified = try Self.connector.verifyWebhook(delivery, secret: Self.secret, now: Self.now)
                #expect(!altered, "case \(index) (kind \(index % 8)): an altered delivery was accepted: \(delivery.headers)")
                #expect(!verified.replayKey.isEmpty)
                accepted += 1
            } catch is WebhookRejection {
                refused += 1
            }
        }
        #expect(accepted + refused == Self.cases)
        Figures.count("fuzz.webhooks", accepted + refused)
        #expect(accepted > Self.cases / 8 && refused > Self.cases / 2, "\(accepted) accepted, \(refused) refused")
    }

    @Test("a body re-serialized after signing fails verification: the raw bytes are what is checked")
    func reserializedBodyFails() throws {
        let body = Array(#"{"event":"app_deauthorized", "payload": {"account_id": "a", "client_id": "c"}}"#.utf8)
        var delivery = Self.signed(body, at: Int(Self.now.timeIntervalSince1970))
        #expect(throws: Never.self) { try Self.connector.verifyWebhook(delivery, secret: Self.secret, now: Self.now) }
        let object = try JSONSerialization.jsonObject(with: Data(body))
        delivery.body = Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        #expect(delivery.body != body)
        #expect(throws: WebhookRejection.self) { try Self.connector.verifyWebhook(delivery, secret: Self.secret, now: Self.now) }
    }
}
