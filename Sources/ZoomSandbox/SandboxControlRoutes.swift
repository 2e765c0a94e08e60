import CurlHTTP
import Foundation
import HTTPTypes
import Hummingbird
import Vault

/// `/_sandbox/…`: the control API tests and demos use to change data between syncs, inject faults, move
/// the clock, revoke tokens, send signed webhook events and read counters. Served only when
/// ``SandboxConfiguration/controlAPI`` is on.
struct SandboxControlRoutes: Sendable {
    let sandbox: ZoomSandbox

    struct UserChange: Decodable {
        var email: String?
        var firstName: String?
        var lastName: String?
        var status: String?
        var type: Int?
        var dept: String?
        var roleID: String?
        var groupIDs: [String]?
        var presence: String?

        enum CodingKeys: String, CodingKey {
            case email, status, type, dept
            case firstName = "first_name", lastName = "last_name", roleID = "role_id", groupIDs = "group_ids", presence = "presence_status"
        }
    }

    struct GroupChange: Decodable {
        let name: String
    }

    struct Advance: Decodable {
        let seconds: Int
    }

    struct Revoke: Decodable {
        let clientID: String
        let accountID: String

        enum CodingKeys: String, CodingKey {
            case clientID = "client_id", accountID = "account_id"
        }
    }

    struct WebhookRequest: Decodable {
        let url: String
        let secretToken: String
        let event: String?
        let accountID: String?
        let clientID: String?
        /// `zoomroom.alert` and `zoomroom.delayed_alert`: the room (its id, else the account's first) and the issue.
        let roomID: String?
        let issue: String?

        enum CodingKeys: String, CodingKey {
            case url, event, issue
            case secretToken = "secret_token", accountID = "account_id", clientID = "client_id", roomID = "room_id"
        }
    }

    func register<Context: RequestContext>(on router: Router<Context>) {
        let control = router.group("/_sandbox")
        control.get("/counters") { _, _ in counters() }
        control.post("/clock/advance") { request, context in
            let advance = try await request.decode(as: Advance.self, context: context)
            guard advance.seconds > 0 else { return failure(.badRequest, "seconds must be positive") }
            sandbox.clock.advance(by: .seconds(advance.seconds))
            return SandboxHTTP.json(.ok, ["now": SandboxHTTP.timestamp(sandbox.clock.now)])
        }
        control.post("/faults") { request, context in
            let plan = try await request.decode(as: SandboxFaultPlan.self, context: context)
            sandbox.faults.plan = plan
            return SandboxHTTP.json(.ok, ["status": "faults set"])
        }
        control.delete("/faults") { _, _ in
            sandbox.faults.plan = SandboxFaultPlan()
            return SandboxHTTP.json(.ok, ["status": "faults cleared"])
        }
        control.post("/tokens/revoke") { request, context in
            let revoke = try await request.decode(as: Revoke.self, context: context)
            guard sandbox.world.account(id: revoke.accountID) != nil else { return failure(.notFound, "no such account") }
            sandbox.revokeAll(clientID: revoke.clientID, accountID: revoke.accountID)
            return SandboxHTTP.json(.ok, ["status": "revoked"])
        }
        control.post("/accounts/:accountId/users") { request, context in
            guard let account = sandbox.world.account(id: context.parameters.get("accountId") ?? "") else {
                return failure(.notFound, "no such account")
            }
            let change = try await request.decode(as: UserChange.self, context: context)
            if let problem = validate(change, account: account) { return failure(.badRequest, problem) }
            let user = sandbox.edits.add(account, world: sandbox.world) { apply(change, to: &$0) }
            sandbox.dataChanged()
            return SandboxHTTP.json(.created, ["id": user.id, "email": user.email])
        }
        control.patch("/accounts/:accountId/users/:userId") { request, context in
            guard let (account, user) = find(context) else { return failure(.notFound, "no such account or user") }
            let change = try await request.decode(as: UserChange.self, context: context)
            if let problem = validate(change, account: account) { return failure(.badRequest, problem) }
            var changed = user
            apply(change, to: &changed)
            sandbox.edits.replace(account, changed)
            sandbox.dataChanged()
            return SandboxHTTP.json(.ok, ["id": changed.id, "email": changed.email])
        }
        control.delete("/accounts/:accountId/users/:userId") { _, context in
            guard let (account, user) = find(context) else { return failure(.notFound, "no such account or user") }
            sandbox.edits.remove(account, index: user.index)
            sandbox.dataChanged()
            return SandboxHTTP.json(.ok, ["status": "removed"])
        }
        control.post("/accounts/:accountId/groups") { request, context in
            guard let account = sandbox.world.account(id: context.parameters.get("accountId") ?? "") else {
                return failure(.notFound, "no such account")
            }
            let group = try await request.decode(as: GroupChange.self, context: context)
            guard !group.name.trimmingCharacters(in: .whitespaces).isEmpty, group.name.count <= 128 else {
                return failure(.badRequest, "name must be 1 to 128 characters")
            }
            let added = sandbox.edits.addGroup(account, name: group.name, world: sandbox.world)
            sandbox.dataChanged()
            return SandboxHTTP.json(.created, ["id": added.id, "name": added.name])
        }
        control.delete("/accounts/:accountId/groups/:groupId") { _, context in
            guard let account = sandbox.world.account(id: context.parameters.get("accountId") ?? ""),
                let groupID = context.parameters.get("groupId"), sandbox.groups(account).contains(where: { $0.id == groupID })
            else { return failure(.notFound, "no such account or group") }
            sandbox.edits.removeGroup(account, id: groupID)
            sandbox.dataChanged()
            return SandboxHTTP.json(.ok, ["status": "removed"])
        }
        control.post("/webhooks") { request, context in
            let hook = try await request.decode(as: WebhookRequest.self, context: context)
            return try await sendEvent(hook)
        }
        control.post("/webhooks/validate") { request, context in
            let hook = try await request.decode(as: WebhookRequest.self, context: context)
            return try await validateEndpoint(hook)
        }
    }

