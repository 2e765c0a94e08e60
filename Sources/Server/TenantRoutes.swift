import Foundation
import Hummingbird
import Sensitive
import Store

/// `/v1/tenants`: creating tenants and their API keys (admin keys only), and reading a tenant.
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
    }

    struct CreatedKey: Encodable, Sendable {
        let id: String
        let tenant_id: String
        let name: String
        /// Shown once; only its hash is stored.
        let key: String
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
            let body = try await JSONBody.decode(NewKey.self, from: request, allowed: ["name"])
            do {
                let (id, key) = try await apiKeys.create(tenantID: tenant.id, name: body.name ?? "")
                return JSONResponse(.created, CreatedKey(id: id.json, tenant_id: tenant.id.json, name: body.name ?? "", key: key.unsafeValue))
            } catch let error as StoreError {
                throw APIError(error)
            }
        }
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
