import Foundation
import HTTPTypes
import Hummingbird
import Sensitive
import Store

/// Who is signed in to the console, and the CSRF token their forms carry.
struct ConsoleOperator: Sendable {
    let session: ConsoleSession
    /// HMAC(session cookie, "console"): every console form posts it (DESIGN §6.3). A page of another site
    /// cannot read the HttpOnly cookie it derives from, nor make the browser send that cookie (Strict).
    let csrf: String
}

/// Sign-in, sign-out and the session check of every console page (DESIGN §6.3): an admin API key signs
/// in through a form and gets a session cookie (HttpOnly, SameSite=Strict, 12 hours at most, `__Host-`
/// behind https). A tenant key, an unknown key or a form without its CSRF token opens nothing.
struct ConsoleAuthentication: Sendable {
    let sessions: ConsoleSessions
    let apiKeys: APIKeys
    /// Whether Tether is served over https: cookies are then `Secure` and `__Host-` prefixed.
    let isSecure: Bool

    var sessionCookie: String { isSecure ? "__Host-tether_console" : "tether_console" }
    /// The sign-in form's CSRF key: a sign-in form posted from another site must not sign the browser in
    /// to the attacker's session.
    var formCookie: String { isSecure ? "__Host-tether_console_form" : "tether_console_form" }

    static let csrfPurpose = "console"
    static let signInPurpose = "console-sign-in"

    /// The operator of `request`'s session cookie, or nil when there is none or it has ended.
    func signedIn(_ request: Request) async throws -> ConsoleOperator? {
        guard let token = request.cookies[sessionCookie]?.value, let session = try await sessions.find(token) else { return nil }
        return ConsoleOperator(session: session, csrf: FormToken.value(key: token, purpose: Self.csrfPurpose))
    }

    /// Whether a posted form carries the CSRF token of the request's session.
    func isGenuine(_ form: [String: String], _ request: Request) -> Bool {
        FormToken.matches(form[FormToken.field], key: request.cookies[sessionCookie]?.value, purpose: Self.csrfPurpose)
    }

    // MARK: - Sign-in page and form

    /// The sign-in page, with a fresh form key in its cookie.
    func signInPage(status: HTTPResponse.Status = .ok, problem: String? = nil) throws -> Response {
        let key = try FormToken.newKey()
        var response = ConsolePage(
            title: "Sign in", template: "sign-in", values: ["csrf": FormToken.value(key: key, purpose: Self.signInPurpose)], problem: problem
        ).response(status: status)
        response.setCookie(cookie(formCookie, value: key, maxAge: 3600))
        return response
    }

    /// Checks the posted key and opens a session: 303 to the console with the session cookie, or the
    /// sign-in page again (403 for a forged form or a tenant key, 401 for any other key) with nothing opened.
    func signIn(_ request: Request) async throws -> Response {
        let form = try await FormBody.fields(of: request, named: ["key", FormToken.field])
        guard FormToken.matches(form[FormToken.field], key: request.cookies[formCookie]?.value, purpose: Self.signInPurpose) else {
            return try signInPage(status: .forbidden, problem: "This form was not sent from the sign-in page. Nothing was done; sign in again.")
        }
        switch try await apiKeys.authenticate(form["key"] ?? "") {
        case .admin(let keyID):
            let token = try await sessions.open(apiKeyID: keyID)
            var response = Response(status: .seeOther, headers: [.location: "/console/tenants", .cacheControl: "no-store"])
            response.setCookie(cookie(sessionCookie, value: token.unsafeValue, maxAge: Int(ConsoleSessions.lifetime)))
            response.setCookie(cookie(formCookie, value: "", maxAge: 0))
            return response
        case .tenant:
            return try signInPage(status: .forbidden, problem: "A tenant API key cannot sign in to the console: use an admin API key.")
        case nil:
            return try signInPage(status: .unauthorized, problem: "That is not a valid admin API key (or it was revoked, or it expired).")
        }
    }

    /// Ends the session (a signed-out cookie opens nothing, even if kept) and returns to the sign-in page.
    func signOut(_ request: Request) async throws -> Response {
        let form = try await FormBody.fields(of: request, named: [FormToken.field])
        guard isGenuine(form, request), let token = request.cookies[sessionCookie]?.value else { return ConsolePage.forgedForm() }
        try await sessions.close(token)
        var response = Response(status: .seeOther, headers: [.location: "/console/sign-in", .cacheControl: "no-store"])
        response.setCookie(cookie(sessionCookie, value: "", maxAge: 0))
        return response
    }

    private func cookie(_ name: String, value: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: isSecure, httpOnly: true, sameSite: .strict)
    }
}
