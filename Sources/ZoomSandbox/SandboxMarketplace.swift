import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers

/// Marketplace apps and users' requests for them (Zoom's Marketplace API, `/marketplace/apps/{appId}/requests`):
/// every account has three apps; some of its first users asked for one, and an admin allows apps and
/// answers requests. An allow request an admin adds is approved at once (Zoom does not say; UNCONFIRMED).
public final class SandboxMarketplace: Sendable {
    /// A Marketplace app the account's users can ask for.
    public struct App: Sendable, Hashable {
        public let id: String
        public let name: String
        /// Its place among the account's apps: which users asked for it follows from it.
        let index: Int
    }

    private static let names = ["Whiteboard Sync", "Transcripts Plus", "CRM Notes"]
    /// Requests come from the account's first users only, so an account of a million users stays cheap.
    static let requestingUsers = 3..<600

    /// Account index → app id → user id → the status an admin left (`cancelled` removes the request).
    private let decided = NIOLockedValueBox<[Int: [String: [String: String]]]>([:])

    public static func apps(seed: UInt64, account: SandboxAccount) -> [App] {
        names.indices.map { index in
            var random = SandboxRandom(seed: seed, 30, UInt64(account.index), UInt64(index))
            return App(id: random.identifier(), name: names[index], index: index)
        }
    }

    /// Whether user `index` asked for the app when the world was generated (every 17th of the first users).
    static func asked(_ app: App, index: Int) -> Bool { requestingUsers.contains(index) && index % 17 == app.index + 1 }

    /// The status of `user`'s request for `app`: `pending`, `approved`, `rejected`, or nil when there is none.
    public func status(_ app: App, account: SandboxAccount, user: SandboxUser) -> String? {
        let status = decided.withLockedValue { $0[account.index]?[app.id]?[user.id] } ?? (Self.asked(app, index: user.index) ? "pending" : nil)
        return status == "cancelled" ? nil : status
    }

    func decide(_ app: App, account: SandboxAccount, _ statuses: [String: String]) {
        decided.withLockedValue { state in
            state[account.index, default: [:]][app.id, default: [:]].merge(statuses) { $1 }
        }
    }

    /// The indices of every user with a request for the app, ascending.
    func requesterIndices(_ app: App, account: SandboxAccount) -> [Int] {
        let decidedIDs = decided.withLockedValue { Array(($0[account.index]?[app.id] ?? [:]).keys) }
        let generated = Self.requestingUsers.filter { Self.asked(app, index: $0) }
        return Array(Set(generated + decidedIDs.compactMap(SandboxUser.index(fromID:)))).sorted()
    }

    /// The routes, with the Marketplace API's scopes, categories and error codes.
    struct Routes: Sendable {
        let sandbox: ZoomSandbox
        var writes: SandboxWriteRoutes { SandboxWriteRoutes(sandbox: sandbox) }
        var pager: SandboxPager { SandboxPager(sandbox: sandbox) }
        var store: SandboxMarketplace { sandbox.marketplace }

        func register<Context: RequestContext>(on router: Router<Context>) {
            router.get("/v2/marketplace/apps/:appId/requests") { request, context in
                try await writes.endpoint(.medium, ["marketplace:read:app_request:admin", "marketplace_app:read:admin"]).respond(request) { caller in
                    app(context, caller) { list(request, $0, caller) }
                }
            }
            router.post("/v2/marketplace/apps/:appId/requests") { request, context in
                let body = try await SandboxWriteRoutes.body(request)
                return try await writes.write(
                    request, writes.endpoint(.light, ["marketplace:write:app_request:admin", "marketplace_app:write:admin"])
                ) {
                    caller in
                    app(context, caller) { add($0, body, caller) }
                }
            }
            router.patch("/v2/marketplace/apps/:appId/requests") { request, context in
                let body = try await SandboxWriteRoutes.body(request)
                return try await writes.write(
                    request, writes.endpoint(.light, ["marketplace:update:app_request:admin", "marketplace_app:write:admin"])
                ) {
                    caller in
                    app(context, caller) { answer($0, body, caller) }
                }
            }
        }

        /// Answers for the account's app in the path, or 404 code 1401.
        func app(_ context: some RequestContext, _ caller: SandboxEndpoint.Caller, _ body: (App) -> SandboxReply) -> SandboxReply {
            let id = context.parameters.get("appId") ?? ""
            guard let app = SandboxMarketplace.apps(seed: sandbox.world.seed, account: caller.account).first(where: { $0.id == id }) else {
                return SandboxReply.error(.notFound, code: 1401, "App ID does not exist: \(id)")
            }
            return body(app)
        }

