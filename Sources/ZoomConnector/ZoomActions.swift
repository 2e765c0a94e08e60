import Connectors
import Foundation

/// Zoom's workflow actions (DESIGN §6.1; `zoom-api-actions.md` Part A): their inputs, scopes and
/// categories, how each is planned (the target read first, the owner and admins guarded), what proves
/// its effect, and what it changes in the synced tables.
enum ZoomActions {
    static let userReference = ActionField(
        "user", .reference(.users), required: true, "The user: Tether's id, Zoom's id or the email address.")
    static let groupReference = ActionField("group", .reference(.groups), required: true, "The group: Tether's id or Zoom's id.")
    static let roleReference = ActionField("role", .reference(.roles), required: true, "The role: Tether's id or Zoom's id.")
    /// Zoom's built-in Member role: where a user whose role is taken goes.
    static let memberRoleID = "2"

    /// Every action reads its user first, a group action its group, a role action its role.
    static let readUser = ScopeRequirement(anyOf: ["user:read:user:admin", "user:read:admin"])
    static let readGroup = ScopeRequirement(anyOf: ["group:read:group:admin", "group:read:admin"])
    static let readRole = ScopeRequirement(anyOf: ["role:read:role:admin", "role:read:admin"])

    /// The sections of Zoom's user settings (`zoom-api-actions.md` A4).
    static let userSettingsSections = [
        "schedule_meeting", "in_meeting", "email_notification", "recording", "telephony", "feature", "tsp", "profile", "audio_conferencing",
        "whiteboard",
    ]

