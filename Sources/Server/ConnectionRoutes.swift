import Connectors
import Credentials
import Foundation
import Hummingbird
import OAuth
import Sensitive
import Store

/// `/v1/tenants/{tenant}/connect-sessions` and `/v1/tenants/{tenant}/connections`: starting browser
/// connects, connecting with server-to-server credentials, and managing connections.
struct ConnectionRoutes: Sendable {
    let auth: Authentication
    let connect: ConnectService
    let connections: Connections

    struct NewSession: Decodable {
        let provider: String
        let mode: String
        let return_url: String?
        let require_owner: Bool?
        let actions: Bool?
    }

    struct CreatedSession: Encodable, Sendable {
        let id: String
        let url: String
        let expires_at: Date
    }

    struct NewConnection: Decodable {
        let provider: String
        let mode: String
        let account_id: String
        let client_id: String
        let client_secret: String
        let name: String?
    }

    struct Changes: Decodable {
        let name: String?
        let description: String?
        let enabled: Bool?
        let rate_limit_plan: String?
        let sync_intervals: [String: Int?]?

        static let fields: Set<String> = ["name", "description", "enabled", "rate_limit_plan", "sync_intervals"]
        /// A minute at the shortest (the budget is the account's, shared with its other apps); 30 days at most.
        static let intervals = 60...2_592_000

        /// The checked changes; every refusal names the field and the rule.
        /// - Parameters:
        ///   - plans: the rate-limit plans the connectors know.
        ///   - minimumIntervals: streams that may not be scheduled as often as every minute, with their shortest interval.
        func validated(plans: [String], minimumIntervals: [String: Int]) throws -> ConnectionChanges {
            if let name, name.count > 200 { throw APIError(.badRequest, code: "invalid_field", message: "name must be at most 200 characters") }
            if let description, description.count > 2000 {
                throw APIError(.badRequest, code: "invalid_field", message: "description must be at most 2000 characters")
            }
            if let rate_limit_plan, !plans.contains(rate_limit_plan) {
                throw APIError(.badRequest, code: "invalid_field", message: "rate_limit_plan must be one of \(plans.joined(separator: ", "))")
            }
            let syncIntervals = sync_intervals ?? [:]
            if let (stream, _) = syncIntervals.first(where: { $0.value.map { !Self.intervals.contains($0) } ?? false }) {
                throw APIError(
                    .badRequest, code: "invalid_field",
                    message: """
                        sync_intervals.\(String(stream.prefix(64))) must be null or between \(Self.intervals.lowerBound) and \
                        \(Self.intervals.upperBound) seconds
                        """)
            }
            if let (stream, seconds) = syncIntervals.compactMapValues({ $0 }).first(where: { $0.value < minimumIntervals[$0.key] ?? 0 }) {
                throw APIError(
                    .badRequest, code: "invalid_field",
                    message:
                        "sync_intervals.\(stream) must be null or at least \(minimumIntervals[stream]!) seconds (\(seconds) asks the provider more often than it allows)"
                )
            }
            return ConnectionChanges(
                name: name, description: description, enabled: enabled, rateLimitPlan: rate_limit_plan, syncIntervals: syncIntervals)
        }
    }

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.post("/v1/tenants/:tenant/connect-sessions") { request, context in
            let tenant = try await auth.tenant(request, try context.parameters.require("tenant"))
            let body = try await JSONBody.decode(
                NewSession.self, from: request, allowed: ["provider", "mode", "return_url", "require_owner", "actions"])
            let (session, url) = try await Self.mapped {
                try await connect.createSession(
                    tenantID: tenant.id, provider: body.provider, mode: body.mode, returnURL: body.return_url,
                    requireOwner: body.require_owner ?? false, actions: body.actions ?? false)
            }
            return JSONResponse(.created, CreatedSession(id: session.id.json, url: url, expires_at: session.expiresAt))
        }
        router.post("/v1/tenants/:tenant/connections") { request, context in
            let tenant = try await auth.tenant(request, try context.parameters.require("tenant"))
            let body = try await JSONBody.decode(
                NewConnection.self, from: request, allowed: ["provider", "mode", "account_id", "client_id", "client_secret", "name"])
            guard body.mode == "server_to_server" else {
                throw APIError(
                    .badRequest, code: "invalid_request",
                    message: "mode must be server_to_server; platform and custom connect through connect-sessions")
            }
            let (connection, created) = try await Self.mapped {
                try await connect.connectServerToServer(
                    tenantID: tenant.id, provider: body.provider, accountID: body.account_id,
                    client: ClientCredentials(clientID: body.client_id, clientSecret: Secret(body.client_secret)), name: body.name)
            }
            return JSONResponse(created ? .created : .ok, json(connection))
        }
        router.get("/v1/tenants/:tenant/connections") { request, context in
            let tenant = try await auth.tenant(request, try context.parameters.require("tenant"))
            return JSONResponse(ListJSON(data: try await connections.list(tenantID: tenant.id).map(json), next_cursor: Nullable(nil)))
        }
        router.get("/v1/tenants/:tenant/connections/:id") { request, context in
            let (tenant, id) = try await target(request, context)
            guard let connection = try await connections.find(tenantID: tenant.id, id: id) else { throw APIError.notFound("no such connection") }
            return JSONResponse(json(connection))
        }
        router.patch("/v1/tenants/:tenant/connections/:id") { request, context in
            let (tenant, id) = try await target(request, context)
            let changes = try await JSONBody.decode(Changes.self, from: request, allowed: Changes.fields)
                .validated(plans: connect.registry.rateLimitPlans, minimumIntervals: connect.registry.minimumIntervals)
            let updated: Connection?
            do {
                updated = try await connections.update(tenantID: tenant.id, id: id, changes: changes)
            } catch let error as StoreError where error.kind == .invalid {
                throw APIError(.badRequest, code: "invalid_field", message: "sync_intervals: \(error.message)")
            }
            guard let connection = updated else { throw APIError.notFound("no such connection") }
            return JSONResponse(json(connection))
        }
        router.delete("/v1/tenants/:tenant/connections/:id") { request, context in
            let (tenant, id) = try await target(request, context)
            let purge: Bool
            switch request.uri.queryParameters.get("purge") {
            case nil, "false": purge = false
            case "true": purge = true
            default: throw APIError(.badRequest, code: "invalid_request", message: "purge must be true or false")
            }
            guard try await connect.disconnect(tenantID: tenant.id, connectionID: id, purge: purge) else {
                throw APIError.notFound("no such connection")
            }
            return Response(status: .noContent)
        }
    }

    private func target(_ request: Request, _ context: some RequestContext) async throws -> (Tenant, UUID) {
        let tenant = try await auth.tenant(request, try context.parameters.require("tenant"))
        guard let id = UUID(uuidString: try context.parameters.require("id")) else { throw APIError.notFound("no such connection") }
        return (tenant, id)
    }

    /// Runs `body`, turning a ``ConnectError`` into the API's error body.
    static func mapped<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as ConnectError {
            throw APIError(error)
        }
    }

    /// A connection's JSON, with its provider's actions and whether its grant permits each.
    func json(_ connection: Connection) -> ConnectionJSON {
        ConnectionJSON(connection, actions: connect.registry.connector(connection.provider)?.actions ?? [])
    }
}

extension APIError {
    init(_ error: ConnectError) {
        self.init(HTTPResponse.Status(code: error.status), code: error.code, message: error.message)
    }
}