        func list(_ request: Request, _ app: App, _ caller: SandboxEndpoint.Caller) -> SandboxReply {
            let status = request.uri.queryParameters.get("status") ?? "pending"
            guard ["pending", "approved", "rejected"].contains(status) else {
                return SandboxReply.error(.badRequest, code: 300, "Invalid field: status.")
            }
            let page: SandboxPager.Page
            switch pager.page(request, scope: "app-requests|\(caller.account.index)|\(app.id)|\(status)", maximum: 300) {
            case .success(let value): page = value
            case .failure(let error): return error.reply
            }
            let (items, next) = pager.scan(page, candidates: store.requesterIndices(app, account: caller.account)) { index in
                guard let user = sandbox.user(caller.account, index: index), store.status(app, account: caller.account, user: user) == status else {
                    return nil
                }
                var item: [String: Any] = [
                    "request_user_id": user.id, "request_user_name": "\(user.firstName) \(user.lastName)", "request_user_email": user.email,
                    "request_date_time": SandboxHTTP.timestamp(SandboxUser.epoch.addingTimeInterval(-Double(index % 30) * 86_400)),
                    "reason": "I need \(app.name) for my work", "status": status,
                ]
                item["request_user_department"] = user.department
                return item
            }
            return SandboxReply(.ok, ["page_size": page.size, "next_page_token": pager.token(for: page, next: next), "requests": items])
        }

        /// `POST`: allow the app for the users named, the members of the groups named, or everyone.
        func add(_ app: App, _ body: [String: Any], _ caller: SandboxEndpoint.Caller) -> SandboxReply {
            let account = caller.account
            var allowed: [SandboxUser] = []
            var userIDs: [String] = []
            var groupIDs: [String] = []
            switch body["action"] as? String {
            case "add_user":
                guard let ids = body["user_ids"] as? [String], !ids.isEmpty else {
                    return SandboxReply.error(.badRequest, code: 300, "Invalid field: user_ids.")
                }
                for id in ids {
                    guard let user = writes.user(id, caller) else { return SandboxReply.error(.notFound, code: 1001, "User does not exist: \(id).") }
                    allowed.append(user)
                }
                userIDs = allowed.map(\.id)
            case "add_group":
                guard let ids = body["group_ids"] as? [String], !ids.isEmpty else {
                    return SandboxReply.error(.badRequest, code: 300, "Invalid field: group_ids.")
                }
                for id in ids {
                    guard let group = writes.group(id, caller) else { return SandboxWriteRoutes.noGroup }
                    allowed += sandbox.memberCandidates(account, of: group).compactMap { sandbox.user(account, index: $0) }
                        .filter { $0.groupIDs.contains(group.id) }
                }
                groupIDs = ids
            case "add_all":
                allowed = (0..<sandbox.userCount(account)).compactMap { sandbox.user(account, index: $0) }
            default:
                return SandboxReply.error(.badRequest, code: 300, "Invalid field: action.")
            }
            store.decide(app, account: account, Dictionary(allowed.map { ($0.id, "approved") }) { $1 })
            return SandboxReply(.created, ["added_at": SandboxHTTP.timestamp(sandbox.clock.now), "user_ids": userIDs, "group_ids": groupIDs])
        }

        /// `PATCH`: approve or decline every request or some, or cancel some.
        func answer(_ app: App, _ body: [String: Any], _ caller: SandboxEndpoint.Caller) -> SandboxReply {
            let account = caller.account
            let action = body["action"] as? String ?? ""
            let changes: [String: (from: Set<String>, to: String)] = [
                "approve_all": (["pending"], "approved"), "decline_all": (["pending", "approved"], "rejected"), "approve": (["pending"], "approved"),
                "decline": (["pending", "approved"], "rejected"), "cancel": (["pending"], "cancelled"),
            ]
            guard let change = changes[action] else { return SandboxReply.error(.badRequest, code: 300, "Invalid field: action.") }
            var candidates = store.requesterIndices(app, account: account).compactMap { sandbox.user(account, index: $0) }
            if !action.hasSuffix("_all") {
                guard let ids = body["request_user_ids"] as? [String], !ids.isEmpty else {
                    return SandboxReply.error(.badRequest, code: 300, "Invalid field: request_user_ids.")
                }
                candidates = candidates.filter { ids.contains($0.id) }
            }
            let changed = candidates.filter { store.status(app, account: account, user: $0).map(change.from.contains) == true }
            store.decide(app, account: account, Dictionary(changed.map { ($0.id, change.to) }) { $1 })
            return SandboxReply(.noContent, [:])
        }
    }
}