    static let catalogue: [ActionDescription] = [
        ActionDescription(
            "user.deactivate", "Deactivates a user: no sign-in, and their licence is freed.", fields: [userReference],
            requirements: [readUser, ScopeRequirement(anyOf: ["user:update:status:admin", "user:write:admin"])], category: "Light", idempotent: true,
            protectsPrivilegedUsers: true),
        ActionDescription(
            "user.activate", "Activates a deactivated user.", fields: [userReference],
            requirements: [readUser, ScopeRequirement(anyOf: ["user:update:status:admin", "user:write:admin"])], category: "Light", idempotent: true,
            protectsPrivilegedUsers: false),
        ActionDescription(
            "user.update", "Changes a user's licence, job title or department.",
            fields: [
                userReference,
                ActionField("license_type", .choice(["basic", "licensed"]), "basic frees the user's licence; licensed assigns one."),
                ActionField("job_title", .text(maxLength: 128), "The job title."),
                ActionField("department", .text(maxLength: 255), "The department."),
            ],
            requirements: [readUser, ScopeRequirement(anyOf: ["user:update:user:admin", "user:write:admin"])], category: "Light", idempotent: true,
            protectsPrivilegedUsers: true, atLeastOneOf: ["license_type", "job_title", "department"]),
        ActionDescription(
            "group.add_members", "Adds a user to a group.", fields: [groupReference, userReference],
            requirements: [readUser, readGroup, ScopeRequirement(anyOf: ["group:write:member:admin", "group:write:admin"])], category: "Medium",
            idempotent: false,
            protectsPrivilegedUsers: false),
        ActionDescription(
            "group.remove_member", "Removes a user from a group.", fields: [groupReference, userReference],
            requirements: [readUser, readGroup, ScopeRequirement(anyOf: ["group:delete:member:admin", "group:write:admin"])], category: "Light",
            idempotent: true,
            protectsPrivilegedUsers: false),
        ActionDescription(
            "role.assign", "Gives a user a role (a Zoom user holds one role: it replaces the one they had).", fields: [roleReference, userReference],
            requirements: [readUser, readRole, ScopeRequirement(anyOf: ["role:write:member:admin", "role:write:admin"])], category: "Medium",
            idempotent: true, protectsPrivilegedUsers: true),
        ActionDescription(
            "role.unassign", "Takes a role from a user, who goes back to Zoom's Member role.", fields: [roleReference, userReference],
            requirements: [readUser, readRole, ScopeRequirement(anyOf: ["role:delete:member:admin", "role:write:admin"])], category: "Light",
            idempotent: true, protectsPrivilegedUsers: true),
        ActionDescription(
            "user.sign_out", "Signs a user out of their current Zoom sessions (revokes their SSO token).", fields: [userReference],
            requirements: [readUser, ScopeRequirement(anyOf: ["user:delete:token:admin", "user:write:admin"])], category: "Light",
            idempotent: true, protectsPrivilegedUsers: true),
        ActionDescription(
            "user.set_password", "Sets a user's password (Zoom emails them); the password is sealed until it is sent and never stored.",
            fields: [userReference, ActionField("password", .secret(maxLength: 31), required: true, "The new password, 8 to 31 characters.")],
            requirements: [readUser, ScopeRequirement(anyOf: ["user:update:password:admin", "user:write:admin"])], category: "Medium",
            idempotent: false, protectsPrivilegedUsers: true),
        ActionDescription(
            "user.invite", "Invites a person to the account: Zoom emails them, and they stay pending until they accept.",
            fields: [
                ActionField("email", .email, required: true, "Their email address."),
                ActionField("license_type", .choice(["basic", "licensed"]), "basic (the default) or licensed."),
                ActionField("first_name", .text(maxLength: 64), "Their first name."),
                ActionField("last_name", .text(maxLength: 64), "Their last name."),
            ],
            requirements: [readUser, ScopeRequirement(anyOf: ["user:write:user:admin", "user:write:admin"])], category: "Light",
            idempotent: false, protectsPrivilegedUsers: false),
        ActionDescription(
            "user.remove",
            "Removes a user: disassociates them (they keep a free Zoom account) or deletes them, with their meetings, webinars, recordings and whiteboards transferred to another user first.",
            fields: [
                userReference,
                ActionField("mode", .choice(["disassociate", "delete"]), "disassociate (the default) or delete."),
                ActionField("transfer_email", .email, "Who receives their data (a user of the account)."),
                ActionField("transfer_meetings", .boolean, "Transfer their meetings."),
                ActionField("transfer_webinars", .boolean, "Transfer their webinars."),
                ActionField("transfer_recordings", .boolean, "Transfer their cloud recordings."),
                ActionField("transfer_whiteboards", .boolean, "Transfer their whiteboards."),
            ],
            requirements: [readUser, ScopeRequirement(anyOf: ["user:delete:user:admin", "user:write:admin"])], category: "Light",
            idempotent: false, protectsPrivilegedUsers: true),
        ActionDescription(
            "user.get_settings", "Reads a user's settings from Zoom now, and stores them in user_settings.", fields: [userReference],
            requirements: [readUser, ScopeRequirement(anyOf: ["user:read:settings:admin", "user:read:admin"])], category: "Medium",
            idempotent: true, protectsPrivilegedUsers: false),
        ActionDescription(
            "user.update_settings",
            "Changes the settings it names (meeting defaults, recording, features) and leaves the others as they are.",
            fields: [
                userReference,
                ActionField(
                    "settings", .sections(userSettingsSections), required: true,
                    "Sections of Zoom's user settings, each with the settings to change: {\"recording\": {\"auto_recording\": \"none\"}}."),
            ],
            requirements: [readUser, ScopeRequirement(anyOf: ["user:update:settings:admin", "user:write:admin"])], category: "Medium",
            idempotent: true, protectsPrivilegedUsers: false),
        ActionDescription(
            "user.remove_from_all_groups", "Removes a user from every group they belong to (one request per group; none when there is none).",
            fields: [userReference],
            requirements: [readUser, ScopeRequirement(anyOf: ["group:delete:member:admin", "group:write:admin"])], category: "Light",
            idempotent: true, protectsPrivilegedUsers: false),
        ActionDescription(
            "group.set_primary", "Makes one of a user's groups their primary group, whose settings apply to them.",
            fields: [groupReference, userReference],
            requirements: [readUser, readGroup, ScopeRequirement(anyOf: ["group:update:member:admin", "group:write:admin"])], category: "Medium",
            idempotent: true, protectsPrivilegedUsers: false),
        ActionDescription(
            "user.delete_picture", "Deletes a user's profile picture.", fields: [userReference],
            requirements: [readUser, ScopeRequirement(anyOf: ["user:delete:profile_picture:admin", "user:write:admin"])], category: "Medium",
            idempotent: true, protectsPrivilegedUsers: false),
        ActionDescription(
            "group.create", "Creates a group.", fields: [ActionField("name", .text(maxLength: 128), required: true, "The group's name.")],
            requirements: [
                ScopeRequirement(anyOf: ["group:read:list_groups:admin", "group:read:admin"]),
                ScopeRequirement(anyOf: ["group:write:group:admin", "group:write:admin"]),
            ], category: "Light", idempotent: false, protectsPrivilegedUsers: false),
        ActionDescription(
            "group.delete", "Deletes a group; its members keep their other groups.", fields: [groupReference],
            requirements: [readGroup, ScopeRequirement(anyOf: ["group:delete:group:admin", "group:write:admin"])], category: "Light",
            idempotent: true, protectsPrivilegedUsers: false),
    ]

