import Foundation
import HTTPTypes
import Hummingbird

/// Zoom's write endpoints that Tether's actions use (`zoom-api-actions.md` Part A): their scopes,
/// categories, status codes and error bodies. Each change goes through the sandbox's edits, so it shows in
/// the read endpoints at once, as at Zoom.
struct SandboxWriteRoutes: Sendable {
    let sandbox: ZoomSandbox

    func endpoint(_ category: SandboxRateCategory, _ scopes: [String], plans: Set<SandboxPlan>? = nil) -> SandboxEndpoint {
        SandboxEndpoint(sandbox: sandbox, category: category, scopes: scopes, plans: plans)
    }

    /// Answers a write: its effect is in place when `handler` returns; a successful answer is then held back
    /// by the fault plan's `write_delay_ms`.
    func write(
        _ request: Request, _ endpoint: SandboxEndpoint, _ handler: (SandboxEndpoint.Caller) throws -> SandboxReply
    ) async throws -> Response {
        let response = try await endpoint.respond(request, handler)
        let delay = sandbox.faultPlan.writeDelayMilliseconds
        if delay > 0, (200..<300).contains(response.status.code) { try await Task.sleep(for: .milliseconds(delay)) }
        return response
    }

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.put("/v2/users/:userId/status") { request, context in
            let body = try await Self.body(request)
            return try await write(request, endpoint(.light, ["user:update:status:admin", "user:write:admin"])) { caller in
                changeStatus(context.parameters.get("userId") ?? "", body, caller)
            }
        }
        router.patch("/v2/users/:userId") { request, context in
            let body = try await Self.body(request)
            return try await write(request, endpoint(.light, ["user:update:user:admin", "user:write:admin"])) { caller in
                update(context.parameters.get("userId") ?? "", body, caller)
            }
        }
        router.post("/v2/users") { request, _ in
            let body = try await Self.body(request)
            return try await write(request, endpoint(.light, ["user:write:user:admin", "user:write:admin"])) { caller in invite(body, caller) }
        }
        router.delete("/v2/users/:userId") { request, context in
            try await write(request, endpoint(.light, ["user:delete:user:admin", "user:write:admin"])) { caller in
                let query = request.uri.queryParameters
                return remove(
                    context.parameters.get("userId") ?? "", mode: query.get("action").map { String($0) },
                    transferEmail: query.get("transfer_email").map { String($0) },
                    caller)
            }
        }
        router.post("/v2/groups") { request, _ in
            let body = try await Self.body(request)
            return try await write(request, endpoint(.light, ["group:write:group:admin", "group:write:admin"])) { caller in
                guard let name = body["name"] as? String, (1...128).contains(name.count) else {
                    return SandboxReply.error(.badRequest, code: 300, "Invalid field: name.")
                }
                guard !sandbox.groups(caller.account).contains(where: { $0.name == name }) else {
                    return SandboxReply.error(.conflict, code: 4132, "Group name \(name) is already in use.")
                }
                let group = sandbox.edits.addGroup(caller.account, name: name, world: sandbox.world)
                sandbox.dataChanged()
                return SandboxReply(.created, ["id": group.id, "name": group.name, "total_members": 0])
            }
        }
        router.delete("/v2/groups/:groupId") { request, context in
            try await write(request, endpoint(.light, ["group:delete:group:admin", "group:write:admin"])) { caller in
                guard let group = group(context.parameters.get("groupId") ?? "", caller) else { return Self.noGroup }
                sandbox.edits.removeGroup(caller.account, id: group.id)
                sandbox.dataChanged()
                return SandboxReply(.noContent, [:])
            }
        }
        router.put("/v2/users/:userId/password") { request, context in
            let body = try await Self.body(request)
            return try await write(request, endpoint(.medium, ["user:update:password:admin", "user:write:admin"])) { caller in
                let reference = context.parameters.get("userId") ?? ""
                guard let user = user(reference, caller) else {
                    return SandboxReply.error(.notFound, code: 1001, "User does not exist: \(reference).")
                }
                guard let password = body["password"] as? String, (8..<32).contains(password.count) else {
                    return SandboxReply.error(.badRequest, code: 300, "Invalid field: password.")
                }
                guard user.roleID != "1", user.roleID != "0" else {
                    return SandboxReply.error(.badRequest, code: 1117, "You can't change an admin's password.")
                }
                return SandboxReply(.noContent, [:])
            }
        }
        router.delete("/v2/users/:userId/token") { request, context in
            try await write(request, endpoint(.light, ["user:delete:token:admin", "user:write:admin"])) { caller in
                let reference = context.parameters.get("userId") ?? ""
                guard user(reference, caller) != nil else { return SandboxReply.error(.notFound, code: 1001, "User does not exist: \(reference).") }
                return SandboxReply(.noContent, [:])
            }
        }
        router.delete("/v2/users/:userId/picture") { request, context in
            try await write(request, endpoint(.medium, ["user:delete:profile_picture:admin", "user:write:admin"])) { caller in
                let reference = context.parameters.get("userId") ?? ""
                guard var user = user(reference, caller) else {
                    return SandboxReply.error(.notFound, code: 1001, "User does not exist: \(reference).")
                }
                user.pictureDeleted = true
                save(user, caller)
                return SandboxReply(.noContent, [:])
            }
        }
        router.patch("/v2/groups/:groupId/members/:memberId") { request, context in
            let body = try await Self.body(request)
            return try await write(request, endpoint(.medium, ["group:update:member:admin", "group:write:admin"])) { caller in
                moveMember(context.parameters.get("groupId") ?? "", context.parameters.get("memberId") ?? "", body, caller)
            }
        }
        router.get("/v2/roles/:roleId") { request, context in
            try await endpoint(.light, ["role:read:role:admin", "role:read:admin"], plans: [.pro, .business]).respond(request) { caller in
                guard let role = role(context.parameters.get("roleId") ?? "", caller) else { return Self.noRole }
                let members = sandbox.cachedCount("role|\(role.id)", account: caller.account) { $0.roleID == role.id }
                return SandboxReply(
                    .ok,
                    [
                        "id": role.id, "name": role.name, "description": role.description, "type": "common", "total_members": members,
                        "privileges": role.privileges,
                    ])
            }
        }
        router.post("/v2/roles/:roleId/members") { request, context in
            let body = try await Self.body(request)
            return try await write(request, endpoint(.medium, ["role:write:member:admin", "role:write:admin"], plans: [.pro, .business])) {
                caller in
                assignRole(context.parameters.get("roleId") ?? "", body, caller)
            }
        }
        router.delete("/v2/roles/:roleId/members/:memberId") { request, context in
            try await write(request, endpoint(.light, ["role:delete:member:admin", "role:write:admin"], plans: [.pro, .business])) { caller in
                unassignRole(context.parameters.get("roleId") ?? "", context.parameters.get("memberId") ?? "", caller)
            }
        }
        router.get("/v2/groups/:groupId") { request, context in
            try await endpoint(.light, ["group:read:group:admin", "group:read:admin"]).respond(request) { caller in
                guard let group = group(context.parameters.get("groupId") ?? "", caller) else { return Self.noGroup }
                return SandboxReply(.ok, ["id": group.id, "name": group.name])
            }
        }
        router.post("/v2/groups/:groupId/members") { request, context in
            let body = try await Self.body(request)
            return try await write(request, endpoint(.medium, ["group:write:member:admin", "group:write:admin"])) { caller in
                addMembers(context.parameters.get("groupId") ?? "", body, caller)
            }
        }
        router.delete("/v2/groups/:groupId/members/:memberId") { request, context in
            try await write(request, endpoint(.light, ["group:delete:member:admin", "group:write:admin"])) { caller in
                removeMember(context.parameters.get("groupId") ?? "", context.parameters.get("memberId") ?? "", caller)
            }
        }
    }

    static var noGroup: SandboxReply { SandboxReply.error(.notFound, code: 4130, "Group does not exist.") }
    static var noRole: SandboxReply { SandboxReply.error(.badRequest, code: 1034, "Provided `role_id` does not exist.") }

    static func body(_ request: Request) async throws -> [String: Any] {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        return (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
    }

    /// A user of the caller's account by id or email, as Zoom's user paths take either.
    func user(_ reference: String, _ caller: SandboxEndpoint.Caller) -> SandboxUser? { sandbox.user(caller.account, reference: reference) }

    func group(_ id: String, _ caller: SandboxEndpoint.Caller) -> SandboxGroup? { sandbox.groups(caller.account).first { $0.id == id } }

    func role(_ id: String, _ caller: SandboxEndpoint.Caller) -> SandboxRoleInfo? {
        sandbox.roles(caller.account).first { $0.id == id }
    }

    func save(_ user: SandboxUser, _ caller: SandboxEndpoint.Caller) {
        sandbox.edits.replace(caller.account, user)
        sandbox.dataChanged()
    }

    func changeStatus(_ reference: String, _ body: [String: Any], _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        guard var user = user(reference, caller) else { return SandboxReply.error(.notFound, code: 1001, "User does not exist: \(reference).") }
        guard let action = body["action"] as? String, ["activate", "deactivate"].contains(action) else {
            return SandboxReply.error(.badRequest, code: 300, "Invalid field: action.")
        }
        guard user.roleID != "0" else { return SandboxReply.error(.badRequest, code: 200, "The account owner can't be deactivated.") }
        user.status = action == "deactivate" ? "inactive" : "active"
        save(user, caller)
        return SandboxReply(.noContent, [:])
    }

    /// `PATCH /users/{id}`: the profile fields Tether sets, with Zoom's checks: one of `type`,
    /// `plan_united_type` and `zoom_one_type` at a time, plan types Zoom knows, lengths (code 300).
    func update(_ reference: String, _ body: [String: Any], _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        guard var user = user(reference, caller) else { return SandboxReply.error(.notFound, code: 1001, "User does not exist: \(reference).") }
        guard ["type", "plan_united_type", "zoom_one_type"].filter({ body[$0] != nil }).count <= 1 else {
            return SandboxReply.error(.badRequest, code: 300, "You can't change the type or plan_united_type or zoom_one_type at the same time.")
        }
        if let type = body["type"] {
            guard let type = type as? Int, [1, 2].contains(type) else { return SandboxReply.error(.badRequest, code: 300, "Invalid field: type.") }
            user.type = type
        }
        if let plan = body["plan_united_type"] {
            guard let plan = plan as? String, plan == "none" || Int(plan).map({ $0 > 0 && $0 <= 131_072 && $0 & ($0 - 1) == 0 }) == true else {
                return SandboxReply.error(.badRequest, code: 300, "Invalid field: plan_united_type.")
            }
            user.planUnitedType = plan == "none" ? nil : plan
        }
        if let plan = body["zoom_one_type"] {
            guard let plan = plan as? Int, plan >= 0, plan & (plan - 1) == 0 else {
                return SandboxReply.error(.badRequest, code: 300, "Invalid field: zoom_one_type.")
            }
            user.zoomOneType = plan == 0 ? nil : plan
        }
        let texts: [(String, Int, WritableKeyPath<SandboxUser, String?>)] = [
            ("job_title", 128, \.jobTitle), ("dept", 255, \.department), ("company", 255, \.company), ("location", 256, \.location),
            ("display_name", 128, \.displayName), ("manager", 128, \.manager),
        ]
        for (field, maximum, keyPath) in texts {
            guard let value = body[field] else { continue }
            guard let text = value as? String, text.count <= maximum, field != "manager" || text.contains("@") else {
                return SandboxReply.error(.badRequest, code: 300, "Invalid field: \(field).")
            }
            user[keyPath: keyPath] = text
        }
        save(user, caller)
        return SandboxReply(.noContent, [:])
    }

    func addMembers(_ groupID: String, _ body: [String: Any], _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        guard group(groupID, caller) != nil else { return Self.noGroup }
        guard let members = body["members"] as? [[String: Any]], (1...30).contains(members.count) else {
            return SandboxReply.error(.badRequest, code: 300, "Invalid field: members.")
        }
        var added: [String] = []
        for member in members {
            guard let reference = member["id"] as? String ?? member["email"] as? String, var user = user(reference, caller) else { continue }
            if !user.groupIDs.contains(groupID) {
                user.groupIDs.append(groupID)
                save(user, caller)
            }
            added.append(user.id)
        }
        return SandboxReply(.created, ["ids": added.joined(separator: ","), "added_at": SandboxHTTP.timestamp(sandbox.clock.now)])
    }

    func removeMember(_ groupID: String, _ reference: String, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        guard group(groupID, caller) != nil else { return Self.noGroup }
        guard var user = user(reference, caller), user.groupIDs.contains(groupID) else {
            return SandboxReply.error(.notFound, code: 1001, "User does not exist: \(reference).")
        }
        user.groupIDs.removeAll { $0 == groupID }
        save(user, caller)
        return SandboxReply(.noContent, [:])
    }

    /// `move` takes the user from the group to the target; `set_primary` makes the target (a group of theirs)
    /// the primary one, which the sandbox keeps first in `group_ids`.
    func moveMember(_ groupID: String, _ reference: String, _ body: [String: Any], _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        guard group(groupID, caller) != nil else { return Self.noGroup }
        guard let action = body["action"] as? String, ["move", "set_primary"].contains(action) else {
            return SandboxReply.error(.badRequest, code: 300, "Invalid field: action.")
        }
        guard let target = body["target_group_id"] as? String, !target.isEmpty else {
            return SandboxReply.error(.badRequest, code: 300, "The target_group_id can not be empty.")
        }
        guard group(target, caller) != nil else { return Self.noGroup }
        guard var user = user(reference, caller), user.groupIDs.contains(groupID) else {
            return SandboxReply.error(.badRequest, code: 1010, "User does not belong to this group.")
        }
        if action == "move" {
            user.groupIDs = user.groupIDs.map { $0 == groupID ? target : $0 }
        } else {
            guard user.groupIDs.contains(target) else {
                return SandboxReply.error(.badRequest, code: 1010, "User does not belong to the target group.")
            }
            user.groupIDs = [target] + user.groupIDs.filter { $0 != target }
        }
        var seen: Set<String> = []
        user.groupIDs = user.groupIDs.filter { seen.insert($0).inserted }
        save(user, caller)
        return SandboxReply(.noContent, [:])
    }

    /// The owner's and the Member role's members change only by other means (Zoom code 300).
    static let fixedRoles = ["0", "2"]

    func assignRole(_ roleID: String, _ body: [String: Any], _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        guard role(roleID, caller) != nil else { return Self.noRole }
        guard !Self.fixedRoles.contains(roleID) else {
            return SandboxReply.error(.badRequest, code: 300, "Can't delete or add members for Normal/Owner roles.")
        }
        guard let members = body["members"] as? [[String: Any]], (1...30).contains(members.count) else {
            return SandboxReply.error(.badRequest, code: 300, "Invalid field: members.")
        }
        var added: [String] = []
        for member in members {
            guard let reference = member["id"] as? String ?? member["email"] as? String, var user = user(reference, caller), user.roleID != "0"
            else { continue }
            user.roleID = roleID
            save(user, caller)
            added.append(user.id)
        }
        return SandboxReply(.created, ["ids": added.joined(separator: ","), "add_at": SandboxHTTP.timestamp(sandbox.clock.now)])
    }

    func unassignRole(_ roleID: String, _ reference: String, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        guard role(roleID, caller) != nil else { return Self.noRole }
        guard !Self.fixedRoles.contains(roleID) else {
            return SandboxReply.error(.badRequest, code: 300, "Can't delete or add members for Normal/Owner roles.")
        }
        guard var user = user(reference, caller), user.roleID == roleID else {
            return SandboxReply.error(.notFound, code: 1001, "Role or Member not found")
        }
        user.roleID = "2"
        save(user, caller)
        return SandboxReply(.noContent, [:])
    }

    /// `POST /users` with `action: create`: a pending user, as Zoom's email invitation leaves one.
    func invite(_ body: [String: Any], _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        guard body["action"] as? String == "create", let info = body["user_info"] as? [String: Any], let email = info["email"] as? String,
            email.contains("@"), let type = info["type"] as? Int, [1, 2].contains(type)
        else { return SandboxReply.error(.badRequest, code: 300, "Invalid field: user_info.") }
        guard user(email, caller) == nil else { return SandboxReply.error(.conflict, code: 1005, "Email \"\(email)\" has already been used.") }
        let invited = sandbox.edits.add(caller.account, world: sandbox.world) { user in
            user.email = email
            user.type = type
            user.status = "pending"
            user.roleID = "2"
            user.groupIDs = []
            user.lastLoginAt = nil
            if let first = info["first_name"] as? String { user.firstName = first }
            if let last = info["last_name"] as? String { user.lastName = last }
        }
        sandbox.dataChanged()
        return SandboxReply(
            .created,
            ["id": invited.id, "email": invited.email, "first_name": invited.firstName, "last_name": invited.lastName, "type": invited.type])
    }

    /// `DELETE /users/{id}`: disassociate (default) or delete, after transferring to `transfer_email`.
    func remove(_ reference: String, mode: String?, transferEmail: String?, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
        guard let user = user(reference, caller) else { return SandboxReply.error(.notFound, code: 1001, "User does not exist: \(reference).") }
        guard ["disassociate", "delete"].contains(mode ?? "disassociate") else {
            return SandboxReply.error(.badRequest, code: 300, "Invalid field: action.")
        }
        guard user.roleID != "0" else { return SandboxReply.error(.badRequest, code: 200, "The account owner can't be removed.") }
        guard user.roleID != "1" else { return SandboxReply.error(.badRequest, code: 1117, "You can't disassociate an Admin.") }
        if let heir = transferEmail {
            guard let receiver = self.user(heir, caller), receiver.id != user.id else {
                return SandboxReply.error(.badRequest, code: 300, "The transfer target is not valid.")
            }
        }
        sandbox.edits.remove(caller.account, index: user.index)
        sandbox.dataChanged()
        return SandboxReply(.noContent, [:])
    }
}
