import Foundation
import Testing
import Transport
import ZoomSandbox

/// Users' and accounts' settings as Zoom serves them (`zoom-api-actions.md` A4, B3).
@Suite("Zoom sandbox: settings")
struct SandboxSettingsTests {
    /// The first user of the Pro account matching `condition`.
    static func user(_ sandbox: ZoomSandbox, _ condition: (SandboxUser) -> Bool) throws -> SandboxUser {
        let account = sandbox.world.accounts[0]
        let found = (0..<sandbox.userCount(account)).lazy.compactMap { sandbox.user(account, index: $0) }.first(where: condition)
        return try #require(found)
    }

    /// JSON with sorted keys, to compare two answers.
    static func canonical(_ value: Any?) throws -> Data {
        try JSONSerialization.data(withJSONObject: try #require(value), options: .sortedKeys)
    }

    @Test("a user's settings follow their licence; a pending user's are refused with code 1000 and an unknown user's with 1001")
    func readsFollowTheLicence() async throws {
        try await withSandbox({ $0.users = 60 }) { sandbox, zoom in
            let token = try await zoom.connect(app: zoom.platformApp)["access_token"] as! String
            let basic = try Self.user(sandbox) { $0.type == 1 && $0.status == "active" }
            let licensed = try Self.user(sandbox) { $0.type == 2 && $0.status == "active" }
            let basicSettings = try zoom.json(try await zoom.get("/v2/users/\(basic.id)/settings", token: token))
            let basicFeature = try #require(basicSettings["feature"] as? [String: Any])
            #expect(basicFeature["meeting_capacity"] as? Int == 100 && basicFeature["webinar"] as? Bool == false)
            #expect((basicSettings["recording"] as? [String: Any])?["cloud_recording"] as? Bool == false)
            let licensedFeature = try zoom.json(try await zoom.get("/v2/users/\(licensed.email)/settings", token: token))["feature"] as? [String: Any]
            #expect(licensedFeature?["meeting_capacity"] as? Int == 300 && licensedFeature?["zoom_phone"] as? Bool == true)
            let pending = try Self.user(sandbox) { $0.status == "pending" }
            let refused = try await zoom.get("/v2/users/\(pending.id)/settings", token: token)
            #expect(try refused.status == 400 && zoom.json(refused)["code"] as? Int == 1000)
            let unknown = try await zoom.get("/v2/users/nobody@example.com/settings", token: token)
            #expect(try unknown.status == 404 && zoom.json(unknown)["code"] as? Int == 1001)
        }
    }

    @Test("PATCH changes only what it names and answers 204; a wrong kind, an unknown key or a licensed-only feature for a Basic user is refused")
    func patchChecksAndApplies() async throws {
        try await withSandbox({ $0.users = 60 }) { sandbox, zoom in
            let token = try await zoom.connect(app: zoom.platformApp)["access_token"] as! String
            let basic = try Self.user(sandbox) { $0.type == 1 && $0.status == "active" }
            let path = "/v2/users/\(basic.id)/settings"
            let before = try zoom.json(try await zoom.get(path, token: token))
            let changed = try await zoom.send(
                "PATCH", path, token: token, ["in_meeting": ["waiting_room": true], "recording": ["auto_recording": "local"]])
            #expect(changed.status == 204 && changed.body.isEmpty)
            let after = try zoom.json(try await zoom.get(path, token: token))
            #expect((after["in_meeting"] as? [String: Any])?["waiting_room"] as? Bool == true)
            #expect((after["recording"] as? [String: Any])?["auto_recording"] as? String == "local")
            // Everything else is as it was.
            #expect(((after["in_meeting"] as? [String: Any])?["chat"] as? Bool) == ((before["in_meeting"] as? [String: Any])?["chat"] as? Bool))
            #expect(try Self.canonical(after["schedule_meeting"]) == Self.canonical(before["schedule_meeting"]))
            for (body, code) in [
                (["in_meeting": ["waiting_room": 1]], 300), (["in_meeting": ["no_such_setting": true]], 300), (["no_such_section": [:]], 300),
                (["recording": ["auto_recording": "tape"]], 300), (["feature": ["large_meeting": true]], 1108),
                (["feature": ["webinar": true]], 1122),
            ] as [([String: Any], Int)] {
                let refused = try await zoom.send("PATCH", path, token: token, body)
                #expect(try refused.status == 400 && zoom.json(refused)["code"] as? Int == code, "\(body)")
            }
            #expect(try Self.canonical(try zoom.json(try await zoom.get(path, token: token))) == Self.canonical(after), "refusals change nothing")
            // The classic app has no write scope: code 4711.
            let classic = try await zoom.connect(app: zoom.classicApp)["access_token"] as! String
            let unscoped = try await zoom.send("PATCH", path, token: classic, ["in_meeting": ["waiting_room": false]])
            #expect(try unscoped.status == 400 && zoom.json(unscoped)["code"] as? Int == 4711)
        }
    }

    @Test("account settings are served to paid accounts only, with the password policy as a nested object")
    func accountSettings() async throws {
        try await withSandbox { _, zoom in
            let token = try await zoom.connect(app: zoom.platformApp)["access_token"] as! String
            let settings = try zoom.json(try await zoom.get("/v2/accounts/me/settings", token: token))
            let policy = (settings["security"] as? [String: Any])?["password_requirement"] as? [String: Any]
            #expect([8, 10, 12].contains(policy?["minimum_password_length"] as? Int ?? 0))
            #expect((settings["in_meeting"] as? [String: Any])?["waiting_room"] is Bool)
            let other = try await zoom.get("/v2/accounts/someone-else/settings", token: token)
            #expect(try other.status == 404 && zoom.json(other)["code"] as? Int == 2001)
            let free = try await zoom.token(
                app: zoom.serverToServerApp(account: 1),
                [
                    ("grant_type", "account_credentials"), ("account_id", zoom.sandbox.world.accounts[1].id),
                ])
            let freeToken = try zoom.json(free)["access_token"] as! String
            let refused = try await zoom.get("/v2/accounts/me/settings", token: freeToken)
            #expect(try refused.status == 400 && zoom.json(refused)["code"] as? Int == 200)
        }
    }
}

/// `GET /users/{id}/presence_status` (`zoom-api-actions.md` B2).
@Suite("Zoom sandbox: presence")
struct SandboxPresenceTests {
    @Test("a user's presence is one of Zoom's statuses, Offline when inactive, set through the control API; an unknown user is 404 code 1001")
    func presence() async throws {
        try await withSandbox({
            $0.users = 60; $0.controlAPI = true
        }) { sandbox, zoom in
            let token = try await zoom.connect(app: zoom.platformApp)["access_token"] as! String
            let active = try SandboxSettingsTests.user(sandbox) { $0.status == "active" && $0.role == .member }
            let inactive = try SandboxSettingsTests.user(sandbox) { $0.status == "inactive" }
            let read = try zoom.json(try await zoom.get("/v2/users/\(active.id)/presence_status", token: token))
            #expect(SandboxPresence.statuses.contains(read["status"] as? String ?? ""))
            #expect(try zoom.json(try await zoom.get("/v2/users/\(inactive.id)/presence_status", token: token))["status"] as? String == "Offline")
            let account = sandbox.world.accounts[0].id
            #expect(try await zoom.control("PATCH", "/accounts/\(account)/users/\(active.id)", ["presence_status": "Do_Not_Disturb"]).status == 200)
            let busy = try zoom.json(try await zoom.get("/v2/users/\(active.email)/presence_status", token: token))
            #expect(busy["status"] as? String == "Do_Not_Disturb" && busy["end_time"] is String && busy["remaining_time"] is Int)
            #expect(try await zoom.control("PATCH", "/accounts/\(account)/users/\(active.id)", ["presence_status": "Sleeping"]).status == 400)
            let unknown = try await zoom.get("/v2/users/nobody@example.com/presence_status", token: token)
            #expect(try unknown.status == 404 && zoom.json(unknown)["code"] as? Int == 1001)
        }
    }
}
