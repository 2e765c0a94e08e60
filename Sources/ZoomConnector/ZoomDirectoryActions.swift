import Connectors
import Foundation

/// The actions on the account's directory: users (status, licence, profile, settings, sessions, removal),
/// groups and their members and admins, roles and who holds them.
enum ZoomDirectoryActions: ZoomActionFamily {
    /// Zoom's built-in Member role: where a user whose role is taken goes.
    static let memberRoleID = "2"

    /// The fields of `user.update` that set what a user pays for: Zoom changes one of them at a time (code 300).
    static let licenceFields = ["license_type", "plan_united_type", "zoom_one_type"]
    /// Zoom's Zoom United plan types: powers of two, or none (`zoom-api-actions.md` A1).
    static let planUnitedTypes = ["none"] + (0...17).map { String(1 << $0) }

    /// What `user.update` can change, by Tether's names, with Zoom's field for each.
    static let profileFields = [
        ActionField("license_type", .choice(["basic", "licensed"]), "basic frees the user's licence; licensed assigns one."),
        ActionField("plan_united_type", .choice(planUnitedTypes), "The Zoom United plan: one of Zoom's plan numbers, or none."),
        ActionField("zoom_one_type", .integer(0...1 << 40), "The Zoom One plan: Zoom's plan number, or 0 for none."),
        ActionField("job_title", .text(maxLength: 128), "The job title."),
        ActionField("department", .text(maxLength: 255), "The department."),
        ActionField("company", .text(maxLength: 255), "The company."),
        ActionField("location", .text(maxLength: 256), "The location."),
        ActionField("manager", .email, "The manager's email address."),
        ActionField("display_name", .text(maxLength: 128), "The name Zoom shows for the user."),
    ]
    static let zoomProfileField = ["department": "dept"]

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
            "user.update",
            "Changes a user's licence or plan type, or their profile: job title, department, company, location, manager, display name.",
            fields: [userReference] + profileFields,
            requirements: [readUser, ScopeRequirement(anyOf: ["user:update:user:admin", "user:write:admin"])], category: "Light", idempotent: true,
            protectsPrivilegedUsers: true, atLeastOneOf: profileFields.map(\.name), atMostOneOf: licenceFields),
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
        ActionDescription(
            "group.add_admins", "Makes a user an admin of a group: they manage its members and settings.", fields: [groupReference, userReference],
            requirements: [
                readUser, readGroup, ScopeRequirement(anyOf: ["group:write:administrator:admin", "group:write:admin"]),
                ScopeRequirement(anyOf: ["group:read:list_administrators:admin", "group:read:admin"]),
            ], category: "Medium", idempotent: false, protectsPrivilegedUsers: false),
        ActionDescription(
            "role.update",
            "Renames a role, or changes its description or privileges (the Owner role is never changed; the Admin role only with allow_admin_target).",
            fields: [
                roleReference, ActionField("name", .text(maxLength: 128), "The role's new name."),
                ActionField("description", .text(maxLength: 255), "The role's new description."),
                ActionField(
                    "privileges", .textList(maxItems: 500, maxLength: 64),
                    "Every privilege the role will hold, by Zoom's names (User:Read, Group:Edit…): it replaces the list."),
            ],
            requirements: [
                readRole, ScopeRequirement(anyOf: ["role:read:list_roles:admin", "role:read:admin"]),
                ScopeRequirement(anyOf: ["role:update:role:admin", "role:write:admin"]),
            ], category: "Light", idempotent: true, protectsPrivilegedUsers: true, atLeastOneOf: ["name", "description", "privileges"]),
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
            var info: JSONObject = ["email": .string(email), "type": .integer(input.text("license_type") == "licensed" ? 2 : 1)]
            for field in ["first_name", "last_name"] { if let value = input.text(field) { info[field] = .string(value) } }
            return ActionPlan(
                targets: [ActionTarget(kind: "user", remoteID: email, label: email)],
                requests: [
                    APIRequest(
                        "POST", path: "/users", bucket: action.category, body: .object(["action": .string("create"), "user_info": .object(info)]))
                ])
        case "role.update":
            let role = try await target(role: input.text("role") ?? "", api: api)
            if role.remoteID == ZoomCatalog.ownerRole.id {
                throw ActionRefusal(.protectedTarget, "the \(role.label) role is the account owner's: Tether never changes it")
            }
            if role.remoteID == ZoomCatalog.adminRole.id, !input.flag(ActionField.allowAdminTarget.name) {
                throw ActionRefusal(.protectedTarget, "the \(role.label) role is every admin's: set allow_admin_target to change it")
            }
            var body: JSONObject = [:]
            for field in ["name", "description", "privileges"] { body[field] = input.values[field] }
            return ActionPlan(
                targets: [role],
                requests: [APIRequest("PATCH", path: "/roles/\(pathSegment(role.remoteID))", bucket: action.category, body: .object(body))])
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
            var body: JSONObject = [:]
            for field in profileFields {
                guard let value = input.values[field.name] else { continue }
                body[zoomProfileField[field.name] ?? field.name] = value
            }
            if let licence = input.text("license_type") { body["type"] = .integer(licence == "licensed" ? 2 : 1) }
            body["license_type"] = nil
            return ActionPlan(targets: [userTarget], requests: [APIRequest("PATCH", path: path, bucket: action.category, body: .object(body))])
        case "group.add_admins":
            let group = try await target(group: input.text("group") ?? "", api: api)
            return ActionPlan(
                targets: [userTarget, group],
                requests: [
                    APIRequest(
                        "POST", path: "/groups/\(pathSegment(group.remoteID))/admins", bucket: action.category,
                        body: .object(["admins": .array([.object(["id": .string(user.id)])])]))
                ])
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
        action.name != "user.update" || licenceFields.contains { input.values[$0] != nil }
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
        case "role.update": return nil
        case "group.add_admins":
            let user = plan.targets.first { $0.kind == "user" }?.remoteID ?? ""
            return try await adminIDs(ofGroup: plan.targets.first { $0.kind == "group" }?.remoteID ?? "", api: api).contains(user)
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
        case "role.update":
            let id = plan.targets.first?.remoteID ?? ""
            let body = try await api.send(APIRequest(path: "/roles/\(pathSegment(id))", bucket: "Light"))
            guard let role = JSONValue.parse(body), role["id"]?.nonEmptyString == id else {
                throw ConnectorError(.invalidResponse, "Zoom answered the role \(id) without its id")
            }
            var result: JSONObject = ["role_id": .string(id)]
            for field in ["name", "description", "privileges"] { result[field] = role[field] ?? .null }
            // The synced row is the list's item, as a sync stores it (the single role answers more fields).
            let list = try await api.send(APIRequest(path: "/roles", bucket: "Medium"))
            let item = JSONValue.parse(list)?["roles"]?.array?.first { $0["id"]?.string == id }
            return ActionOutcome(result: .object(result), upserts: try item.map { [(.roles, try ZoomRecords.role($0))] } ?? [])
        case "group.add_admins":
            let user = plan.targets.first { $0.kind == "user" }?.remoteID ?? ""
            let group = plan.targets.first { $0.kind == "group" }?.remoteID ?? ""
            let admins = try await adminIDs(ofGroup: group, api: api)
            guard admins.contains(user) else { throw ConnectorError(.invalidResponse, "Zoom does not list the user among the group's admins") }
            return ActionOutcome(
                result: .object(["group_id": .string(group), "user_id": .string(user), "admin_ids": .array(admins.map(JSONValue.string))]))
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

    /// The ids of a group's admins (`GET /groups/{groupId}/admins`, every page).
    static func adminIDs(ofGroup group: String, api: any ProviderAPI) async throws -> [String] {
        var ids: [String] = []
        var token: String?
        repeat {
            var query = [APIRequest.Query("page_size", "300")]
            if let token { query.append(APIRequest.Query("next_page_token", token)) }
            let body = try await api.send(APIRequest(path: "/groups/\(pathSegment(group))/admins", query: query, bucket: "Medium"))
            guard let page = JSONValue.parse(body), let admins = page["admins"]?.array else {
                throw ConnectorError(.invalidResponse, "Zoom answered a group's admins without an admins list")
            }
            ids += admins.compactMap { $0["user_id"]?.string ?? $0["id"]?.string }
            token = page["next_page_token"]?.nonEmptyString
        } while token != nil && ids.count < 10_000
        return ids
    }
}
