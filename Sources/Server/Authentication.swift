import Foundation
import HTTPTypes
public import Hummingbird
public import Store

/// Turns a request's `Authorization: Bearer …` key into a principal, and a `{tenant}` path segment into a
/// tenant that principal may act for. Every failure to authenticate gets the same 401 (SECURITY.md B7);
/// a tenant the key may not see answers 404, exactly like a tenant that does not exist.
public struct Authentication: Sendable {
    let apiKeys: APIKeys
    let tenants: Tenants

    public init(apiKeys: APIKeys, tenants: Tenants) {
        self.apiKeys = apiKeys
        self.tenants = tenants
    }

    static let unauthorized = APIError(
        .unauthorized, code: "unauthorized", message: "a valid API key is required (Authorization: Bearer <key>)",
        headers: [.wwwAuthenticate: "Bearer"])

    /// The principal of the request's API key.
    public func principal(_ request: Request) async throws -> APIPrincipal {
        let values = request.headers[values: .authorization]
        guard values.count == 1, let value = values.first, value.count > 7, value.prefix(7).lowercased() == "bearer " else {
            throw Self.unauthorized
        }
        guard let principal = try await apiKeys.authenticate(String(value.dropFirst(7))) else { throw Self.unauthorized }
        return principal
    }

    /// Requires an admin key.
    public func requireAdmin(_ request: Request) async throws {
        guard case .admin = try await principal(request) else {
            throw APIError(.forbidden, code: "forbidden", message: "this operation needs an admin API key")
        }
    }

    /// The tenant named by `reference` (slug or id), if the request's key may act for it: a tenant key
    /// for its own tenant, an admin key for any.
    public func tenant(_ request: Request, _ reference: String) async throws -> Tenant {
        let principal = try await principal(request)
        guard let tenant = try await tenants.find(reference) else { throw APIError.notFound("no such tenant") }
        switch principal {
        case .admin: return tenant
        case .tenant(let id, _) where id == tenant.id: return tenant
        case .tenant: throw APIError.notFound("no such tenant")
        }
    }
}