    // MARK: - Counters

    func counters() -> Response {
        let grants = sandbox.grants.counters
        return SandboxHTTP.json(
            .ok,
            [
                "token_requests": grants.tokenRequests, "codes_exchanged": grants.authorizationCodesExchanged,
                "refreshes": grants.refreshes, "account_credential_tokens": grants.accountCredentialTokens,
                "revocations": grants.revocations, "rejected_token_requests": grants.rejectedTokenRequests,
                "tokens_issued": grants.authorizationCodesExchanged + grants.refreshes + grants.accountCredentialTokens,
                "rate_limited": sandbox.rateLimited, "faults_injected": sandbox.faults.injected, "requests": sandbox.requestCounts,
                "requests_by_category": sandbox.requestCountsByCategory, "writes": sandbox.writeCounts,
            ])
    }

    // MARK: - Data changes

    private func find(_ context: some RequestContext) -> (SandboxAccount, SandboxUser)? {
        guard let account = sandbox.world.account(id: context.parameters.get("accountId") ?? ""),
            let id = context.parameters.get("userId"), let index = SandboxUser.index(fromID: id),
            let user = sandbox.user(account, index: index), user.id == id
        else { return nil }
        return (account, user)
    }

    private func validate(_ change: UserChange, account: SandboxAccount) -> String? {
        if let status = change.status, !["active", "inactive", "pending"].contains(status) { return "status must be active, inactive or pending" }
        if let type = change.type, ![1, 2, 99].contains(type) { return "type must be 1, 2 or 99" }
        if let presence = change.presence, !SandboxPresence.statuses.contains(presence) {
            return "presence_status must be one of \(SandboxPresence.statuses.joined(separator: ", "))"
        }
        if let email = change.email, !email.contains("@") { return "email must contain @" }
        if let roleID = change.roleID, !sandbox.roles(account).contains(where: { $0.id == roleID }) {
            return "role_id is not a role of this account"
        }
        let groups = sandbox.groups(account).map(\.id)
        if let groupIDs = change.groupIDs, !groupIDs.allSatisfy(groups.contains) { return "group_ids names a group this account lacks" }
        return nil
    }

    private func apply(_ change: UserChange, to user: inout SandboxUser) {
        if let email = change.email { user.email = email }
        if let firstName = change.firstName { user.firstName = firstName }
        if let lastName = change.lastName { user.lastName = lastName }
        if let status = change.status { user.status = status }
        if let type = change.type { user.type = type }
        if let dept = change.dept { user.department = dept }
        if let roleID = change.roleID { user.roleID = roleID }
        if let groupIDs = change.groupIDs { user.groupIDs = groupIDs }
        if let presence = change.presence { user.presence = presence }
    }

    // MARK: - Webhooks