    // MARK: - Planning

    static func plan(_ action: ActionDescription, input: ActionInput, api: any ProviderAPI) async throws -> ActionPlan {
        switch action.name {
        case "group.create":
            let name = input.text("name") ?? ""
            guard try await group(named: name, api: api) == nil else { throw ActionRefusal(.invalidInput, "the account already has a group \(name)") }
            return ActionPlan(
                targets: [ActionTarget(kind: "group", remoteID: "", label: name)],
                requests: [APIRequest("POST", path: "/groups", bucket: action.category, body: .object(["name": .string(name)]))])
        case "group.delete":
            let group = try await target(group: input.text("group") ?? "", api: api)
            return ActionPlan(
                targets: [group], requests: [APIRequest("DELETE", path: "/groups/\(pathSegment(group.remoteID))", bucket: action.category)])
        case "user.invite":
            let email = input.text("email") ?? ""
            if (try? await readUser(email, api: api)) != nil { throw ActionRefusal(.invalidInput, "\(email) already has a user in this account") }
            var info: [String: JSONValue] = ["email": .string(email), "type": .integer(input.text("license_type") == "licensed" ? 2 : 1)]
            for field in ["first_name", "last_name"] { if let value = input.text(field) { info[field] = .string(value) } }
            return ActionPlan(
                targets: [ActionTarget(kind: "user", remoteID: email, label: email)],
                requests: [
                    APIRequest(
                        "POST", path: "/users", bucket: action.category, body: .object(["action": .string("create"), "user_info": .object(info)]))
                ])
        default:
            return try await planForUser(action, input: input, api: api)
        }
    }

