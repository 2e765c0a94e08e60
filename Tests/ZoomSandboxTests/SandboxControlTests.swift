import CurlHTTP
import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import TestSupport
import Testing
import Vault
import ZoomSandbox

@Suite("Zoom sandbox: control API")
struct SandboxControlTests {
    static func withControl<Result: Sendable>(
        _ body: @Sendable (ZoomSandbox, SandboxDriver, String) async throws -> Result
    ) async throws -> Result {
        try await withSandbox({
            $0.controlAPI = true; $0.rateLimits = false; $0.users = 40; $0.urlValidationDeadline = .seconds(60)
            $0.webhookDeliveryTimeout = .seconds(60)
        }) { sandbox, zoom in
            let token = try await zoom.connect(app: zoom.platformApp)["access_token"] as! String
            return try await body(sandbox, zoom, token)
        }
    }

    @Test("the control API is off unless enabled")
    func offByDefault() async throws {
        try await withSandbox { _, zoom in
            let response = try await zoom.control("GET", "/counters")
            #expect(response.status == 404)
        }
    }

    @Test("users added, changed and removed between two syncs show up in the REST API")
    func dataChanges() async throws {
        try await Self.withControl { sandbox, zoom, token in
            let account = sandbox.world.accounts[0]
            let before = try await zoom.allUsers(status: "active", token: token)
            let group = try zoom.json(try await zoom.get("/v2/groups", token: token))["groups"] as! [[String: Any]]
            let groupID = group[0]["id"] as! String
            let added = try zoom.json(
                try await zoom.control(
                    "POST", "/accounts/\(account.id)/users",
                    [
                        "email": "New.Hire@Example.com", "first_name": "New", "last_name": "Hire", "status": "active", "type": 2,
                        "group_ids": [groupID],
                    ]))
            let addedID = try #require(added["id"] as? String)
            let victim = before[5]["id"] as! String
            let changed = before[6]["id"] as! String
            #expect(try await zoom.control("PATCH", "/accounts/\(account.id)/users/\(changed)", ["status": "inactive"]).status == 200)
            #expect(try await zoom.control("DELETE", "/accounts/\(account.id)/users/\(victim)").status == 200)

            let after = try await zoom.allUsers(status: "active", token: token)
            let ids = Set(after.map { $0["id"] as! String })
            #expect(ids.contains(addedID) && !ids.contains(victim) && !ids.contains(changed))
            #expect(after.count == before.count - 1)
            #expect(try await zoom.allUsers(status: "inactive", token: token).contains { $0["id"] as? String == changed })
            #expect(try await zoom.get("/v2/users/\(victim)", token: token).status == 404)
            let newUser = try zoom.json(try await zoom.get("/v2/users/\(addedID)", token: token))
            #expect(newUser["email"] as? String == "New.Hire@Example.com")
            #expect(newUser["group_ids"] as? [String] == [groupID])
            let members = try zoom.json(try await zoom.get("/v2/groups/\(groupID)/members?page_size=300", token: token))
            #expect((members["members"] as? [[String: Any]])?.contains { $0["id"] as? String == addedID } == true)
        }
    }

    @Test("groups can be added and removed; a removed group disappears from users' group_ids")
    func groupChanges() async throws {
        try await Self.withControl { sandbox, zoom, token in
            let account = sandbox.world.accounts[0]
            let before = try zoom.json(try await zoom.get("/v2/groups", token: token))["groups"] as! [[String: Any]]
            let created = try zoom.json(try await zoom.control("POST", "/accounts/\(account.id)/groups", ["name": "Interns"]))
            let newID = try #require(created["id"] as? String)
            let doomed = before[0]["id"] as! String
            #expect(try await zoom.control("DELETE", "/accounts/\(account.id)/groups/\(doomed)").status == 200)
            let after = try zoom.json(try await zoom.get("/v2/groups", token: token))["groups"] as! [[String: Any]]
            let ids = after.map { $0["id"] as! String }
            #expect(ids.contains(newID) && !ids.contains(doomed) && after.count == before.count)
            #expect(try await zoom.get("/v2/groups/\(doomed)/members", token: token).status == 404)
            let users = try await zoom.allUsers(status: "active", token: token)
            #expect(!users.contains { ($0["group_ids"] as? [String] ?? []).contains(doomed) })
            #expect(try await zoom.control("POST", "/accounts/\(account.id)/groups", ["name": ""]).status == 400)
        }
    }

