import Connectors
import Credentials
import Foundation
import Hummingbird
import Store

/// The operator console (DESIGN §6.3): server-rendered pages behind an admin sign-in, and the three
/// things an operator does from them: sync a connection now, create a re-auth link for a connection
/// that needs one, revoke a tenant's API key. Every POST carries the session's CSRF token; no page shows
/// a token, a secret or an API key beyond its first characters.
struct ConsoleRoutes: Sendable {
    let auth: ConsoleAuthentication
    let views: ConsoleViews
    let connect: ConnectService
    let tenants: Tenants
    let connections: Connections
    let runs: SyncRuns
    let apiKeys: APIKeys

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/console") { request, _ in
            try await auth.signedIn(request) == nil ? Self.seeOther("/console/sign-in") : Self.seeOther("/console/tenants")
        }
        router.get("/console/sign-in") { request, _ in
            try await auth.signedIn(request) == nil ? try auth.signInPage() : Self.seeOther("/console/tenants")
        }
        router.post("/console/sign-in") { request, _ in try await auth.signIn(request) }
        router.post("/console/sign-out") { request, _ in try await auth.signOut(request) }

        page(router, "/console/tenants") { request, _, signedIn in try await views.tenants(signedIn) }
        page(router, "/console/queue") { _, _, signedIn in try await views.queue(signedIn) }
        page(router, "/console/rate-limits") { _, _, signedIn in try await views.rateLimits(signedIn) }
        page(router, "/console/events") { _, _, signedIn in try await views.events(signedIn) }
        page(router, "/console/tenants/:tenant") { request, context, signedIn in
            guard let tenant = try await tenants.find(try context.parameters.require("tenant")) else {
                return ConsolePage.notFound("tenant", signedIn: signedIn)
            }
            return try await views.tenant(tenant, signedIn, notice: Self.notice(request))
        }
        page(router, "/console/tenants/:tenant/connections/:id") { request, context, signedIn in
            guard let (tenant, connection) = try await target(context) else { return ConsolePage.notFound("connection", signedIn: signedIn) }
            return try await views.connection(connection, of: tenant, signedIn, notice: Self.notice(request))
        }

        action(router, "/console/tenants/:tenant/connections/:id/sync") { _, context, signedIn in
            guard let (tenant, connection) = try await target(context) else { return ConsolePage.notFound("connection", signedIn: signedIn) }
            let back = "/console/tenants/\(tenant.slug)/connections/\(connection.id.json)"
            do {
                let queued = try await runs.request(connection: connection, streams: nil, trigger: .manual)
                return Self.seeOther(back + "?notice=" + (queued.created ? "sync-queued" : "sync-in-flight"))
            } catch let error as StoreError where error.kind == .conflict {
                return ConsolePage.message(
                    .conflict, heading: "Not synced", text: "This connection cannot sync now: \(error.message).", signedIn: signedIn, back: back,
                    backLabel: "Back to the connection")
            }
        }
        action(router, "/console/tenants/:tenant/connections/:id/reauth-link") { _, context, signedIn in
            guard let (tenant, connection) = try await target(context) else { return ConsolePage.notFound("connection", signedIn: signedIn) }
            guard connection.mode.isBrowserFlow else {
                return ConsolePage.message(
                    .conflict, heading: "No re-auth link for this connection",
                    text: "A server-to-server connection is re-authorized by posting its account credentials again (POST …/connections).",
                    signedIn: signedIn, back: "/console/tenants/\(tenant.slug)/connections/\(connection.id.json)", backLabel: "Back to the connection"
                )
            }
            let link = try await connect.createSession(
                tenantID: tenant.id, provider: connection.provider, mode: connection.mode.rawValue, returnURL: nil, requireOwner: false)
            return views.reauthLink(link.url, expiresAt: link.session.expiresAt, for: connection, of: tenant, signedIn)
        }
        action(router, "/console/tenants/:tenant/api-keys/:id/revoke") { _, context, signedIn in
            guard let tenant = try await tenants.find(try context.parameters.require("tenant")),
                let id = UUID(uuidString: try context.parameters.require("id")),
                try await apiKeys.revoke(tenantID: tenant.id, id: id) != nil
            else { return ConsolePage.notFound("API key", signedIn: signedIn) }
            return Self.seeOther("/console/tenants/\(tenant.slug)?notice=key-revoked")
        }
    }

    // MARK: - Signed-in routes

    /// A page for signed-in operators; anyone else is sent to sign in.
    private func page<Context: RequestContext>(
        _ router: Router<Context>, _ path: RouterPath,
        _ render: @escaping @Sendable (Request, Context, ConsoleOperator) async throws -> Response
    ) {
        router.get(path) { request, context in
            guard let signedIn = try await auth.signedIn(request) else { return Self.seeOther("/console/sign-in") }
            return try await render(request, context, signedIn)
        }
    }

    /// A form post of a signed-in operator, carrying the session's CSRF token; anything else does nothing.
    private func action<Context: RequestContext>(
        _ router: Router<Context>, _ path: RouterPath,
        _ perform: @escaping @Sendable (Request, Context, ConsoleOperator) async throws -> Response
    ) {
        router.post(path) { request, context in
            let form = try await FormBody.fields(of: request, named: [FormToken.field])
            guard let signedIn = try await auth.signedIn(request) else {
                return ConsolePage.message(
                    .unauthorized, heading: "Signed out", text: "Your console session has ended. Nothing was done; sign in again.", signedIn: nil,
                    back: "/console/sign-in", backLabel: "Sign in")
            }
            guard auth.isGenuine(form, request) else { return ConsolePage.forgedForm() }
            return try await perform(request, context, signedIn)
        }
    }

    /// The tenant and connection a path names, or nil when either does not exist (or does not belong).
    private func target(_ context: some RequestContext) async throws -> (Tenant, Connection)? {
        guard let tenant = try await tenants.find(try context.parameters.require("tenant")),
            let id = UUID(uuidString: try context.parameters.require("id")),
            let connection = try await connections.find(tenantID: tenant.id, id: id)
        else { return nil }
        return (tenant, connection)
    }

    /// The message a redirect after an action asks for. Only known codes are shown: a crafted link cannot
    /// put words in the console's mouth.
    static func notice(_ request: Request) -> String? {
        switch request.uri.queryParameters.get("notice") {
        case "sync-queued": "A sync of every stream was queued."
        case "sync-in-flight": "A sync of this connection is already queued or running; it was not queued twice."
        case "key-revoked": "The API key was revoked: it authenticates nothing from now on."
        default: nil
        }
    }

    static func seeOther(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }
}