    /// The actions on one existing user (and a group or role of theirs).
    static func planForUser(_ action: ActionDescription, input: ActionInput, api: any ProviderAPI) async throws -> ActionPlan {
        let user = try await target(user: input.text("user") ?? "", api: api)
        let userTarget = ActionTarget(kind: "user", remoteID: user.id, label: user.email, privilege: user.privilege)
        if action.protectsPrivilegedUsers, guards(action, input: input) {
            try refuseProtected(userTarget, allowAdmin: input.flag(ActionField.allowAdminTarget.name))
        }
        let path = "/users/\(pathSegment(user.id))"
        switch action.name {
        case "user.deactivate", "user.activate":
            let verb = action.name == "user.deactivate" ? "deactivate" : "activate"
            return ActionPlan(
                targets: [userTarget],
                requests: [APIRequest("PUT", path: path + "/status", bucket: action.category, body: .object(["action": .string(verb)]))])
        case "user.update":
            var body: [String: JSONValue] = [:]
            if let licence = input.text("license_type") { body["type"] = .integer(licence == "licensed" ? 2 : 1) }
            for (field, zoomField) in [("job_title", "job_title"), ("department", "dept")] {
                if let value = input.text(field) { body[zoomField] = .string(value) }
            }
            return ActionPlan(targets: [userTarget], requests: [APIRequest("PATCH", path: path, bucket: action.category, body: .object(body))])
        case "user.get_settings":
            return ActionPlan(targets: [userTarget], requests: [APIRequest(path: path + "/settings", bucket: action.category)])
        case "user.update_settings":
            return ActionPlan(
                targets: [userTarget],
                requests: [APIRequest("PATCH", path: path + "/settings", bucket: action.category, body: input.values["settings"] ?? .object([:]))])
        case "user.remove_from_all_groups":
            // Planned from the user's groups now: a taker-over sends only what is left to remove.
            return ActionPlan(
                targets: [userTarget] + user.groupIDs.map { ActionTarget(kind: "group", remoteID: $0, label: $0) },
                requests: user.groupIDs.map {
                    APIRequest("DELETE", path: "/groups/\(pathSegment($0))/members/\(pathSegment(user.id))", bucket: action.category)
                })
        case "user.delete_picture":
            return ActionPlan(targets: [userTarget], requests: [APIRequest("DELETE", path: path + "/picture", bucket: action.category)])
        case "group.set_primary":
            let group = try await target(group: input.text("group") ?? "", api: api)
            guard user.groupIDs.contains(group.remoteID) else {
                throw ActionRefusal(.invalidInput, "\(user.email) is not a member of the group \(group.label)")
            }
            let body = JSONValue.object(["action": .string("set_primary"), "target_group_id": .string(group.remoteID)])
            return ActionPlan(
                targets: [userTarget, group],
                requests: [
                    APIRequest(
                        "PATCH", path: "/groups/\(pathSegment(group.remoteID))/members/\(pathSegment(user.id))", bucket: action.category, body: body)
                ])
        case "user.sign_out":
            return ActionPlan(targets: [userTarget], requests: [APIRequest("DELETE", path: path + "/token", bucket: action.category)])
        case "user.set_password":
            let password = input.text("password") ?? ""
            guard password.count >= 8 else { throw ActionRefusal(.invalidInput, "password must be 8 to 31 characters") }
            return ActionPlan(
                targets: [userTarget],
                requests: [APIRequest("PUT", path: path + "/password", bucket: action.category, body: .object(["password": .string(password)]))])
        case "user.remove":
            var query = [APIRequest.Query("action", input.text("mode") ?? "disassociate")]
            if let heir = input.text("transfer_email") {
                let receiver = try await target(user: heir, api: api)
                guard receiver.id != user.id else { throw ActionRefusal(.invalidInput, "transfer_email must be another user of the account") }
                query.append(APIRequest.Query("transfer_email", receiver.email))
                for (field, zoomField) in [
                    ("transfer_meetings", "transfer_meeting"), ("transfer_webinars", "transfer_webinar"),
                    ("transfer_recordings", "transfer_recording"),
                    ("transfer_whiteboards", "transfer_whiteboard"),
                ] where input.flag(field) {
                    query.append(APIRequest.Query(zoomField, "true"))
                }
            }
            return ActionPlan(targets: [userTarget], requests: [APIRequest("DELETE", path: path, query: query, bucket: action.category)])
        case "role.assign", "role.unassign":
            let role = try await target(role: input.text("role") ?? "", api: api)
            guard ![ZoomCatalog.ownerRole.id, memberRoleID].contains(role.remoteID) else {
                throw ActionRefusal(.invalidInput, "members of Zoom's \(role.label) role are not added or removed by hand")
            }
            let rolePath = "/roles/\(pathSegment(role.remoteID))/members"
            // The role the user holds now: the membership the action ends.
            let before = ActionTarget(kind: "role_before", remoteID: user.roleID, label: user.roleID)
            if action.name == "role.assign" {
                let body = JSONValue.object(["members": .array([.object(["id": .string(user.id)])])])
                return ActionPlan(
                    targets: [userTarget, role, before], requests: [APIRequest("POST", path: rolePath, bucket: action.category, body: body)])
            }
            guard user.roleID == role.remoteID else { throw ActionRefusal(.invalidInput, "\(user.email) does not hold the role \(role.label)") }
            return ActionPlan(
                targets: [userTarget, role, before],
                requests: [APIRequest("DELETE", path: rolePath + "/\(pathSegment(user.id))", bucket: action.category)])
        case "group.add_members", "group.remove_member":
            let group = try await target(group: input.text("group") ?? "", api: api)
            let groupPath = "/groups/\(pathSegment(group.remoteID))/members"
            if action.name == "group.add_members" {
                return ActionPlan(
                    targets: [userTarget, group],
                    requests: [
                        APIRequest(
                            "POST", path: groupPath, bucket: action.category,
                            body: .object(["members": .array([.object(["id": .string(user.id)])])]))
                    ])
            }
            guard user.groupIDs.contains(group.remoteID) else {
                throw ActionRefusal(.invalidInput, "\(user.email) is not a member of the group \(group.label)")
            }
            return ActionPlan(
                targets: [userTarget, group], requests: [APIRequest("DELETE", path: groupPath + "/\(pathSegment(user.id))", bucket: action.category)])
        default:
            throw ActionRefusal(.notAvailable, "Zoom has no action named \(action.name)")
        }
    }

