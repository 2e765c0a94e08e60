import Foundation
import HTTPTypes
import Hummingbird

/// The `/v2` directory endpoints: users, roles and groups with their members (`zoom-api.md` §4.1–4.3).
struct SandboxRESTRoutes: Sendable {
    let sandbox: ZoomSandbox
    var pager: SandboxPager { SandboxPager(sandbox: sandbox) }

    func endpoint(_ category: SandboxRateCategory, _ scopes: [String], plans: Set<SandboxPlan>? = nil) -> SandboxEndpoint {
        SandboxEndpoint(sandbox: sandbox, category: category, scopes: scopes, plans: plans)
    }

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/v2/users") { request, _ in
            try await endpoint(.medium, ["user:read:list_users:admin", "user:read:admin"]).respond(request) {
                try listUsers(request, $0.account)
            }
        }
        // A master account lists a sub account's users.
        router.get("/v2/accounts/:accountId/users") { request, context in
            try await endpoint(.medium, ["user:read:list_users:master", "account:master"], plans: [.business]).respond(request) { caller in
                let data = SandboxDataRoutes(sandbox: sandbox)
                guard let sub = data.account(context, caller, allowSubAccounts: true), sub != caller.account else { return data.noAccount(context) }
                return try listUsers(request, sub)
            }
        }
        router.get("/v2/users/:userId") { request, context in
            let id = context.parameters.get("userId") ?? ""
            let scopes =
                id == "me"
                ? ["user:read:user", "user:read:user:admin", "user:read", "user:read:admin", "user_info:read"]
                : ["user:read:user:admin", "user:read:admin"]
            return try await endpoint(.light, scopes).respond(request) { getUser(id, $0) }
        }
        router.get("/v2/roles") { request, _ in
            try await endpoint(.medium, ["role:read:list_roles:admin", "role:read:list_roles", "role:read:admin"], plans: [.pro, .business])
                .respond(request) { listRoles($0) }
        }
        router.get("/v2/roles/:roleId/members") { request, context in
            let id = context.parameters.get("roleId") ?? ""
            return try await endpoint(
                .medium, ["role:read:list_members:admin", "role:read:list_members", "role:read:admin"], plans: [.pro, .business]
            )
            .respond(request) { try roleMembers(request, id, $0) }
        }
        router.get("/v2/groups") { request, _ in
            try await endpoint(.medium, ["group:read:list_groups:admin", "group:read:admin"]).respond(request) { listGroups($0) }
        }
        router.get("/v2/groups/:groupId/members") { request, context in
            let id = context.parameters.get("groupId") ?? ""
            return try await endpoint(.medium, ["group:read:list_members:admin", "group:read:admin"]).respond(request) {
                try groupMembers(request, id, $0)
            }
        }
    }

    // MARK: - Users

    func listUsers(_ request: Request, _ account: SandboxAccount) throws -> SandboxReply {
        let status = request.uri.queryParameters.get("status") ?? "active"
        guard ["active", "inactive", "pending"].contains(status) else {
            return SandboxReply.error(.badRequest, code: 300, "Invalid field: status.")
        }
        let roleFilter = request.uri.queryParameters.get("role_id")
        let page: SandboxPager.Page
        switch pager.page(request, scope: "users|\(account.index)|\(status)|\(roleFilter ?? "")", maximum: 300) {
        case .success(let value): page = value
        case .failure(let error): return error.reply
        }
        let matches = { (user: SandboxUser) in user.status == status && (roleFilter == nil || user.roleID == roleFilter) }
        let (users, next) = pager.scan(page, count: sandbox.userCount(account)) { index in
            guard sandbox.mayHaveStatus(account, index: index, status) else { return nil }
            return sandbox.user(account, index: index).flatMap { matches($0) ? userJSON($0) : nil }
        }
        let total = sandbox.cachedCount("users|\(status)|\(roleFilter ?? "")", account: account, matches)
        return SandboxReply(
            .ok,
            [
                "page_count": (total + page.size - 1) / page.size, "page_number": 1, "page_size": page.size,
                "total_records": total, "next_page_token": pager.token(for: page, next: next), "users": users,
            ])
    }

    func getUser(_ id: String, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        let account = caller.account
        let user: SandboxUser?
        if id == "me" {
            user = sandbox.user(account, index: caller.access.principal.userIndex)
        } else if let index = SandboxUser.index(fromID: id), let found = sandbox.user(account, index: index), found.id == id {
            user = found
        } else if id.contains("@") {
            // Looking a user up by email scans the account; fine for a sandbox.
            user = (0..<sandbox.userCount(account)).lazy.compactMap { sandbox.user(account, index: $0) }
                .first { $0.email.lowercased() == id.lowercased() }
        } else {
            user = nil
        }
        guard let user else { return SandboxReply.error(.notFound, code: 1001, "User does not exist: \(id).") }
        var body = userJSON(user)
        body["account_id"] = account.id
        body["account_number"] = account.number
        body["role_name"] = sandbox.roles(account).first { $0.id == user.roleID }?.name
        body["login_types"] = [100]
        body["cluster"] = "us06"
        return SandboxReply(.ok, body)
    }

    func userJSON(_ user: SandboxUser) -> [String: Any] {
        var body: [String: Any] = [
            "id": user.id, "email": user.email, "first_name": user.firstName, "last_name": user.lastName,
            "display_name": user.displayName ?? "\(user.firstName) \(user.lastName)", "type": user.type, "role_id": user.roleID,
            "status": user.status, "verified": user.status == "pending" ? 0 : 1, "pmi": user.pmi, "timezone": user.timezone,
            "created_at": SandboxHTTP.timestamp(user.createdAt), "user_created_at": SandboxHTTP.timestamp(user.createdAt),
            "language": "en-US", "group_ids": user.groupIDs, "im_group_ids": [String](),
        ]
        body["dept"] = user.department
        body["job_title"] = user.jobTitle
        body["company"] = user.company
        body["location"] = user.location
        body["manager"] = user.manager
        body["plan_united_type"] = user.planUnitedType
        body["zoom_one_type"] = user.zoomOneType
        if !user.pictureDeleted { body["pic_url"] = "https://sandbox.zoom.example/p/\(user.id).jpg" }
        if let lastLogin = user.lastLoginAt {
            body["last_login_time"] = SandboxHTTP.timestamp(lastLogin)
            body["last_client_version"] = "6.4.10.53917(mac)"
        }
        return body
    }

    func memberJSON(_ user: SandboxUser) -> [String: Any] {
        var body: [String: Any] = [
            "id": user.id, "email": user.email, "first_name": user.firstName, "last_name": user.lastName, "type": user.type,
        ]
        body["department"] = user.department
        return body
    }

    // MARK: - Roles

    func listRoles(_ caller: SandboxEndpoint.Caller) -> SandboxReply {
        let roles = sandbox.roles(caller.account).map { role -> [String: Any] in
            let members = sandbox.cachedCount("role|\(role.id)", account: caller.account) { $0.roleID == role.id }
            return ["id": role.id, "name": role.name, "description": role.description, "type": "common", "total_members": members]
        }
        return SandboxReply(.ok, ["total_records": roles.count, "roles": roles])
    }

    func roleMembers(_ request: Request, _ roleID: String, _ caller: SandboxEndpoint.Caller) throws -> SandboxReply {
        let account = caller.account
        guard sandbox.roles(account).contains(where: { $0.id == roleID }) else {
            return SandboxReply.error(.badRequest, code: 1034, "Role does not exist.")
        }
        return try members(request, scope: "role|\(roleID)", account: account) { $0.roleID == roleID }
    }

    // MARK: - Groups

    func listGroups(_ caller: SandboxEndpoint.Caller) -> SandboxReply {
        let account = caller.account
        let groups = sandbox.groups(account).map { group -> [String: Any] in
            let members = sandbox.cachedCount("group|\(group.id)", account: account, candidates: sandbox.memberCandidates(account, of: group)) {
                $0.groupIDs.contains(group.id)
            }
            return ["id": group.id, "name": group.name, "total_members": members]
        }
        return SandboxReply(.ok, ["total_records": groups.count, "groups": groups])
    }

    func groupMembers(_ request: Request, _ groupID: String, _ caller: SandboxEndpoint.Caller) throws -> SandboxReply {
        let account = caller.account
        guard let group = sandbox.groups(account).first(where: { $0.id == groupID }) else {
            return SandboxReply.error(.notFound, code: 4130, "Group does not exist: \(groupID).")
        }
        return try members(request, scope: "group|\(groupID)", account: account, candidates: sandbox.memberCandidates(account, of: group)) {
            $0.groupIDs.contains(groupID)
        }
    }

    private func members(
        _ request: Request, scope: String, account: SandboxAccount, candidates: [Int]? = nil, _ matches: @escaping (SandboxUser) -> Bool
    ) throws -> SandboxReply {
        let page: SandboxPager.Page
        switch pager.page(request, scope: "\(scope)|\(account.index)", maximum: 300) {
        case .success(let value): page = value
        case .failure(let error): return error.reply
        }
        let include = { (index: Int) in sandbox.user(account, index: index).flatMap { matches($0) ? memberJSON($0) : nil } }
        let (members, next) =
            candidates.map { pager.scan(page, candidates: $0, include) }
            ?? pager.scan(page, count: sandbox.userCount(account), include)
        let total = sandbox.cachedCount(scope, account: account, candidates: candidates, matches)
        return SandboxReply(
            .ok,
            [
                "page_count": (total + page.size - 1) / page.size, "page_number": 1, "page_size": page.size,
                "total_records": total, "next_page_token": pager.token(for: page, next: next), "members": members,
            ])
    }
}
