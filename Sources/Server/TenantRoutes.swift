import Foundation
import Hummingbird
import Sensitive
import Store

/// `/v1/tenants`: creating tenants and their API keys (admin keys only), reading a tenant, and listing and
/// revoking a tenant's keys (its own keys, or an admin key).
struct TenantRoutes: Sendable {
    let auth: Authentication
    let tenants: Tenants
    let apiKeys: APIKeys

    struct NewTenant: Decodable {
        let slug: String
        let name: String?
    }

    struct NewKey: Decodable {
        let name: String?
        let expires_at: String?
    }

    struct CreatedKey: Encodable, Sendable {
        let id: String
        let tenant_id: String
        let name: String
        let expires_at: Nullable<Date>
        /// Shown once; only its hash is stored.
        let key: String
    }

    /// A key as listed: never the key or its hash.
    struct KeyJSON: Encodable, Sendable {
        let id: String
        let tenant_id: String
        let name: String
        let key_prefix: String
        let created_at: Date
        let last_used_at: Nullable<Date>
        let expires_at: Nullable<Date>
        let revoked_at: Nullable<Date>

        init(_ key: APIKeyInfo, tenantID: UUID) {
            id = key.id.json
            tenant_id = tenantID.json
            name = key.name
            key_prefix = key.prefix
            created_at = key.createdAt
            last_used_at = Nullable(key.lastUsedAt)
            expires_at = Nullable(key.expiresAt)
            revoked_at = Nullable(key.revokedAt)
        }
    }

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.post("/v1/tenants") { request, _ in
            try await auth.requireAdmin(request)
            let body = try await JSONBody.decode(NewTenant.self, from: request, allowed: ["slug", "name"])
            do {
                return JSONResponse(.created, TenantJSON(try await tenants.create(slug: body.slug, name: body.name ?? body.slug)))
            } catch let error as StoreError {
                throw APIError(error)
            }
        }
        router.get("/v1/tenants/:tenant") { request, context in
            JSONResponse(TenantJSON(try await auth.tenant(request, try context.parameters.require("tenant"))))
        }
        router.post("/v1/tenants/:tenant/api-keys") { request, context in
            try await auth.requireAdmin(request)
            let tenant = try await auth.tenant(request, try context.parameters.require("tenant"))
            let body = try await JSONBody.decode(NewKey.self, from: request, allowed: ["name", "expires_at"])
            let expiresAt = try body.expires_at.map { text in
                guard let date = ISO8601DateFormatter().date(from: text) else {
                    throw APIError(.badRequest, code: "invalid_field", message: "expires_at must be an ISO 8601 time such as 2027-01-01T00:00:00Z")
                }
                return date
            }
            do {
                let (id, key) = try await apiKeys.create(tenantID: tenant.id, name: body.name ?? "", expiresAt: expiresAt)
                return JSONResponse(
                    .created,
                    CreatedKey(id: id.json, tenant_id: tenant.id.json, name: body.name ?? "", expires_at: Nullable(expiresAt), key: key.unsafeValue))
            } catch let error as StoreError {
                throw APIError(error)
            }
        }
        router.get("/v1/tenants/:tenant/api-keys") { request, context in
            let tenant = try await auth.tenant(request, try context.parameters.require("tenant"))
            let keys = try await apiKeys.list(tenantID: tenant.id)
            return JSONResponse(ListJSON(data: keys.map { KeyJSON($0, tenantID: tenant.id) }, next_cursor: Nullable(nil)))
        }
        router.get("/v1/tenants/:tenant/api-keys/:id") { request, context in
            let tenant = try await auth.tenant(request, try context.parameters.require("tenant"))
            let id = try Self.keyID(context.parameters.get("id"))
            guard let key = try await apiKeys.list(tenantID: tenant.id).first(where: { $0.id == id }) else {
                throw APIError.notFound("no such API key")
            }
            return JSONResponse(KeyJSON(key, tenantID: tenant.id))
        }
        router.delete("/v1/tenants/:tenant/api-keys/:id") { request, context in
            let tenant = try await auth.tenant(request, try context.parameters.require("tenant"))
            guard let key = try await apiKeys.revoke(tenantID: tenant.id, id: try Self.keyID(context.parameters.get("id"))) else {
                throw APIError.notFound("no such API key")
            }
            return JSONResponse(KeyJSON(key, tenantID: tenant.id))
        }
    }

    static func keyID(_ text: String?) throws -> UUID {
        guard let text, let id = UUID(uuidString: text) else { throw APIError.notFound("no such API key") }
        return id
    }

}

extension APIError {
    /// A repository's refusal as an API error.
    init(_ error: StoreError) {
        switch error.kind {
        case .conflict: self.init(.conflict, code: "conflict", message: error.message)
        case .notFound: self.init(.notFound, code: "not_found", message: error.message)
        case .invalid: self.init(.badRequest, code: "invalid_request", message: error.message)
        }
    }
}