    /// Whether the guard applies: always for a protecting action, except an update that leaves the licence alone.
    static func guards(_ action: ActionDescription, input: ActionInput) -> Bool {
        action.name != "user.update" || input.values["license_type"] != nil
    }

    /// The owner is never a target; an admin only when the input allows it.
    static func refuseProtected(_ target: ActionTarget, allowAdmin: Bool) throws {
        switch target.privilege {
        case .owner?: throw ActionRefusal(.protectedTarget, "\(target.label) owns the Zoom account: Tether never acts on the owner")
        case .admin? where !allowAdmin:
            throw ActionRefusal(.protectedTarget, "\(target.label) is an admin of the Zoom account: set allow_admin_target to act on an admin")
        default: return
        }
    }

    // MARK: - Effects

    static func isEffective(_ action: ActionDescription, plan: ActionPlan, api: any ProviderAPI) async throws -> Bool? {
        switch action.name {
        case "group.create": return try await group(named: plan.targets.first?.label ?? "", api: api) != nil
        case "group.delete":
            return !(try await exists(APIRequest(path: "/groups/\(pathSegment(plan.targets.first?.remoteID ?? ""))", bucket: "Light"), api: api))
        case "user.invite", "user.remove":
            let present = try await exists(APIRequest(path: "/users/\(pathSegment(plan.targets.first?.remoteID ?? ""))", bucket: "Light"), api: api)
            return present == (action.name == "user.invite")
        default: break
        }
        guard let userID = plan.targets.first(where: { $0.kind == "user" })?.remoteID else { return false }
        if action.name == "user.update_settings" {
            // In effect when every setting the PATCH names reads back as sent.
            let sent = plan.requests.first?.body ?? .object([:])
            return Self.contains(try await settings(of: userID, api: api), sent)
        }
        if action.name == "user.get_settings" { return nil }
        let user = try await readUser(userID, api: api)
        switch action.name {
        case "user.deactivate": return user.status == "inactive"
        case "user.activate": return user.status == "active"
        case "user.remove_from_all_groups": return user.groupIDs.isEmpty
        case "user.delete_picture": return user.item["pic_url"]?.nonEmptyString == nil
        case "group.set_primary": return user.groupIDs.first == plan.targets.first { $0.kind == "group" }?.remoteID
        case "group.add_members", "group.remove_member":
            let groupID = plan.targets.first { $0.kind == "group" }?.remoteID ?? ""
            return user.groupIDs.contains(groupID) == (action.name == "group.add_members")
        case "role.assign", "role.unassign":
            let roleID = plan.targets.first { $0.kind == "role" }?.remoteID ?? ""
            return (user.roleID == roleID) == (action.name == "role.assign")
        // A sign-out or a password leaves nothing to read back; an update is simply sent again.
        default: return nil
        }
    }