    @Test("an invalid change is refused with 400 and changes nothing")
    func invalidChange() async throws {
        try await Self.withControl { sandbox, zoom, token in
            let account = sandbox.world.accounts[0]
            let user = try await zoom.allUsers(status: "active", token: token)[3]["id"] as! String
            for change in [["status": "asleep"], ["type": 7], ["role_id": "nope"], ["group_ids": ["nope"]], ["email": "no-at-sign"]]
                as [[String: Any]]
            {
                #expect(try await zoom.control("PATCH", "/accounts/\(account.id)/users/\(user)", change).status == 400)
            }
            #expect(try zoom.json(try await zoom.get("/v2/users/\(user)", token: token))["status"] as? String == "active")
            #expect(try await zoom.control("PATCH", "/accounts/\(account.id)/users/nope", ["status": "active"]).status == 404)
        }
    }

    @Test("fault injection: 5xx, 429 storms, malformed and truncated JSON, dropped connections and latency")
    func faults() async throws {
        try await Self.withControl { _, zoom, token in
            #expect(try await zoom.control("POST", "/faults", ["error_rate": 1, "error_status": 502]).status == 200)
            #expect(try await zoom.get("/v2/users", token: token).status == 502)
            #expect(try await zoom.control("POST", "/faults", ["rate_limit_storm": 2]).status == 200)
            #expect(try await zoom.get("/v2/users", token: token).status == 429)
            let second = try await zoom.get("/v2/users", token: token)
            #expect(second.status == 429 && second.header("Retry-After") == "1")
            #expect(try await zoom.get("/v2/users", token: token).status == 200)
            for (fault, isJSON) in [("malformed_rate", false), ("truncated_rate", false)] {
                #expect(try await zoom.control("POST", "/faults", [fault: 1]).status == 200)
                let response = try await zoom.get("/v2/users", token: token)
                #expect(response.status == 200)
                #expect(((try? JSONSerialization.jsonObject(with: Data(response.body))) != nil) == isJSON)
            }
            #expect(try await zoom.control("POST", "/faults", ["drop_rate": 1]).status == 200)
            await #expect(throws: CurlHTTPError.self) { try await zoom.get("/v2/users", token: token) }
            #expect(try await zoom.control("POST", "/faults", ["latency_ms": 300]).status == 200)
            let started = ContinuousClock.now
            #expect(try await zoom.get("/v2/users", token: token).status == 200)
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            #expect(try await zoom.control("POST", "/faults", ["error_rate": 2]).status == 400)
            #expect(try await zoom.control("DELETE", "/faults").status == 200)
            #expect(try await zoom.get("/v2/users", token: token).status == 200)
            let counters = try zoom.json(try await zoom.control("GET", "/counters"))
            #expect(counters["faults_injected"] as? Int == 6)
        }
    }

