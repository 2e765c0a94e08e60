import Connectors
import Credentials
import Hummingbird
import Sensitive

/// `POST /webhooks/{provider}`: provider event notifications, verified over the raw body bytes.
struct WebhookRoutes: Sendable {
    let connect: ConnectService
    /// Each provider's webhook secret; a provider without one answers 503.
    let secrets: [String: Secret]

    /// Webhook bodies are small JSON events; anything larger is refused unread.
    static let maximumBytes = 256 * 1024

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.post("/webhooks/:provider") { request, context in
            let provider = try context.parameters.require("provider")
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: Self.maximumBytes)
            } catch {
                throw APIError(.contentTooLarge, code: "content_too_large", message: "webhook bodies are at most \(Self.maximumBytes) bytes")
            }
            let delivery = WebhookDelivery(
                headers: request.headers.map { (name: $0.name.canonicalName, value: $0.value) }, body: Array(buffer.readableBytesView))
            // A custom app's event endpoint carries its client id (`?client_id=`): Zoom's URL validation
            // names no app, and the right secret token must answer it.
            let appHint = request.uri.queryParameters.get("client_id").flatMap { $0.isEmpty || $0.utf8.count > 256 ? nil : $0 }
            switch try await connect.handleWebhook(provider: provider, delivery: delivery, secret: secrets[provider], appHint: appHint) {
            case .accepted(let body?):
                return Response(
                    status: .ok, headers: [.contentType: "application/json; charset=utf-8", .xContentTypeOptions: "nosniff"],
                    body: .init(byteBuffer: ByteBuffer(bytes: body)))
            case .accepted(nil):
                return Response(status: .ok)
            case .rejected:
                throw APIError(.unauthorized, code: "invalid_signature", message: "the webhook signature or timestamp is not valid")
            case .notConfigured:
                throw APIError(.serviceUnavailable, code: "webhooks_not_configured", message: "no webhook secret is configured for \(provider)")
            case .unknownProvider:
                throw APIError.notFound("no such provider")
            }
        }
    }
}
