import Connectors
import Foundation

/// What every family of actions shares: the fields naming a user, group or role, the scopes that read
/// them, and the reads that resolve a target at Zoom before anything is sent.
extension ZoomActionFamily {
    static var userReference: ActionField {
        ActionField("user", .reference(.users), required: true, "The user: Tether's id, Zoom's id or the email address.")
    }
    static var groupReference: ActionField { ActionField("group", .reference(.groups), required: true, "The group: Tether's id or Zoom's id.") }
    static var roleReference: ActionField { ActionField("role", .reference(.roles), required: true, "The role: Tether's id or Zoom's id.") }

    /// Every action reads its user first, a group action its group, a role action its role.
    static var readUser: ScopeRequirement { ScopeRequirement(anyOf: ["user:read:user:admin", "user:read:admin"]) }
    static var readGroup: ScopeRequirement { ScopeRequirement(anyOf: ["group:read:group:admin", "group:read:admin"]) }
    static var readRole: ScopeRequirement { ScopeRequirement(anyOf: ["role:read:role:admin", "role:read:admin"]) }

    typealias User = ZoomTargetUser

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
        try await named("role", at: "/roles", reference, api: api) { $0.kind == .rejected && $0.reason.contains("1034") }
    }

    /// A group by Zoom's id; Zoom answers an unknown one 404.
    static func target(group reference: String, api: any ProviderAPI) async throws -> ActionTarget {
        try await named("group", at: "/groups", reference, api: api)
    }

    /// The `kind` Zoom has under `collection` as `reference`, labelled by its name; `not_found` when Zoom
    /// answers 404, or an error `isUnknown` recognizes.
    private static func named(
        _ kind: String, at collection: String, _ reference: String, api: any ProviderAPI, isUnknown: (ConnectorError) -> Bool = { _ in false }
    ) async throws -> ActionTarget {
        do {
            let body = try await api.send(APIRequest(path: "\(collection)/\(pathSegment(reference))", bucket: "Light"))
            guard let item = JSONValue.parse(body), let id = item["id"]?.nonEmptyString else {
                throw ConnectorError(.invalidResponse, "Zoom answered a \(kind) without id")
            }
            return ActionTarget(kind: kind, remoteID: id, label: item["name"]?.string ?? id)
        } catch let error as ConnectorError where error.kind == .notFound || isUnknown(error) {
            throw ActionRefusal(.notFound, "Zoom has no \(kind) \(reference.prefix(254))")
        }
    }

}

/// An id or email as one segment of a Zoom path: a `/` or `?` in it cannot reach another path.
func pathSegment(_ id: String) -> String { id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? id }

/// A user as an action finds them at Zoom.
struct ZoomTargetUser {
    let item: JSONValue
    let id: String
    let email: String
    let status: String
    let groupIDs: [String]
    let roleID: String
    let privilege: ActionTarget.Privilege
}