    static func outcome(_ action: ActionDescription, plan: ActionPlan, responses: [[UInt8]], api: any ProviderAPI) async throws -> ActionOutcome {
        switch action.name {
        case "group.create":
            let name = plan.targets.first?.label ?? ""
            let created = responses.first.flatMap { JSONValue.parse($0) }
            guard let item = created?["id"] != nil ? created : try await group(named: name, api: api) else {
                throw ConnectorError(.invalidResponse, "Zoom does not list the group \(name) it created")
            }
            let record = try ZoomRecords.group(item)
            return ActionOutcome(result: .object(["group_id": .string(record.remoteID), "name": .string(name)]), upserts: [(.groups, record)])
        case "group.delete":
            let id = plan.targets.first?.remoteID ?? ""
            return ActionOutcome(
                result: .object(["group_id": .string(id), "deleted": .bool(true)]),
                deletions: [RecordDeletion(.groups, is: id), RecordDeletion(.groupMembers, where: "group_remote_id", is: id)])
        case "user.remove":
            let id = plan.targets.first?.remoteID ?? ""
            return ActionOutcome(
                result: .object(["user_id": .string(id), "removed": .bool(true)]),
                deletions: [
                    RecordDeletion(.users, is: id), RecordDeletion(.groupMembers, where: "user_remote_id", is: id),
                    RecordDeletion(.roleMembers, where: "user_remote_id", is: id),
                ])
        default: break
        }
        guard let userID = plan.targets.first(where: { $0.kind == "user" })?.remoteID else { return ActionOutcome(result: .object([:])) }
        if action.name == "user.get_settings" || action.name == "user.update_settings" {
            // A read answers with the settings; after a change they are read again, as they now are.
            var settings = action.name == "user.get_settings" ? responses.first.flatMap { JSONValue.parse($0) } : nil
            if settings?.object == nil { settings = try await Self.settings(of: userID, api: api) }
            let current = settings ?? .object([:])
            return ActionOutcome(
                result: .object(["user_id": .string(userID), "settings": current]),
                upserts: [(.userSettings, ZoomRecords.userSettings(current, user: userID))])
        }
        let user = try await readUser(userID, api: api)
        var outcome = ActionOutcome(
            result: .object([
                "user_id": .string(user.id), "status": .string(user.status), "role_id": .string(user.roleID),
                "group_ids": .array(user.groupIDs.map(JSONValue.string)),
            ]),
            upserts: [(.users, try ZoomRecords.user(user.item))])
        if plan.targets.contains(where: { $0.kind == "role" }) {
            // A user holds one role: the membership the action ended, and the one it began.
            if let before = plan.targets.first(where: { $0.kind == "role_before" })?.remoteID, before != user.roleID {
                outcome.deletions.append(RecordDeletion(.roleMembers, is: "\(before)/\(user.id)"))
            }
            outcome.upserts.append((.roleMembers, try ZoomRecords.member(user.item, of: user.roleID)))
        }
        if action.name == "user.remove_from_all_groups" {
            outcome.deletions.append(RecordDeletion(.groupMembers, where: "user_remote_id", is: user.id))
        } else if action.name == "group.set_primary" {
            outcome.result = .object([
                "user_id": .string(user.id), "primary_group_id": user.groupIDs.first.map(JSONValue.string) ?? .null,
                "group_ids": .array(user.groupIDs.map(JSONValue.string)),
            ])
        } else if let group = plan.targets.first(where: { $0.kind == "group" }) {
            if action.name == "group.add_members" {
                outcome.upserts.append((.groupMembers, try ZoomRecords.member(user.item, of: group.remoteID)))
            } else {
                outcome.deletions.append(RecordDeletion(.groupMembers, is: "\(group.remoteID)/\(user.id)"))
            }
        }
        return outcome
    }

    // MARK: - Targets

    struct User {
        let item: JSONValue
        let id: String
        let email: String
        let status: String
        let groupIDs: [String]
        let roleID: String
        let privilege: ActionTarget.Privilege
    }