    @Test("counters, clock and revocation are reachable through the control API")
    func countersClockRevoke() async throws {
        try await Self.withControl { sandbox, zoom, token in
            _ = try await zoom.get("/v2/users", token: token)
            let counters = try zoom.json(try await zoom.control("GET", "/counters"))
            #expect(counters["token_requests"] as? Int == 1)
            #expect(counters["codes_exchanged"] as? Int == 1)
            #expect((counters["requests"] as? [String: Int])?["/v2/users"] == 1)
            #expect((counters["requests_by_category"] as? [String: Int])?["Medium"] == 1)
            #expect(counters["tokens_issued"] as? Int == 1)
            #expect(try await zoom.control("POST", "/clock/advance", ["seconds": 3600]).status == 200)
            #expect(try zoom.json(try await zoom.get("/v2/users/me", token: token))["message"] as? String == "Access token is expired.")
            let fresh = try await zoom.connect(app: zoom.platformApp)["access_token"] as! String
            #expect(
                try await zoom.control(
                    "POST", "/tokens/revoke",
                    [
                        "client_id": zoom.platformApp.clientID, "account_id": sandbox.world.accounts[0].id,
                    ]
                ).status == 200)
            #expect(try await zoom.get("/v2/users/me", token: fresh).status == 401)
        }
    }

    @Test("webhook events carry Zoom's signature over the raw body; app_deauthorized also revokes the app's tokens")
    func webhooks() async throws {
        let received = NIOLockedValueBox<[(headers: [String: String], body: [UInt8])]>([])
        let router = Router()
        router.post("/hook") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            let headers = Dictionary(request.headers.map { ($0.name.canonicalName, $0.value) }, uniquingKeysWith: { a, _ in a })
            received.withLockedValue { $0.append((headers, Array(body.readableBytesView))) }
            return Response(status: .ok)
        }
        try await withLoopbackRouter(router) { hookBase in
            try await Self.withControl { sandbox, zoom, token in
                let secret = "webhook-secret-token"
                let sent = try zoom.json(
                    try await zoom.control(
                        "POST", "/webhooks",
                        [
                            "url": hookBase + "/hook", "secret_token": secret, "event": "app_deauthorized",
                            "account_id": sandbox.world.accounts[0].id, "client_id": zoom.platformApp.clientID,
                        ]))
                #expect(sent["status"] as? Int == 200)
                let delivery = try #require(received.withLockedValue { $0.first })
                let timestamp = try #require(delivery.headers["x-zm-request-timestamp"])
                #expect(Int(timestamp).map { abs($0 - Int(Date().timeIntervalSince1970)) < 60 } == true)
                let expected =
                    "v0="
                    + Hex.encode(
                        HMACSHA256.authenticationCode(
                            key: Array(secret.utf8), message: Array("v0:\(timestamp):".utf8) + delivery.body))
                #expect(delivery.headers["x-zm-signature"] == expected)
                let event = try JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any]
                #expect(event?["event"] as? String == "app_deauthorized")
                let payload = event?["payload"] as? [String: Any]
                #expect(payload?["client_id"] as? String == zoom.platformApp.clientID)
                #expect(payload?["account_id"] as? String == sandbox.world.accounts[0].id)
                #expect(try await zoom.get("/v2/users/me", token: token).status == 401)
            }
        }
    }

    @Test("URL validation succeeds only when the endpoint answers with HMAC(secret, plainToken), in time")
    func urlValidation() async throws {
        /// The right answer to a validation request.
        @Sendable func answer(_ request: Request) async throws -> Response {
            let body = try await request.body.collect(upTo: 1 << 20)
            let event = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
            let plain = (event?["payload"] as? [String: Any])?["plainToken"] as? String ?? ""
            let encrypted = Hex.encode(HMACSHA256.authenticationCode(key: Array("right-secret".utf8), message: Array(plain.utf8)))
            let reply = try JSONSerialization.data(withJSONObject: ["plainToken": plain, "encryptedToken": encrypted])
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: reply)))
        }
        let router = Router()
        router.post("/hook") { request, _ in try await answer(request) }
        router.post("/slow-hook") { request, _ in
            try await Task.sleep(for: .seconds(1))
            return try await answer(request)
        }
        try await withLoopbackRouter(router) { hookBase in
            try await Self.withControl { _, zoom, _ in
                let good = try zoom.json(
                    try await zoom.control("POST", "/webhooks/validate", ["url": hookBase + "/hook", "secret_token": "right-secret"]))
                #expect(good["valid"] as? Bool == true)
                let bad = try zoom.json(
                    try await zoom.control("POST", "/webhooks/validate", ["url": hookBase + "/hook", "secret_token": "wrong-secret"]))
                #expect(bad["valid"] as? Bool == false)
                // Nothing listens on port 1: validation fails and says why; an event gets 502.
                let unreachable = try zoom.json(
                    try await zoom.control("POST", "/webhooks/validate", ["url": "http://127.0.0.1:1/hook", "secret_token": "right-secret"]))
                #expect(unreachable["valid"] as? Bool == false)
                #expect((unreachable["error"] as? String)?.contains("could not be reached") == true)
                let undelivered = try await zoom.control("POST", "/webhooks", ["url": "http://127.0.0.1:1/hook", "secret_token": "s"])
                #expect(undelivered.status == 502)
            }
            // A right answer after the deadline (Zoom's is 3 s; shortened here) fails validation too.
            try await withSandbox({
                $0.controlAPI = true; $0.urlValidationDeadline = .milliseconds(200)
            }) { _, zoom in
                let late = try zoom.json(
                    try await zoom.control(
                        "POST", "/webhooks/validate", ["url": hookBase + "/slow-hook", "secret_token": "right-secret"]))
                #expect(late["valid"] as? Bool == false)
            }
        }
    }
}
