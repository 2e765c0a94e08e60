import Connectors
import Credentials
import Foundation
import Hummingbird
import Store

/// The actions API (DESIGN §6.1): the catalogue of each provider's actions, and asking a connection for
/// one. An action is validated and recorded here; workers carry it out. Nothing here calls the provider.
struct ActionRoutes: Sendable {
    let auth: Authentication
    let registry: ConnectorRegistry
    let connections: Connections
    let ledger: ActionLedger
    let apiKeys: APIKeys
    /// Seals secret inputs (a password) until a worker sends them.
    let vault: CredentialVault

    struct CatalogueEntry: Encodable, Sendable {
        let name: String
        let description: String
        let input_schema: JSONValue
        let scopes: [[String]]
        let category: String
        let idempotent: Bool
    }

    struct Ask: Decodable {
        let action: String
        let input: JSONValue?
        let idempotency_key: String?
        let dry_run: Bool?

        static let fields: Set<String> = ["action", "input", "idempotency_key", "dry_run"]
    }

    /// How long `?wait` may hold a request, and how long a dry run waits for its plan unless told.
    static let longestWait = 30

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/v1/providers/:provider/actions") { request, context in
            _ = try await auth.principal(request)
            guard let connector = registry.connector(try context.parameters.require("provider")) else {
                throw APIError.notFound("no such provider")
            }
            let entries = connector.actions.map { action in
                CatalogueEntry(
                    name: action.name, description: action.summary, input_schema: action.inputSchema, scopes: action.requirements.map(\.anyOf),
                    category: action.category, idempotent: action.isIdempotent)
            }
            return JSONResponse(["data": entries])
        }
        router.post("/v1/tenants/:tenant/connections/:id/actions") { request, context in
            try await ask(request, context)
        }
        router.get("/v1/tenants/:tenant/connections/:id/actions") { request, context in
            let (tenant, connection) = try await target(request, context)
            let limit = try Self.limit(request)
            var before: (Date, UUID)?
            if let cursor = request.uri.queryParameters.get("cursor") {
                guard let id = UUID(uuidString: cursor), let last = try await ledger.find(tenantID: tenant.id, id: id),
                    last.connectionID == connection.id
                else { throw APIError(.badRequest, code: "invalid_cursor", message: "cursor is not a page position of this list") }
                before = (last.createdAt, last.id)
            }
            let page = try await ledger.list(tenantID: tenant.id, connectionID: connection.id, limit: limit, before: before)
            let next = page.count == limit ? page.last?.id.json : nil
            return JSONResponse(ListJSON(data: page.map(ActionJSON.init), next_cursor: Nullable(next)))
        }
        router.get("/v1/tenants/:tenant/connections/:id/actions/:action") { request, context in
            let (tenant, connection) = try await target(request, context)
            guard let id = UUID(uuidString: try context.parameters.require("action")),
                let action = try await ledger.find(tenantID: tenant.id, id: id), action.connectionID == connection.id
            else { throw APIError.notFound("no such action") }
            return JSONResponse(ActionJSON(action))
        }
    }

    private func ask<Context: RequestContext>(_ request: Request, _ context: Context) async throws -> Response {
        let (_, connection) = try await target(request, context)
        let wait = try Self.wait(request)
        let ask = try await JSONBody.decode(Ask.self, from: request, allowed: Ask.fields)
        guard let connector = registry.connector(connection.provider), let action = connector.action(named: ask.action) else {
            throw APIError.notFound("\(connection.provider) has no action \(String(ask.action.prefix(64)).debugDescription)")
        }
        if let key = ask.idempotency_key, !(1...200).contains(key.count) || key.contains("\0") {
            throw APIError(.badRequest, code: "invalid_field", message: "idempotency_key must be 1 to 200 characters")
        }
        let dryRun = ask.dry_run ?? false
        let recorded: ActionRecord
        do {
            recorded = try await ledger.ask(
                action, input: ask.input ?? .object([:]), of: connection, dryRun: dryRun, idempotencyKey: ask.idempotency_key,
                requestedBy: try await apiKeys.name(of: try await auth.principal(request))
            ) { id, secrets in try vault.sealActionSecrets(secrets, tenantID: connection.tenantID, actionID: id) }.action
        } catch let error as ActionInputError {
            throw APIError(.badRequest, code: "invalid_input", message: error.message)
        } catch let error as StoreError where error.kind == .conflict {
            throw APIError(.conflict, code: "idempotency_conflict", message: error.message)
        }
        let settled = try await settle(recorded, waiting: wait ?? (dryRun ? Self.longestWait : 0))
        return try JSONResponse(settled.status.isTerminal ? .ok : .accepted, ActionJSON(settled)).response(from: request, context: context)
    }

    /// Waits up to `seconds` for `action` to end.
    private func settle(_ action: ActionRecord, waiting seconds: Int) async throws -> ActionRecord {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var current = action
        while !current.status.isTerminal, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            current = try await ledger.find(tenantID: action.tenantID, id: action.id) ?? current
        }
        return current
    }

    private func target(_ request: Request, _ context: some RequestContext) async throws -> (Tenant, Connection) {
        let tenant = try await auth.tenant(request, try context.parameters.require("tenant"))
        guard let id = UUID(uuidString: try context.parameters.require("id")),
            let connection = try await connections.find(tenantID: tenant.id, id: id)
        else { throw APIError.notFound("no such connection") }
        return (tenant, connection)
    }

    static func wait(_ request: Request) throws -> Int? {
        guard let text = request.uri.queryParameters.get("wait") else { return nil }
        guard let seconds = Int(text), (0...longestWait).contains(seconds) else {
            throw APIError(.badRequest, code: "invalid_parameter", message: "wait must be an integer from 0 to \(longestWait)")
        }
        return seconds
    }

    static func limit(_ request: Request) throws -> Int {
        guard let text = request.uri.queryParameters.get("limit") else { return 50 }
        guard let limit = Int(text), (1...100).contains(limit) else {
            throw APIError(.badRequest, code: "invalid_parameter", message: "limit must be an integer from 1 to 100")
        }
        return limit
    }
}

/// An action as the API shows it (DESIGN §6.1 "Action JSON"), with `plan`: the targets and requests
/// worked out (a dry run's answer).
struct ActionJSON: Encodable, Sendable {
    struct ErrorJSON: Encodable, Sendable {
        let code: String
        let message: String
    }

    let id: String
    let connection_id: String
    let action: String
    let input: JSONValue
    let status: ActionStatus
    let dry_run: Bool
    let idempotency_key: Nullable<String>
    let attempts: Int
    let error: Nullable<ErrorJSON>
    let result: Nullable<JSONValue>
    let plan: Nullable<JSONValue>
    let requested_by: String
    let created_at: Date
    let started_at: Nullable<Date>
    let finished_at: Nullable<Date>

    init(_ action: ActionRecord) {
        id = action.id.json
        connection_id = action.connectionID.json
        self.action = action.action
        input = JSONValue.parse(Array(action.input.utf8)) ?? .object([:])
        status = action.status
        dry_run = action.dryRun
        idempotency_key = Nullable(action.idempotencyKey)
        attempts = action.attempts
        error = Nullable(action.errorCode.map { ErrorJSON(code: $0, message: action.errorMessage ?? "") })
        result = Nullable(action.result.flatMap { JSONValue.parse(Array($0.utf8)) })
        plan = Nullable(action.plan.flatMap { JSONValue.parse(Array($0.utf8)) })
        requested_by = action.requestedBy
        created_at = action.createdAt
        started_at = Nullable(action.startedAt)
        finished_at = Nullable(action.finishedAt)
    }
}