    /// The user named by Zoom's id or an email (Zoom's user path takes either).
    static func target(user reference: String, api: any ProviderAPI) async throws -> User {
        do {
            return try await readUser(reference, api: api)
        } catch let error as ConnectorError where error.kind == .notFound {
            throw ActionRefusal(.notFound, "Zoom has no user \(reference.prefix(254))")
        }
    }

    static func readUser(_ reference: String, api: any ProviderAPI) async throws -> User {
        let body = try await api.send(APIRequest(path: "/users/\(pathSegment(reference))", bucket: "Light"))
        guard let item = JSONValue.parse(body), let id = item["id"]?.nonEmptyString else {
            throw ConnectorError(.invalidResponse, "Zoom answered a user without id")
        }
        let role = item["role_id"]?.string
        return User(
            item: item, id: id, email: item["email"]?.string ?? id, status: item["status"]?.string ?? "",
            groupIDs: (item["group_ids"]?.array ?? []).compactMap(\.string), roleID: role ?? "",
            privilege: role == ZoomCatalog.ownerRole.id ? .owner : role == ZoomCatalog.adminRole.id ? .admin : .member)
    }

    /// A user's settings as Zoom answers them now.
    static func settings(of userID: String, api: any ProviderAPI) async throws -> JSONValue {
        let body = try await api.send(APIRequest(path: "/users/\(pathSegment(userID))/settings", bucket: "Medium"))
        guard let settings = JSONValue.parse(body), settings.object != nil else {
            throw ConnectorError(.invalidResponse, "Zoom answered settings that are not a JSON object")
        }
        return settings
    }

    /// Whether `whole` holds every member of `part`, objects compared member by member.
    static func contains(_ whole: JSONValue, _ part: JSONValue) -> Bool {
        guard case .object(let members) = part else { return whole == part }
        return members.allSatisfy { key, value in whole[key].map { contains($0, value) } ?? false }
    }

    /// Whether `request` finds something (2xx) rather than nothing (404).
    static func exists(_ request: APIRequest, api: any ProviderAPI) async throws -> Bool {
        do {
            _ = try await api.send(request)
            return true
        } catch let error as ConnectorError where error.kind == .notFound {
            return false
        }
    }

    /// The group of the account called `name` (Zoom's list), or nil.
    static func group(named name: String, api: any ProviderAPI) async throws -> JSONValue? {
        let body = try await api.send(APIRequest(path: "/groups", bucket: "Medium"))
        return JSONValue.parse(body)?["groups"]?.array?.first { $0["name"]?.string == name }
    }

    /// A role by Zoom's id; Zoom answers an unknown one 400 with code 1034.
    static func target(role reference: String, api: any ProviderAPI) async throws -> ActionTarget {
        do {
            let body = try await api.send(APIRequest(path: "/roles/\(pathSegment(reference))", bucket: "Light"))
            guard let item = JSONValue.parse(body), let id = item["id"]?.nonEmptyString else {
                throw ConnectorError(.invalidResponse, "Zoom answered a role without id")
            }
            return ActionTarget(kind: "role", remoteID: id, label: item["name"]?.string ?? id)
        } catch let error as ConnectorError where error.kind == .notFound || (error.kind == .rejected && error.reason.contains("1034")) {
            throw ActionRefusal(.notFound, "Zoom has no role \(reference.prefix(254))")
        }
    }

    static func target(group reference: String, api: any ProviderAPI) async throws -> ActionTarget {
        do {
            let body = try await api.send(APIRequest(path: "/groups/\(pathSegment(reference))", bucket: "Light"))
            guard let item = JSONValue.parse(body), let id = item["id"]?.nonEmptyString else {
                throw ConnectorError(.invalidResponse, "Zoom answered a group without id")
            }
            return ActionTarget(kind: "group", remoteID: id, label: item["name"]?.string ?? id)
        } catch let error as ConnectorError where error.kind == .notFound {
            throw ActionRefusal(.notFound, "Zoom has no group \(reference.prefix(254))")
        }
    }

}

/// An id or email as one segment of a Zoom path: a `/` or `?` in it cannot reach another path.
func pathSegment(_ id: String) -> String { id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? id }
