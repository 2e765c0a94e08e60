import Foundation
import HTTPTypes
import Hummingbird

/// Who administers the account's groups and what its roles allow (`zoom-api-actions.md` A2, A3): add a
/// group's admins and list them, change a role's name, description and privileges.
struct SandboxAdminRoutes: Sendable {
    let sandbox: ZoomSandbox
    var writes: SandboxWriteRoutes { SandboxWriteRoutes(sandbox: sandbox) }

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.post("/v2/groups/:groupId/admins") { request, context in
            let body = try await SandboxWriteRoutes.body(request)
            return try await writes.write(request, writes.endpoint(.medium, ["group:write:administrator:admin", "group:write:admin"])) { caller in
                addAdmins(context.parameters.get("groupId") ?? "", body, caller)
            }
        }
        router.get("/v2/groups/:groupId/admins") { request, context in
            try await writes.endpoint(.medium, ["group:read:list_administrators:admin", "group:read:admin"]).respond(request) { caller in
                admins(request, context.parameters.get("groupId") ?? "", caller)
            }
        }
        router.patch("/v2/roles/:roleId") { request, context in
            let body = try await SandboxWriteRoutes.body(request)
            return try await writes.write(
                request, writes.endpoint(.light, ["role:update:role:admin", "role:write:admin"], plans: [.pro, .business])
            ) {
                caller in
                updateRole(context.parameters.get("roleId") ?? "", body, caller)
            }
        }
    }

    /// `POST /groups/{groupId}/admins`: up to 10 users by id or email; adding an admin again changes nothing.
    func addAdmins(_ groupID: String, _ body: [String: Any], _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        guard writes.group(groupID, caller) != nil else { return SandboxWriteRoutes.noGroup }
        guard let entries = body["admins"] as? [[String: Any]], (1...10).contains(entries.count) else {
            return SandboxReply.error(.badRequest, code: 300, "Invalid field: admins.")
        }
        var ids: [String] = []
        for entry in entries {
            let reference = entry["id"] as? String ?? entry["email"] as? String ?? ""
            guard let user = writes.user(reference, caller) else {
                return SandboxReply.error(.notFound, code: 1001, "User does not exist: \(reference).")
            }
            ids.append(user.id)
        }
        sandbox.edits.addGroupAdmins(caller.account, group: groupID, users: ids)
        return SandboxReply(.created, ["ids": ids.joined(separator: ","), "added_at": SandboxHTTP.timestamp(sandbox.clock.now)])
    }

    /// `GET /groups/{groupId}/admins`: one page (a group has a handful of admins), users removed since left out.
    func admins(_ request: Request, _ groupID: String, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        guard writes.group(groupID, caller) != nil else { return SandboxWriteRoutes.noGroup }
        let size = request.uri.queryParameters.get("page_size").flatMap { Int($0) } ?? 30
        guard (1...300).contains(size) else { return SandboxReply.error(.badRequest, code: 300, "Invalid field: page_size.") }
        let admins = sandbox.edits.groupAdmins(caller.account, group: groupID).compactMap { writes.user($0, caller) }
        return SandboxReply(
            .ok,
            [
                "page_size": size, "total_records": admins.count, "next_page_token": "",
                "admins": admins.prefix(size).map { ["user_id": $0.id, "email": $0.email, "name": "\($0.firstName) \($0.lastName)"] },
            ])
    }

    /// `PATCH /roles/{roleId}`: the Owner role cannot change (code 300), names are unique (code 1224), and
    /// privileges must be Zoom's.
    func updateRole(_ roleID: String, _ body: [String: Any], _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        guard var role = writes.role(roleID, caller) else { return SandboxWriteRoutes.noRole }
        guard roleID != "0" else { return SandboxReply.error(.badRequest, code: 300, "This role cannot be updated.") }
        if let name = body["name"] {
            guard let name = name as? String, (1...128).contains(name.count) else {
                return SandboxReply.error(.badRequest, code: 300, "Invalid field: name.")
            }
            guard !sandbox.roles(caller.account).contains(where: { $0.name == name && $0.id != roleID }) else {
                return SandboxReply.error(.badRequest, code: 1224, "Role name \(name) is already in use.")
            }
            role.name = name
        }
        if let description = body["description"] {
            guard let description = description as? String, description.count <= 255 else {
                return SandboxReply.error(.badRequest, code: 300, "Invalid field: description.")
            }
            role.description = description
        }
        if let privileges = body["privileges"] {
            guard let privileges = privileges as? [String] else { return SandboxReply.error(.badRequest, code: 300, "Invalid field: privileges.") }
            if let unknown = privileges.first(where: { !SandboxDirectory.privileges.contains($0) }) {
                return SandboxReply.error(.badRequest, code: 300, "Invalid privilege: \(unknown).")
            }
            role.privileges = privileges
        }
        sandbox.edits.changeRole(caller.account, role)
        sandbox.dataChanged()
        return SandboxReply(.noContent, [:])
    }
}
