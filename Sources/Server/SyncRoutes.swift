import Foundation
import Hummingbird
import Store

/// `POST …/connections/{id}/syncs` and `GET …/connections/{id}/sync-runs[/{run_id}]` (DESIGN §5 "Syncs").
struct SyncRoutes: Sendable {
    let auth: Authentication
    let connections: Connections
    let runs: SyncRuns

    struct Request: Decodable {
        let streams: [String]?
    }

    struct Queued: Encodable, Sendable {
        let run_id: String
    }

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.post("/v1/tenants/:tenant/connections/:id/syncs") { request, context in
            let (_, connection) = try await target(request, context)
            // The body is optional: no body (or `{}`) syncs every stream of the connection.
            var body = Request(streams: nil)
            if request.headers[.contentLength].map({ $0 != "0" }) ?? (request.headers[.transferEncoding] != nil) {
                body = try await JSONBody.decode(Request.self, from: request, allowed: ["streams"])
            }
            let id: UUID
            do {
                id = try await runs.request(connection: connection, streams: body.streams, trigger: .manual).id
            } catch let error as StoreError {
                throw error.kind == .conflict
                    ? APIError(.conflict, code: "connection_not_active", message: error.message)
                    : APIError(.badRequest, code: "invalid_field", message: error.message)
            }
            return JSONResponse(.accepted, Queued(run_id: id.json))
        }
        router.get("/v1/tenants/:tenant/connections/:id/sync-runs") { request, context in
            let (tenant, connection) = try await target(request, context)
            let limit = try Self.limit(request)
            let list = try await runs.list(tenantID: tenant.id, connectionID: connection.id, limit: limit)
            return JSONResponse(ListJSON(data: list.map(SyncRunJSON.init), next_cursor: Nullable(nil)))
        }
        router.get("/v1/tenants/:tenant/connections/:id/sync-runs/:run") { request, context in
            let (tenant, connection) = try await target(request, context)
            guard let runID = UUID(uuidString: try context.parameters.require("run")),
                let run = try await runs.find(tenantID: tenant.id, id: runID), run.connectionID == connection.id
            else { throw APIError.notFound("no such sync run") }
            return JSONResponse(SyncRunJSON(run))
        }
    }

    static func limit(_ request: Hummingbird.Request) throws -> Int {
        guard let text = request.uri.queryParameters.get("limit") else { return 50 }
        guard let limit = Int(text), (1...1000).contains(limit) else {
            throw APIError(.badRequest, code: "invalid_request", message: "limit must be a number from 1 to 1000")
        }
        return limit
    }

    private func target(_ request: Hummingbird.Request, _ context: some RequestContext) async throws -> (Tenant, Connection) {
        let tenant = try await auth.tenant(request, try context.parameters.require("tenant"))
        guard let id = UUID(uuidString: try context.parameters.require("id")),
            let connection = try await connections.find(tenantID: tenant.id, id: id)
        else { throw APIError.notFound("no such connection") }
        return (tenant, connection)
    }
}

/// A run as DESIGN §5 shows it.
struct SyncRunJSON: Encodable, Sendable {
    struct Stream: Encodable, Sendable {
        let name: String
        let status: StreamStatus
        let pages: Int
        let fetched: Int
        let inserted: Int
        let updated: Int
        let unchanged: Int
        let deleted: Int
        let skipped: Int
        let rate_limited: Int
        let retries: Int
        let duration_ms: Int
        let error: Nullable<String>
    }

    let id: String
    let connection_id: String
    let status: RunStatus
    let trigger: RunTrigger
    let attempt: Int
    let error: Nullable<String>
    let created_at: Date
    let started_at: Nullable<Date>
    let finished_at: Nullable<Date>
    let streams: [Stream]

    init(_ run: SyncRun) {
        id = run.id.json
        connection_id = run.connectionID.json
        status = run.status
        trigger = run.trigger
        attempt = run.attempt
        error = Nullable(run.lastError)
        created_at = run.createdAt
        started_at = Nullable(run.startedAt)
        finished_at = Nullable(run.finishedAt)
        streams = run.streams.map { s in
            Stream(
                name: s.name, status: s.status, pages: s.pages, fetched: s.fetched, inserted: s.inserted, updated: s.updated,
                unchanged: s.unchanged, deleted: s.deleted, skipped: s.skipped, rate_limited: s.rateLimited, retries: s.retries,
                duration_ms: s.durationMilliseconds, error: Nullable(s.error))
        }
    }
}
