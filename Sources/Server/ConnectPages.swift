import Connectors
import Credentials
import Foundation
import Hummingbird
import OAuth
import Sensitive
import Store

/// The browser side of connecting: the connect page behind a one-time link, the form that starts the
/// flow, the provider's callback and Tether's own result page.
struct ConnectPages: Sendable {
    let connect: ConnectService

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/connect/result") { request, _ in resultPage(request) }
        router.get("/connect/:token") { _, context in try await connectPage(try context.parameters.require("token")) }
        router.post("/connect/:token") { request, context in try await start(request, token: try context.parameters.require("token")) }
        router.get("/oauth/callback/:provider") { request, context in
            try await callback(request, provider: try context.parameters.require("provider"))
        }
        router.on("/oauth/callback/:provider", method: .post) { _, _ -> Response in
            throw APIError(.methodNotAllowed, code: "method_not_allowed", message: "the callback accepts GET only", headers: [.allow: "GET"])
        }
    }

    // MARK: - Connect page

    private func connectPage(_ token: String) async throws -> Response {
        guard let page = try await connect.page(token: token) else { return Self.unknownLink.makeResponse() }
        let provider = page.connector.displayName
        guard page.isUsable else {
            return HTMLPage(
                status: .gone, title: "Link expired",
                body: """
                    <h1>This connect link can no longer be used</h1>
                    <p>It was already used or has expired. Ask \(escape(page.tenant.name)) for a new link.</p>
                    """
            ).makeResponse()
        }
        let formKey = try FormToken.newKey()
        let formToken = "<input type=\"hidden\" name=\"\(FormToken.field)\" value=\"\(FormToken.value(key: formKey, token: token))\">"
        let scopes = page.connector.requestedScopes.map { scope in
            "<tr><td><code>\(escape(scope))</code></td><td>\(escape(page.connector.scopeCatalog.describe(scope)?.unlocks ?? ""))</td></tr>"
        }.joined(separator: "\n")
        let form: String
        if page.session.mode == .custom {
            form = """
                <h2>Your \(escape(provider)) app</h2>
                <p>Create an admin-managed OAuth app in the \(escape(provider)) Marketplace, add the scopes above, and register this
                redirect URL in it:</p>
                <p><code>\(escape(page.redirectURI))</code></p>
                <form method="post" action="/connect/\(escape(token))" autocomplete="off">
                \(formToken)
                <label for="client_id">Client ID</label><input id="client_id" name="client_id" required maxlength="256">
                <label for="client_secret">Client secret</label><input id="client_secret" name="client_secret" type="password" required maxlength="512">
                <label for="webhook_secret_token">Secret token (optional)</label><input id="webhook_secret_token" name="webhook_secret_token" type="password" maxlength="512" aria-describedby="webhook_help">
                <p id="webhook_help">The app's secret token (its Features page) lets Tether verify \(escape(provider))'s notice that the app was
                removed, and delete this connection's tokens and data at once. Subscribe the app's events at
                <code>\(escape(page.webhookURL))?client_id=</code> followed by your client ID.</p>
                <button type="submit">Continue to \(escape(provider))</button>
                </form>
                """
        } else {
            form = """
                <form method="post" action="/connect/\(escape(token))">\(formToken)<button type="submit">Continue to \(escape(provider))</button></form>
                """
        }
        let changes = page.session.actions ? Self.writeScopes(of: page.connector) : []
        let changesTable =
            changes.isEmpty
            ? ""
            : """
            <h2>What Tether will be able to change</h2>
            <p>\(escape(page.tenant.name)) also asks to act on your account. Each change is recorded, checked first (the account owner is
            never a target), and made only when \(escape(page.tenant.name)) asks for it.</p>
            <table><thead><tr><th>Scope</th><th>What it lets Tether do</th></tr></thead><tbody>
            \(changes.map { "<tr><td><code>\(escape($0))</code></td><td>\(escape(page.connector.scopeCatalog.describe($0)?.unlocks ?? ""))</td></tr>" }.joined(separator: "\n"))
            </tbody></table>
            """
        let owner =
            page.session.requireOwner
            ? "<p><strong>The \(escape(provider)) account owner must approve this connection.</strong></p>" : ""
        var html = HTMLPage(
            title: "Connect \(provider)",
            body: """
                <h1>Connect \(escape(provider)) to \(escape(page.tenant.name))</h1>
                <p>\(escape(page.tenant.name)) asks \(changes.isEmpty ? "for read-only access to" : "to read and to change") your \(escape(provider)) account. You will sign in at
                \(escape(provider)) and approve there; \(escape(provider)) then sends you back here.</p>
                \(owner)
                <h2>What is requested</h2>
                <table><thead><tr><th>Scope</th><th>What it lets Tether read</th></tr></thead><tbody>
                \(scopes)
                </tbody></table>
                \(changesTable)
                \(form)
                <p class="muted">This link works once and expires at \(escape(ISO8601DateFormatter().string(from: page.session.expiresAt))).</p>
                """)
        // The form posts here, and its answer redirects to the provider's consent page (and on to the
        // provider's own sign-in hosts).
        html.formTargets = ["'self'"] + Self.sources(of: page.connector.authorizationServer.authorizeURL)
        var response = html.makeResponse()
        // Strict: no other site's page can make the browser send it, so no other site can post the form.
        response.setCookie(
            Cookie(
                name: connect.configuration.formCookieName, value: formKey, maxAge: Int(connect.configuration.sessionLifetime), path: "/",
                secure: connect.configuration.isSecure, httpOnly: true, sameSite: .strict))
        return response
    }

    /// The scopes the connector's actions need beyond its reads (each requirement's preferred one), in the
    /// catalogue's order.
    static func writeScopes(of connector: any Connector) -> [String] {
        let reads = Set(connector.requestedScopes)
        var scopes: [String] = []
        for action in connector.actions {
            for requirement in action.requirements where !requirement.anyOf.contains(where: reads.contains) && !scopes.contains(requirement.anyOf[0])
            {
                scopes.append(requirement.anyOf[0])
            }
        }
        return scopes
    }

    /// The CSP sources of `url`'s origin and, for a host name, its subdomains (a provider's sign-in may
    /// move to a regional host): `https://zoom.us https://*.zoom.us`.
    static func sources(of url: String) -> [String] {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host, !host.isEmpty
        else { return [] }
        let port = components.port.map { ":\($0)" } ?? ""
        let isAddress = host.contains(":") || host.split(separator: ".").allSatisfy { UInt8($0) != nil }
        return ["\(scheme)://\(host)\(port)"] + (isAddress ? [] : ["\(scheme)://*.\(host)\(port)"])
    }

    /// A POST that did not come from the page the browser was shown (a cross-site auto-submit, a form
    /// copied from another link): nothing starts, and the link stays usable.
    private static let forgedForm = HTMLPage(
        status: .forbidden, title: "Open the connect link again",
        body: """
            <h1>This form was not sent from its connect page</h1>
            <p>For your safety nothing was started. Open the connect link you were given and continue from there.</p>
            """)

    private static let unknownLink = HTMLPage(
        status: .notFound, title: "Unknown link", body: "<h1>This connect link does not exist</h1><p>Check the link or ask for a new one.</p>")

    // MARK: - Starting the flow

    private func start(_ request: Request, token: String) async throws -> Response {
        let form = try await FormBody.fields(of: request, named: ["client_id", "client_secret", "webhook_secret_token", FormToken.field])
        guard
            FormToken.isValid(
                key: request.cookies[connect.configuration.formCookieName]?.value, field: form[FormToken.field], token: token)
        else { return Self.forgedForm.makeResponse() }
        let custom: ClientCredentials?
        let webhookSecret = form["webhook_secret_token"].flatMap { $0.isEmpty ? nil : Secret($0) }
        switch (form["client_id"], form["client_secret"]) {
        case (nil, nil): custom = nil
        case (let id?, let secret?): custom = ClientCredentials(clientID: id.trimmingCharacters(in: .whitespaces), clientSecret: Secret(secret))
        default: throw APIError(.badRequest, code: "invalid_request", message: "client_id and client_secret go together")
        }
        let outcome: ConnectService.FlowStart
        do {
            outcome = try await connect.startFlow(token: token, customClient: custom, webhookSecret: webhookSecret)
        } catch let error as ConnectError {
            throw APIError(error)
        }
        switch outcome {
        case .ended(let location):
            return Self.seeOther(location)
        case .started(let authorizeURL, let browserToken):
            var response = Self.seeOther(authorizeURL)
            response.setCookie(
                Cookie(
                    name: connect.configuration.flowCookieName, value: browserToken.unsafeValue,
                    maxAge: Int(connect.configuration.flowLifetime), path: "/", secure: connect.configuration.isSecure, httpOnly: true,
                    sameSite: .lax))
            return response
        }
    }

    // MARK: - Callback and result

    private func callback(_ request: Request, provider: String) async throws -> Response {
        let browserToken = request.cookies[connect.configuration.flowCookieName]?.value
        let result = try await connect.completeFlow(provider: provider, rawQuery: request.uri.query ?? "", browserToken: browserToken)
        var response: Response
        switch result {
        case .redirect(let location, _):
            response = Self.seeOther(location)
        case .rejected(let outcome, let message):
            response = HTMLPage(
                status: .badRequest, title: "Connection failed",
                body: """
                    <h1>The connection could not be completed</h1>
                    <p class="error">\(escape(message))</p>
                    <p>\(escape(outcome.explanation))</p>
                    <p class="muted">Error code: <code>\(outcome.rawValue)</code></p>
                    """
            ).makeResponse()
        }
        // The flow is over either way: drop the cookie. Nothing here may be cached or leak in a Referer.
        response.setCookie(
            Cookie(
                name: connect.configuration.flowCookieName, value: "", maxAge: 0, path: "/", secure: connect.configuration.isSecure,
                httpOnly: true, sameSite: .lax))
        response.headers[.cacheControl] = "no-store"
        response.headers[.referrerPolicy] = "no-referrer"
        return response
    }

    private func resultPage(_ request: Request) -> HTMLPage {
        let query = request.uri.queryParameters
        let outcome = query.get("status") == "connected" ? .connected : ConnectOutcome(rawValue: query.get("error") ?? "") ?? .accessDenied
        let connection = query.get("connection_id").flatMap(UUID.init(uuidString:))
        let detail = connection.map { "<p class=\"muted\">Connection <code>\($0.uuidString.lowercased())</code></p>" } ?? ""
        return HTMLPage(
            title: outcome == .connected ? "Connected" : "Not connected",
            body: """
                <h1>\(outcome == .connected ? "Connected" : "Not connected")</h1>
                <p>\(escape(outcome.explanation))</p>
                \(detail)
                \(outcome == .connected ? "" : "<p class=\"muted\">Error code: <code>\(outcome.rawValue)</code></p>")
                <p>You can close this window.</p>
                """, extraHeaders: [.referrerPolicy: "no-referrer"])
    }

    static func seeOther(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store", .referrerPolicy: "no-referrer"])
    }
}