    /// Sends a signed event the way Zoom does: `x-zm-request-timestamp` in seconds and
    /// `x-zm-signature: v0=hex(HMAC-SHA256(secret, "v0:{timestamp}:{body}"))`. An `app_deauthorized` event
    /// also revokes the app's tokens in the account, as uninstalling does.
    func sendEvent(_ hook: WebhookRequest) async throws -> Response {
        let event = hook.event ?? "app_deauthorized"
        guard let account = hook.accountID.flatMap(sandbox.world.account(id:)) ?? sandbox.world.accounts.first else {
            return failure(.notFound, "no such account")
        }
        let clientID = hook.clientID ?? sandbox.world.apps[0].clientID
        let now = sandbox.clock.now
        var payload: [String: Any] = ["account_id": account.id]
        if event == "app_deauthorized" {
            payload["user_id"] = sandbox.world.user(of: account, index: 0).id
            payload["client_id"] = clientID
            payload["deauthorization_time"] = SandboxHTTP.timestamp(now)
            payload["signature"] = Hex.encode(try SecureRandom.bytes(count: 32))
            sandbox.revokeAll(clientID: clientID, accountID: account.id)
        }
        if event.hasPrefix("zoomroom.") {
            let rooms = SandboxDataRoutes(sandbox: sandbox)
            let index = hook.roomID.flatMap { id in (0..<rooms.roomCount(account)).first { rooms.room(account, $0)["id"] as? String == id } } ?? 0
            let room = rooms.room(account, index)
            payload["object"] = [
                "id": room["id"] as! String, "room_name": room["name"] as! String, "email": "room\(index)@sandbox-\(account.index).example.com",
                "issue": hook.issue ?? "Zoom room is offline",
            ]
        }
        let body = SandboxHTTP.jsonData(["event": event, "event_ts": Int(now.timeIntervalSince1970 * 1000), "payload": payload])
        let response: HTTPClientResponse
        do {
            response = try await post(body, to: hook.url, secret: hook.secretToken, timestamp: Int(now.timeIntervalSince1970))
        } catch {
            return failure(.badGateway, "the event could not be delivered: \(error)")
        }
        return SandboxHTTP.json(.ok, ["status": response.status, "event": event])
    }

    /// Sends `endpoint.url_validation` and checks the reply carries the right `encryptedToken`.
    func validateEndpoint(_ hook: WebhookRequest) async throws -> Response {
        let plainToken = try SecureRandom.token(byteCount: 16)
        let now = sandbox.clock.now
        let body = SandboxHTTP.jsonData([
            "event": "endpoint.url_validation", "event_ts": Int(now.timeIntervalSince1970 * 1000), "payload": ["plainToken": plainToken],
        ])
        let started = ContinuousClock.now
        let response: HTTPClientResponse
        do {
            response = try await post(body, to: hook.url, secret: hook.secretToken, timestamp: Int(now.timeIntervalSince1970))
        } catch {
            return SandboxHTTP.json(.ok, ["valid": false, "error": "the endpoint could not be reached: \(error)"])
        }
        let elapsed = ContinuousClock.now - started
        let reply = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        let expected = Hex.encode(HMACSHA256.authenticationCode(key: Array(hook.secretToken.utf8), message: Array(plainToken.utf8)))
        let valid =
            response.status == 200 && reply?["plainToken"] as? String == plainToken
            && reply?["encryptedToken"] as? String == expected && elapsed < sandbox.configuration.urlValidationDeadline
        return SandboxHTTP.json(.ok, ["valid": valid, "status": response.status])
    }

    private func post(_ body: Data, to url: String, secret: String, timestamp: Int) async throws -> HTTPClientResponse {
        let message = Array("v0:\(timestamp):".utf8) + Array(body)
        let signature = "v0=" + Hex.encode(HMACSHA256.authenticationCode(key: Array(secret.utf8), message: message))
        return try await sandbox.httpClient.execute(
            HTTPClientRequest(
                method: "POST", url: url,
                headers: [
                    HTTPHeader("Content-Type", "application/json"), HTTPHeader("x-zm-request-timestamp", String(timestamp)),
                    HTTPHeader("x-zm-signature", signature), HTTPHeader("User-Agent", "Zoom Marketplace/1.0a"),
                ],
                body: Array(body), timeout: sandbox.configuration.webhookDeliveryTimeout))
    }

    private func failure(_ status: HTTPResponse.Status, _ message: String) -> Response {
        SandboxHTTP.json(status, ["error": message])
    }
}
