import Foundation
import Sensitive
import Testing
import Vault

/// Tether's outbound webhook signatures against the Standard Webhooks scheme's published example, so any
/// Standard Webhooks library verifies them.
@Suite("Webhook signing")
struct WebhookSigningTests {
    @Test("the Standard Webhooks example signs to its published signature")
    func publishedExample() throws {
        let headers = try WebhookSigning.headers(
            secret: Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
            timestamp: Date(timeIntervalSince1970: 1_614_265_330), body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(headers.map(\.0) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
        #expect(headers[0].1 == "msg_p5jXN8AQM9LWM0D4loKWxJek")
        #expect(headers[1].1 == "1614265330")
        #expect(headers[2].1 == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test("any change to the body, id or timestamp changes the signature")
    func tamperingChangesSignature() throws {
        let secret = try WebhookSigning.newSecret()
        let time = Date(timeIntervalSince1970: 1_700_000_000)
        func signature(_ id: String, _ time: Date, _ body: String) throws -> String {
            try WebhookSigning.headers(secret: secret, id: id, timestamp: time, body: Array(body.utf8))[2].1
        }
        let original = try signature("evt", time, "{}")
        #expect(try signature("evt", time, "{ }") != original)
        #expect(try signature("evu", time, "{}") != original)
        #expect(try signature("evt", time.addingTimeInterval(1), "{}") != original)
    }

    @Test("a new secret is whsec_ and 32 random bytes, different every time")
    func newSecrets() throws {
        let secrets = try (0..<100).map { _ in try WebhookSigning.newSecret().unsafeValue }
        #expect(Set(secrets).count == 100)
        for secret in secrets {
            #expect(secret.hasPrefix("whsec_"))
            #expect(try Base64.decode(String(secret.dropFirst(6))).count == 32)
        }
    }
}
