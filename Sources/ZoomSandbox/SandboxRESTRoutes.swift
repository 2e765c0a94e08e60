import Foundation
import HTTPTypes
import Hummingbird
import Vault

/// The `/v2` REST API: bearer-token checks, scope checks and Zoom's paging, then the data endpoints.
struct SandboxRESTRoutes: Sendable {
    let sandbox: ZoomSandbox

    /// Page tokens expire after 15 minutes, as Zoom's do.
    static let pageTokenLifetime: TimeInterval = 900

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/v2/users") { request, _ in try await authorized(request, scopes: ["user:read:list_users:admin", "user:read:admin"]) { access in
            try listUsers(request, access: access)
        } }
        router.get("/v2/users/:userId") { request, context in
            let id = context.parameters.get("userId") ?? ""
            let scopes = id == "me"
                ? ["user:read:user", "user:read:user:admin", "user:read", "user:read:admin", "user_info:read"]
                : ["user:read:user:admin", "user:read:admin"]
            return try await authorized(request, scopes: scopes) { access in getUser(id, access: access) }
        }
    }

    // MARK: - Authorization

    /// Runs `body` when the request carries a valid bearer token with one of `scopes`; otherwise answers as
    /// Zoom does: 401 code 124 for a missing, invalid, expired or query-string token, 400 code 4711 naming
    /// the scopes that would do.
    func authorized(_ request: Request, scopes: [String], _ body: (SandboxAccess) throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            if request.uri.queryParameters.get("access_token") != nil {
                return SandboxHTTP.zoomError(
                    .unauthorized, code: 124, "Invalid access token, this access token is not supported as query parameter string.")
            }
            return SandboxHTTP.zoomError(.unauthorized, code: 124, "Invalid access token.")
        }
        switch sandbox.grants.checkAccess(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces), now: sandbox.clock.now) {
        case .invalid:
            return SandboxHTTP.zoomError(.unauthorized, code: 124, "Invalid access token.")
        case .expired:
            return SandboxHTTP.zoomError(.unauthorized, code: 124, "Access token is expired.")
        case .valid(let access):
            guard scopes.contains(where: access.scopes.contains) else {
                return SandboxHTTP.zoomError(
                    .badRequest, code: 4711, "Invalid access token, does not contain scopes:[\(scopes.joined(separator: ", "))].")
            }
            return try body(access)
        }
    }

    // MARK: - Users

    func listUsers(_ request: Request, access: SandboxAccess) throws -> Response {
        let query = request.uri.queryParameters
        let account = sandbox.world.accounts[access.principal.accountIndex]
        let status = query.get("status").map({ String($0) }) ?? "active"
        guard ["active", "inactive", "pending"].contains(status) else {
            return SandboxHTTP.zoomError(.badRequest, code: 300, "Invalid field: status.")
        }
        let pageSize = parsePageSize(query.get("page_size"), maximum: 300)
        guard let pageSize else { return SandboxHTTP.zoomError(.badRequest, code: 300, "Invalid field: page_size.") }
        let scope = "users|\(account.index)|\(status)|\(pageSize)"
        var position = 0
        if let token = query.get("next_page_token").map({ String($0) }), !token.isEmpty {
            guard let resumed = readPageToken(token, scope: scope) else {
                return SandboxHTTP.zoomError(.badRequest, code: 300, "The next page token is invalid or expired.")
            }
            position = resumed
        }
        var users: [[String: Any]] = []
        while position < account.userCount, users.count < pageSize {
            let user = sandbox.world.user(of: account, index: position)
            if user.status == status { users.append(listJSON(user)) }
            position += 1
        }
        let more = (position..<account.userCount).contains { sandbox.world.user(of: account, index: $0).status == status }
        let total = sandbox.statusCount(account: account, status: status)
        return SandboxHTTP.json(.ok, [
            "page_count": (total + pageSize - 1) / pageSize, "page_number": 1, "page_size": pageSize,
            "total_records": total, "next_page_token": more ? makePageToken(scope: scope, position: position) : "", "users": users,
        ])
    }

    func getUser(_ id: String, access: SandboxAccess) -> Response {
        let account = sandbox.world.accounts[access.principal.accountIndex]
        let user: SandboxUser?
        if id == "me" {
            user = sandbox.world.user(of: account, index: access.principal.userIndex)
        } else if let index = SandboxUser.index(fromID: id), index < account.userCount,
            sandbox.world.user(of: account, index: index).id == id
        {
            user = sandbox.world.user(of: account, index: index)
        } else if id.contains("@") {
            // Looking a user up by email scans the account; fine for a sandbox.
            user = (0..<account.userCount).lazy.map { sandbox.world.user(of: account, index: $0) }
                .first { $0.email.lowercased() == id.lowercased() }
        } else {
            user = nil
        }
        guard let user else { return SandboxHTTP.zoomError(.notFound, code: 1001, "User does not exist: \(id).") }
        var body = listJSON(user)
        body["account_id"] = account.id
        body["account_number"] = account.number
        body["role_name"] = user.role.zoomRoleName
        body["login_types"] = [100]
        body["cluster"] = "us06"
        return SandboxHTTP.json(.ok, body)
    }

    func listJSON(_ user: SandboxUser) -> [String: Any] {
        var body: [String: Any] = [
            "id": user.id, "email": user.email, "first_name": user.firstName, "last_name": user.lastName,
            "display_name": "\(user.firstName) \(user.lastName)", "type": user.type, "role_id": user.role.zoomRoleID,
            "status": user.status, "verified": user.status == "pending" ? 0 : 1, "pmi": user.pmi, "timezone": user.timezone,
            "created_at": SandboxHTTP.timestamp(user.createdAt), "user_created_at": SandboxHTTP.timestamp(user.createdAt),
            "language": "en-US", "group_ids": [String](), "im_group_ids": [String](),
        ]
        body["dept"] = user.department
        body["job_title"] = user.jobTitle
        if let lastLogin = user.lastLoginAt {
            body["last_login_time"] = SandboxHTTP.timestamp(lastLogin)
            body["last_client_version"] = "6.4.10.53917(mac)"
        }
        return body
    }

    // MARK: - Paging

    /// `nil` when the value is not a positive integer; values above `maximum` are capped, as Zoom does.
    func parsePageSize(_ value: String?, maximum: Int) -> Int? {
        guard let value else { return 30 }
        guard let size = Int(value), size > 0 else { return nil }
        return min(size, maximum)
    }

    /// A page token that is only valid for the same query (`scope`) and for 15 minutes: an HMAC over the
    /// scope, the position and the issue time, under a key only this sandbox knows.
    func makePageToken(scope: String, position: Int) -> String {
        let issued = Int(sandbox.clock.now.timeIntervalSince1970)
        let payload = "\(position).\(issued)"
        let mac = HMACSHA256.authenticationCode(key: sandbox.pageTokenKey, message: Array("\(scope)|\(payload)".utf8))
        return Base64URL.encode(Array(payload.utf8)) + "." + Base64URL.encode(mac.prefix(16))
    }

    func readPageToken(_ token: String, scope: String) -> Int? {
        let parts = token.split(separator: ".")
        guard parts.count == 2, let payloadBytes = try? Base64URL.decode(String(parts[0])),
            let mac = try? Base64URL.decode(String(parts[1])), let payload = String(bytes: payloadBytes, encoding: .utf8)
        else { return nil }
        let expected = HMACSHA256.authenticationCode(key: sandbox.pageTokenKey, message: Array("\(scope)|\(payload)".utf8))
        guard ConstantTime.equals(mac, Array(expected.prefix(16))) else { return nil }
        let fields = payload.split(separator: ".")
        guard fields.count == 2, let position = Int(fields[0]), let issued = Double(fields[1]),
            sandbox.clock.now.timeIntervalSince1970 - issued < Self.pageTokenLifetime
        else { return nil }
        return position
    }
}
