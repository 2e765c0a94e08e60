import Credentials
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOPosix
import Sensitive
import Store
import Transport
import Vault

/// The event feed (`GET …/events`) and the tenant's webhook endpoint (`GET|PUT|DELETE …/webhook`).
struct EventRoutes: Sendable {
    let auth: Authentication
    let events: Events
    let vault: CredentialVault
    /// Lets webhook URLs reach loopback and private addresses, over plain http too
    /// (`TETHER_WEBHOOK_ALLOW_PRIVATE=1`, local development only).
    let allowsPrivateAddresses: Bool

    struct WebhookRequest: Decodable {
        let url: String
    }

    struct WebhookJSON: Encodable, Sendable {
        let url: String
        /// Shown once, when set.
        let secret: String?
        let created_at: Date
        let updated_at: Date
    }

    static let feedParameters: Set<String> = ["cursor", "limit", "type"]

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/v1/tenants/:tenant/events") { request, context in
            let tenant = try await auth.tenant(request, try context.parameters.require("tenant"))
            let (after, limit, types) = try Self.feedQuery(request.uri.queryParameters)
            do {
                let (rows, next) = try await events.list(tenantID: tenant.id, after: after, limit: limit, types: types)
                return DataRoutes.page(rows, next: next?.uuidString.lowercased())
            } catch let error as StoreError {
                throw APIError(error)
            }
        }
        router.get("/v1/tenants/:tenant/webhook") { request, context in
            let tenant = try await auth.tenant(request, try context.parameters.require("tenant"))
            guard let webhook = try await events.webhook(tenantID: tenant.id) else { throw APIError.notFound("the tenant has no webhook") }
            return JSONResponse(WebhookJSON(url: webhook.url, secret: nil, created_at: webhook.createdAt, updated_at: webhook.updatedAt))
        }
        router.put("/v1/tenants/:tenant/webhook") { request, context in
            let tenant = try await auth.tenant(request, try context.parameters.require("tenant"))
            let body = try await JSONBody.decode(WebhookRequest.self, from: request, allowed: ["url"])
            let url = try await Self.validatedURL(body.url, allowsPrivateAddresses: allowsPrivateAddresses)
            let secret = try WebhookSigning.newSecret()
            let (sealed, keyID) = try vault.sealWebhookSecret(secret, tenantID: tenant.id)
            let webhook = try await events.setWebhook(tenantID: tenant.id, url: url, sealedSecret: sealed, keyID: keyID)
            return JSONResponse(
                WebhookJSON(url: webhook.url, secret: secret.unsafeValue, created_at: webhook.createdAt, updated_at: webhook.updatedAt))
        }
        router.delete("/v1/tenants/:tenant/webhook") { request, context in
            let tenant = try await auth.tenant(request, try context.parameters.require("tenant"))
            guard try await events.deleteWebhook(tenantID: tenant.id) else { throw APIError.notFound("the tenant has no webhook") }
            return Response(status: .noContent)
        }
    }

    /// `cursor` (the id of the last event the caller has), `limit` (1–1000, default 100) and `type`
    /// (comma-separated event types), each at most once.
    static func feedQuery(_ parameters: FlatDictionary<Substring, Substring>) throws -> (after: UUID?, limit: Int, types: [String]) {
        var seen: Set<String> = []
        for (key, _) in parameters {
            let name = String(key)
            guard feedParameters.contains(name) else {
                throw DataRoutes.invalid("unknown query parameter \(String(name.prefix(64)).debugDescription)")
            }
            guard seen.insert(name).inserted else { throw DataRoutes.invalid("\(name) is given more than once") }
        }
        var after: UUID?
        if let text = parameters.get("cursor") {
            guard let id = UUID(uuidString: text) else { throw DataRoutes.invalid("cursor must be the id of an event") }
            after = id
        }
        var limit = 100
        if let text = parameters.get("limit") {
            guard let value = Int(text), (1...1000).contains(value) else { throw DataRoutes.invalid("limit must be a number from 1 to 1000") }
            limit = value
        }
        let types = parameters.get("type").map { $0.split(separator: ",").map(String.init) } ?? []
        if let unknown = types.first(where: { !Events.types.contains($0) }) {
            throw DataRoutes.invalid(
                "type \(String(unknown.prefix(64)).debugDescription) is not one of \(Events.types.sorted().joined(separator: ", "))")
        }
        return (after, limit, types)
    }

    /// An absolute https URL without user info or fragment, at most 2,048 characters, whose host is or
    /// resolves only to public addresses (DESIGN §6.4): a tenant must not aim Tether's workers at the
    /// operator's own network. Delivery checks again at connect time (the address may have changed since).
    /// With private addresses allowed, plain http to a loopback host is accepted too.
    static func validatedURL(_ text: String, allowsPrivateAddresses: Bool) async throws -> String {
        let problem = "url must be an absolute https URL without user info or fragment, at most 2048 characters"
        guard text.count <= 2048, let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty, components.user == nil, components.password == nil, components.fragment == nil,
            scheme == "https" || (scheme == "http" && allowsPrivateAddresses && OutboundURLPolicy.isLoopback(host: host))
        else { throw invalidWebhookURL(problem) }
        if allowsPrivateAddresses { return text }
        let addresses: [NetworkAddress]
        do {
            addresses = try await NIOThreadPool.singleton.runIfActive { try HostResolver.addresses(of: host) }
        } catch {
            throw invalidWebhookURL("url's host does not resolve")
        }
        if let refused = addresses.first(where: { !$0.scope.isPublic }) {
            throw invalidWebhookURL("url's host resolves to a \(refused.scope.rawValue) address; webhooks may reach only public addresses")
        }
        guard !addresses.isEmpty else { throw invalidWebhookURL("url's host does not resolve") }
        return text
    }

    private static func invalidWebhookURL(_ message: String) -> APIError {
        APIError(.badRequest, code: "invalid_webhook_url", message: message)
    }
}
