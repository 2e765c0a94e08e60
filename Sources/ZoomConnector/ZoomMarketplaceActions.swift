import Connectors
import Foundation

/// The actions on Marketplace app requests (Zluri's workflow table; Zoom's Marketplace API
/// `/marketplace/apps/{appId}/requests`): allow an app for users, groups or everyone, and answer the
/// requests users made for an app.
enum ZoomMarketplaceActions: ZoomActionFamily {
    static let appReference = ActionField("app", .identifier(maxLength: 64), required: true, "The Marketplace app's id.")
    /// Planning reads the app's requests: an unknown app is `not_found` before anything is sent.
    static let readRequests = ScopeRequirement(anyOf: ["marketplace:read:app_request:admin", "marketplace_app:read:admin"])
    /// The decisions that name one requester, and those that apply to every request of the app.
    static let decisionsForOne = ["approve", "decline", "cancel"]
    static let decisionsForAll = ["approve_all", "decline_all"]

    static let catalogue: [ActionDescription] = [
        ActionDescription(
            "marketplace.add_app_request", "Allows a Marketplace app for one user, the members of one group, or every user of the account.",
            fields: [
                appReference, ActionField("user", .reference(.users), "The user: Tether's id, Zoom's id or the email address."),
                ActionField("group", .reference(.groups), "The group: Tether's id or Zoom's id."),
                ActionField("all_users", .boolean, "true: every user of the account."),
            ],
            requirements: [
                readUser, readGroup, readRequests, ScopeRequirement(anyOf: ["marketplace:write:app_request:admin", "marketplace_app:write:admin"]),
            ], category: "Light", idempotent: true, protectsPrivilegedUsers: false, atLeastOneOf: ["user", "group", "all_users"],
            atMostOneOf: ["user", "group", "all_users"]),
        ActionDescription(
            "marketplace.update_app_request",
            "Answers users' requests for a Marketplace app: approve or decline one user's request or all of them, or cancel one.",
            fields: [
                appReference,
                ActionField(
                    "decision", .choice(decisionsForOne + decisionsForAll), required: true,
                    "approve, decline or cancel one user's request; approve_all or decline_all (which also declines the approved ones and disables the app for them)."
                ),
                ActionField("user", .reference(.users), "The requester, for approve, decline and cancel."),
            ],
            requirements: [
                readUser, readRequests, ScopeRequirement(anyOf: ["marketplace:update:app_request:admin", "marketplace_app:write:admin"]),
            ], category: "Light", idempotent: true, protectsPrivilegedUsers: false),
    ]

    // MARK: - Planning

    static func plan(_ action: ActionDescription, input: ActionInput, api: any ProviderAPI) async throws -> ActionPlan {
        let app = input.text("app") ?? ""
        _ = try await requesters(of: app, status: "pending", pageLimit: 1, api: api)
        let appTarget = ActionTarget(kind: "app", remoteID: app, label: app)
        let path = "/marketplace/apps/\(pathSegment(app))/requests"
        if action.name == "marketplace.add_app_request" {
            var body: JSONObject
            var targets = [appTarget]
            if let reference = input.text("user") {
                let user = try await target(user: reference, api: api)
                body = ["action": .string("add_user"), "user_ids": .array([.string(user.id)])]
                targets.append(ActionTarget(kind: "user", remoteID: user.id, label: user.email, privilege: user.privilege))
            } else if let reference = input.text("group") {
                let group = try await target(group: reference, api: api)
                body = ["action": .string("add_group"), "group_ids": .array([.string(group.remoteID)])]
                targets.append(group)
            } else if input.flag("all_users") {
                body = ["action": .string("add_all")]
            } else {
                throw ActionRefusal(.invalidInput, "name a user or a group, or set all_users to true")
            }
            return ActionPlan(targets: targets, requests: [APIRequest("POST", path: path, bucket: action.category, body: .object(body))])
        }
        let decision = input.text("decision") ?? ""
        var body: JSONObject = ["action": .string(decision)]
        var targets = [appTarget]
        if decisionsForOne.contains(decision) {
            guard let reference = input.text("user") else {
                throw ActionRefusal(.invalidInput, "\(decision) answers one user's request: name the user")
            }
            let user = try await target(user: reference, api: api)
            body["request_user_ids"] = .array([.string(user.id)])
            targets.append(ActionTarget(kind: "user", remoteID: user.id, label: user.email, privilege: user.privilege))
        } else if input.values["user"] != nil {
            throw ActionRefusal(.invalidInput, "\(decision) answers every request of the app: leave out user")
        }
        return ActionPlan(targets: targets, requests: [APIRequest("PATCH", path: path, bucket: action.category, body: .object(body))])
    }

    // MARK: - Effects

    /// Both are sent again when in doubt: allowing an app twice, or giving a request the same answer
    /// twice, leaves it as once.
    static func isEffective(_ action: ActionDescription, plan: ActionPlan, api: any ProviderAPI) async throws -> Bool? { nil }

    static func outcome(_ action: ActionDescription, plan: ActionPlan, responses: [[UInt8]], api: any ProviderAPI) async throws -> ActionOutcome {
        let app = plan.targets.first?.remoteID ?? ""
        var result: JSONObject = ["app_id": .string(app)]
        let sent = plan.requests.first?.body
        result["action"] = sent?["action"] ?? .null
        if let user = plan.targets.first(where: { $0.kind == "user" }) { result["user_id"] = .string(user.remoteID) }
        if let group = plan.targets.first(where: { $0.kind == "group" }) { result["group_id"] = .string(group.remoteID) }
        if action.name == "marketplace.add_app_request" {
            result["added_at"] = responses.first.flatMap { JSONValue.parse($0)?["added_at"] } ?? .null
            return ActionOutcome(result: .object(result))
        }
        // Read back where the request stands now: one requester's status, or how many still wait.
        if let user = plan.targets.first(where: { $0.kind == "user" })?.remoteID {
            var status = "cancelled"
            for candidate in ["pending", "approved", "rejected"] {
                if try await requesters(of: app, status: candidate, api: api).contains(user) {
                    status = candidate
                    break
                }
            }
            result["request_status"] = .string(status)
        } else {
            result["pending_requests"] = .integer(try await requesters(of: app, status: "pending", api: api).count)
        }
        return ActionOutcome(result: .object(result))
    }

    /// The users whose request for `app` has `status`, over at most `pageLimit` pages; Zoom answers an
    /// unknown app 404 (code 1401).
    static func requesters(of app: String, status: String, pageLimit: Int = 100, api: any ProviderAPI) async throws -> [String] {
        var users: [String] = []
        var token: String?
        var pages = 0
        do {
            repeat {
                var query = [APIRequest.Query("status", status), APIRequest.Query("page_size", "300")]
                if let token { query.append(APIRequest.Query("next_page_token", token)) }
                let body = try await api.send(APIRequest(path: "/marketplace/apps/\(pathSegment(app))/requests", query: query, bucket: "Medium"))
                guard let page = JSONValue.parse(body), let requests = page["requests"]?.array else {
                    throw ConnectorError(.invalidResponse, "Zoom answered an app's requests without a requests list")
                }
                users += requests.compactMap { $0["request_user_id"]?.string }
                token = page["next_page_token"]?.nonEmptyString
                pages += 1
            } while token != nil && pages < pageLimit
        } catch let error as ConnectorError where error.kind == .notFound {
            throw ActionRefusal(.notFound, "Zoom has no Marketplace app \(app)")
        }
        return users
    }
}
