import Connectors
import Credentials
import CurlHTTP
import Foundation
import Postgres
import Store
import TestSupport
import Testing
import ZoomSandbox

/// The OpenAPI document against the running server: every operation it lists is called over real HTTP
/// (after a real sync filled every table), each answer's status must be documented for that operation and
/// its body must validate against the documented schema; every operation is also called without a key
/// and for a tenant that does not exist, and every route the server answered must be in the document.
@Suite("OpenAPI conformance", .enabled(if: TestDatabase.isAvailableOrRequired))
struct OpenAPIConformanceTests {
    /// Checks one answer against the document; returns the parsed body.
    struct Checker {
        let document: OpenAPIDocument
        var exercised: Set<String> = []

        @discardableResult
        mutating func check(
            _ response: HTTPClientResponse, _ method: String, _ template: String, _ comment: String = ""
        ) -> JSONValue? {
            guard let operation = document.operations.first(where: { $0.method == method && $0.path == template })?.operation else {
                Issue.record("\(method) \(template) is not in the document")
                return nil
            }
            exercised.insert("\(method) \(template)")
            let label = "\(method) \(template) → \(response.status) \(comment)"
            guard let documented = operation["responses"]?["\(response.status)"] else {
                Issue.record("\(label): status not documented; body \(response.bodyText.prefix(300))")
                return nil
            }
            guard let content = documented["content"]?.object else {
                #expect(response.body.isEmpty, "\(label): a body where none is documented")
                return nil
            }
            let mediaType = (response.header("content-type") ?? "").split(separator: ";").first.map(String.init) ?? ""
            guard let media = content[mediaType] else {
                Issue.record("\(label): content type \(mediaType) is not documented (\(content.keys.sorted()))")
                return nil
            }
            guard mediaType == "application/json" else { return nil }
            guard let body = JSONValue.parse(response.body) else {
                Issue.record("\(label): the body is not JSON")
                return nil
            }
            if let schema = media["schema"] {
                let problems = document.problems(body, against: schema)
                #expect(problems.isEmpty, "\(label): \(problems.prefix(5))")
            }
            return body
        }
    }

    @Test("every documented operation answers as documented, with and without a key, and no undocumented route answers")
    func everyOperation() async throws {
        let document = try OpenAPIDocument.load()
        try await withHarness(sandbox: { $0.rateLimits = false }) { h in
            var checker = Checker(document: document)
            func call(_ method: String, _ template: String, _ path: String, key: String?, json: [String: Any]? = nil) async throws -> JSONValue? {
                checker.check(try await h.api(method, path, key: key, json: json), method, template)
            }
            // Public routes.
            for path in ["/healthz", "/readyz", "/metrics", "/openapi.json"] { _ = try await call("GET", path, path, key: nil) }
            let served = try #require(JSONValue.parse(try await h.api("GET", "/openapi.json", key: nil).body))
            #expect(served == document.root, "/openapi.json serves the repository's document")

            // Tenants and keys.
            let admin = h.adminKey
            _ = try await call("POST", "/v1/tenants", "/v1/tenants", key: admin, json: ["slug": "acme", "name": "Acme"])
            _ = try await call("POST", "/v1/tenants", "/v1/tenants", key: admin, json: ["slug": "acme"])
            _ = try await call("GET", "/v1/tenants/{tenant}", "/v1/tenants/acme", key: admin)
            let created = try #require(try await call("POST", "/v1/tenants/{tenant}/api-keys", "/v1/tenants/acme/api-keys", key: admin, json: [:]))
            let key = try #require(created["key"]?.string)

            // Browser routes.
            let session = try #require(
                try await call(
                    "POST", "/v1/tenants/{tenant}/connect-sessions", "/v1/tenants/acme/connect-sessions", key: key,
                    json: ["provider": "zoom", "mode": "platform"]))
            let token = try #require(session["url"]?.string?.split(separator: "/").last.map(String.init))
            checker.check(try await h.http.execute(HTTPClientRequest(url: h.base + "/connect/\(token)")), "GET", "/connect/{token}")
            checker.check(try await h.http.execute(HTTPClientRequest(method: "POST", url: h.base + "/connect/\(token)")), "POST", "/connect/{token}")
            checker.check(try await h.http.execute(HTTPClientRequest(url: h.base + "/connect/\(token)")), "GET", "/connect/{token}", "used")
            checker.check(try await h.http.execute(HTTPClientRequest(url: h.base + "/connect/result")), "GET", "/connect/result")
            checker.check(
                try await h.http.execute(HTTPClientRequest(url: h.base + "/oauth/callback/zoom?code=x&state=y")), "GET", "/oauth/callback/zoom")
            checker.check(
                try await h.http.execute(
                    HTTPClientRequest(
                        method: "POST", url: h.base + "/webhooks/zoom", headers: [HTTPHeader("Content-Type", "application/json")],
                        body: Array(#"{"event":"app_deauthorized","payload":{}}"#.utf8))),
                "POST", "/webhooks/zoom", "unsigned")

            // A server-to-server connection to the Business account (it has rooms), synced for real so every table has rows.
            let app = h.serverToServerApp(account: 2)
            let connection = try #require(
                try await call(
                    "POST", "/v1/tenants/{tenant}/connections", "/v1/tenants/acme/connections", key: key,
                    json: [
                        "provider": "zoom", "mode": "server_to_server", "account_id": h.sandbox.world.accounts[2].id,
                        "client_id": app.clientID, "client_secret": app.clientSecret, "name": "Main",
                    ]))
            let connectionID = try #require(connection["id"]?.string)
            let connectionPath = "/v1/tenants/acme/connections/\(connectionID)"
            _ = try await call("GET", "/v1/tenants/{tenant}/connections", "/v1/tenants/acme/connections", key: key)
            _ = try await call("GET", "/v1/tenants/{tenant}/connections/{id}", connectionPath, key: key)
            _ = try await call("PATCH", "/v1/tenants/{tenant}/connections/{id}", connectionPath, key: key, json: ["description": "conformance"])
            _ = try await call("PATCH", "/v1/tenants/{tenant}/connections/{id}", connectionPath, key: key, json: ["sync_intervals": ["nope": 60]])
            let queued = try #require(try await call("POST", "/v1/tenants/{tenant}/connections/{id}/syncs", connectionPath + "/syncs", key: key))
            let runID = try #require(queued["run_id"]?.string)
            try await h.runSyncWorker(paced: false) {
                let run = try await h.api("GET", "\(connectionPath)/sync-runs/\(runID)", key: key)
                return ["succeeded", "partial", "failed"].contains(JSONValue.parse(run.body)?["status"]?.string ?? "")
            }
            _ = try await call("GET", "/v1/tenants/{tenant}/connections/{id}/sync-runs", connectionPath + "/sync-runs", key: key)
            let run = try await call("GET", "/v1/tenants/{tenant}/connections/{id}/sync-runs/{run}", "\(connectionPath)/sync-runs/\(runID)", key: key)
            #expect(run?["status"]?.string == "succeeded")

            // Zoom pushes room alerts: one, so the alerts list has a row too.
            let alert = RoomAlertTests.alert(account: h.sandbox.world.accounts[2].id, room: "r1", issue: "Zoom room is offline")
            #expect(try await WebhookTests.deliver(h, alert).status == 200)

            // Every data list, with raw JSON, and the member lists of the first group and role.
            var firstIDs: [String: String] = [:]
            for (template, _) in document.operations.map({ ($0.path, $0.method) })
            where template.hasPrefix("/v1/tenants/{tenant}/")
                && !template.contains("{id}")
                && !["connections", "events", "webhook", "connect-sessions", "api-keys"].contains(where: { template.hasSuffix($0) })
            {
                let path = template.replacingOccurrences(of: "{tenant}", with: "acme")
                let page = try await call("GET", template, path + "?limit=3&include=raw&include_deleted=true", key: key)
                let rows = page?["data"]?.array ?? []
                #expect(!rows.isEmpty, "\(template) has rows after a full sync")
                firstIDs[template] = rows.first?["id"]?.string
            }
            _ = try await call("GET", "/v1/tenants/{tenant}/users", "/v1/tenants/acme/users?status=active&license_type=licensed&limit=2", key: key)
            _ = try await call("GET", "/v1/tenants/{tenant}/users", "/v1/tenants/acme/users?status=asleep", key: key)
            for parent in ["groups", "roles"] {
                let id = try #require(firstIDs["/v1/tenants/{tenant}/\(parent)"])
                _ = try await call("GET", "/v1/tenants/{tenant}/\(parent)/{id}/members", "/v1/tenants/acme/\(parent)/\(id)/members", key: key)
            }
            let active = try await call("GET", "/v1/tenants/{tenant}/users", "/v1/tenants/acme/users?status=active&limit=1", key: key)
            let userID = try #require(active?["data"]?.array?.first?["id"]?.string)
            let settings = try await call(
                "GET", "/v1/tenants/{tenant}/users/{id}/settings", "/v1/tenants/acme/users/\(userID)/settings?include=raw", key: key)
            #expect(settings?["data"]?.array?.count == 1, "an active user has settings")
            _ = try await call("GET", "/v1/tenants/{tenant}/users/{id}/settings", "/v1/tenants/acme/users/\(UUID())/settings", key: key)
            _ = try await call("GET", "/v1/tenants/{tenant}/users/{id}/presence", "/v1/tenants/acme/users/\(userID)/presence", key: key)
            let since = Date().addingTimeInterval(-7 * 86_400).formatted(.iso8601)
            let lastWeek = try await call("GET", "/v1/tenants/{tenant}/meetings", "/v1/tenants/acme/meetings?from=\(since)&limit=1", key: key)
            let meetingID = try #require(lastWeek?["data"]?.array?.first?["id"]?.string, "a meeting of the last week (quality covers 30 days)")
            for child in ["participants", "quality"] {
                let rows = try await call(
                    "GET", "/v1/tenants/{tenant}/meetings/{id}/\(child)", "/v1/tenants/acme/meetings/\(meetingID)/\(child)?include=raw", key: key)
                #expect(rows?["data"]?.array?.isEmpty == false, "\(child) of a synced meeting")
            }
            _ = try await call("GET", "/v1/tenants/{tenant}/meetings", "/v1/tenants/acme/meetings?from=2026-01-01T00:00:00Z&host_id=nobody", key: key)

            // Actions: the catalogue, a refused ask, a queued one (no worker runs here), a replay and a conflict, the list and one.
            _ = try await call("GET", "/v1/providers/{provider}/actions", "/v1/providers/zoom/actions", key: key)
            _ = try await call("GET", "/v1/providers/{provider}/actions", "/v1/providers/nope/actions", key: key)
            let actions = "\(connectionPath)/actions"
            _ = try await call(
                "POST", "/v1/tenants/{tenant}/connections/{id}/actions", actions, key: key, json: ["action": "user.deactivate", "input": [:]])
            _ = try await call("POST", "/v1/tenants/{tenant}/connections/{id}/actions", actions, key: key, json: ["action": "user.nope"])
            let ask: [String: Any] = ["action": "user.deactivate", "input": ["user": "someone@example.com"], "idempotency_key": "conformance"]
            let asked = try #require(
                try await call("POST", "/v1/tenants/{tenant}/connections/{id}/actions", actions + "?wait=0", key: key, json: ask))
            _ = try await call(
                "POST", "/v1/tenants/{tenant}/connections/{id}/actions", actions, key: key,
                json: ["action": "user.activate", "input": ["user": "someone@example.com"], "idempotency_key": "conformance"])
            _ = try await call("GET", "/v1/tenants/{tenant}/connections/{id}/actions", actions + "?limit=5", key: key)
            _ = try await call(
                "GET", "/v1/tenants/{tenant}/connections/{id}/actions/{action}", actions + "/\(asked["id"]?.string ?? "")", key: key)

            // The console, signed out, refused, signed in, each page and form, signed out again.
            var console = ConsoleTests.Operator(h)
            checker.check(try await console.get("/console"), "GET", "/console", "signed out")
            checker.check(try await console.get("/console/tenants"), "GET", "/console/tenants", "signed out")
            checker.check(try await console.signIn(key), "POST", "/console/sign-in", "a tenant key")
            checker.check(try await console.signIn("tether_unknown"), "POST", "/console/sign-in", "an unknown key")
            checker.check(try await console.signIn(admin), "POST", "/console/sign-in")
            checker.check(try await console.get("/console/sign-in"), "GET", "/console/sign-in", "signed in")
            for (template, path) in [
                ("/console/tenants", "/console/tenants"), ("/console/tenants/{tenant}", "/console/tenants/acme"),
                ("/console/tenants/{tenant}", "/console/tenants/nobody"),
                ("/console/tenants/{tenant}/connections/{id}", "/console/tenants/acme/connections/\(connectionID)"),
                ("/console/queue", "/console/queue"), ("/console/rate-limits", "/console/rate-limits"), ("/console/events", "/console/events"),
            ] {
                checker.check(try await console.get(path), "GET", template)
            }
            let consoleConnection = "/console/tenants/acme/connections/\(connectionID)"
            checker.check(try await console.post(consoleConnection + "/sync", csrf: nil), "POST", "/console/tenants/{tenant}/connections/{id}/sync")
            checker.check(
                try await console.post(consoleConnection + "/sync", csrf: console.csrf), "POST", "/console/tenants/{tenant}/connections/{id}/sync")
            checker.check(
                try await console.post(consoleConnection + "/reauth-link", csrf: console.csrf), "POST",
                "/console/tenants/{tenant}/connections/{id}/reauth-link", "server-to-server")
            checker.check(
                try await console.post("/console/tenants/acme/api-keys/\(UUID())/revoke", csrf: console.csrf), "POST",
                "/console/tenants/{tenant}/api-keys/{id}/revoke")
            checker.check(try await console.post("/console/sign-out", csrf: nil), "POST", "/console/sign-out", "forged")
            checker.check(try await console.post("/console/sign-out", csrf: console.csrf), "POST", "/console/sign-out")
            checker.check(try await console.get("/console"), "GET", "/console", "signed out again")

            // Events and the webhook.
            _ = try await call(
                "PUT", "/v1/tenants/{tenant}/webhook", "/v1/tenants/acme/webhook", key: key, json: ["url": "https://1.2.3.4/t"])
            _ = try await call(
                "PUT", "/v1/tenants/{tenant}/webhook", "/v1/tenants/acme/webhook", key: key, json: ["url": "http://1.2.3.4/t"])
            _ = try await call("GET", "/v1/tenants/{tenant}/webhook", "/v1/tenants/acme/webhook", key: key)
            let events = try await call("GET", "/v1/tenants/{tenant}/events", "/v1/tenants/acme/events", key: key)
            #expect((events?["data"]?.array?.count ?? 0) >= 2)
            _ = try await call("DELETE", "/v1/tenants/{tenant}/webhook", "/v1/tenants/acme/webhook", key: key)
            _ = try await call("DELETE", "/v1/tenants/{tenant}/connections/{id}", connectionPath, key: key)

            // Every /v1 operation without a key (401), and for a tenant that does not exist (404).
            for (method, template, operation) in document.operations where template.hasPrefix("/v1/") {
                let path = template.replacingOccurrences(of: "{tenant}", with: "acme").replacingOccurrences(of: "{id}", with: connectionID)
                    .replacingOccurrences(of: "{run}", with: runID).replacingOccurrences(of: "{action}", with: UUID().uuidString)
                    .replacingOccurrences(of: "{provider}", with: "zoom")
                let anonymous = try await h.api(method, path, key: nil)
                #expect(anonymous.status == 401, "\(method) \(template) without a key")
                checker.check(anonymous, method, template, "without a key")
                if template.contains("{tenant}"), operation["responses"]?["404"] != nil {
                    let missing = try await h.api(method, path.replacingOccurrences(of: "/acme", with: "/no-such-tenant"), key: admin)
                    #expect(missing.status == 404, "\(method) \(template) for a missing tenant")
                    checker.check(missing, method, template, "missing tenant")
                }
            }

            let all = Set(document.operations.map { "\($0.method) \($0.path)" })
            #expect(all.subtracting(checker.exercised).isEmpty, "never called: \(all.subtracting(checker.exercised).sorted())")

            // The reverse: every route pattern the server answered is documented.
            let metrics = try await h.http.execute(HTTPClientRequest(url: h.base + "/metrics")).bodyText
            let answered = Set(metrics.matches(of: /tether_http_requests_total\{method="(\w+)",route="([^"]+)"/).map { "\($0.1) \($0.2)" })
            let undocumented = answered.filter {
                !all.contains($0) && !all.contains($0.replacingOccurrences(of: "{provider}", with: "zoom")) && !$0.hasSuffix(" NotFound")
            }
            #expect(undocumented.isEmpty, "routes missing from the document: \(undocumented.sorted())")
        }
    }
}
