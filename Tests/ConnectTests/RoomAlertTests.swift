import CurlHTTP
import Foundation
import Postgres
import Store
import TestSupport
import Testing
import Vault
import ZoomSandbox

/// Live Zoom Room alerts (DESIGN §6.2 `room_alerts`): Zoom pushes them to `/webhooks/zoom`; each verified
/// alert is stored for the connections of its account, and its recovery clears it.
@Suite("Zoom Room alerts", .enabled(if: TestDatabase.isAvailableOrRequired))
struct RoomAlertTests {
    static func alert(
        account: String, room: String, issue: String, event: String = "zoomroom.alert", at milliseconds: Int = 1_767_225_600_000
    )
        -> String
    {
        #"{"event":"\#(event)","event_ts":\#(milliseconds),"payload":{"account_id":"\#(account)","object":{"id":"\#(room)","room_name":"Room 1","issue":"\#(issue)"}}}"#
    }

    /// Tenant acme with a server-to-server connection to the Business account (the one with Zoom Rooms).
    static func connectBusiness(_ h: Harness) async throws -> String {
        let (_, key) = try await h.makeTenant("acme")
        let app = h.serverToServerApp(account: 2)
        _ = try h.object(
            try await h.api(
                "POST", "/v1/tenants/acme/connections", key: key,
                json: [
                    "provider": "zoom", "mode": "server_to_server", "account_id": h.sandbox.world.accounts[2].id, "client_id": app.clientID,
                    "client_secret": app.clientSecret,
                ]))
        return key
    }

    static func alerts(_ h: Harness, key: String, includeDeleted: Bool = false) async throws -> [[String: Any]] {
        try h.object(try await h.api("GET", "/v1/tenants/acme/rooms/alerts?include=raw&include_deleted=\(includeDeleted)", key: key))["data"]
            as? [[String: Any]] ?? []
    }

    @Test(
        "an alert sent by the sandbox is stored for the account's connection; a repeat updates it, its recovery clears it, a delayed alert is kept too"
    )
    func alertsRaisedAndCleared() async throws {
        try await withHarness { h in
            let key = try await Self.connectBusiness(h)
            let account = h.sandbox.world.accounts[2].id
            func send(_ event: String, _ issue: String) async throws {
                let sent = try await h.control(
                    "POST", "/webhooks",
                    ["url": h.base + "/webhooks/zoom", "secret_token": Harness.webhookSecret, "event": event, "account_id": account, "issue": issue])
                #expect(try h.object(sent)["status"] as? Int == 200, "Tether took \(event)")
            }
            try await send("zoomroom.alert", "Room Controller disconnected")
            var live = try await Self.alerts(h, key: key)
            #expect(live.count == 1)
            #expect(live.first?["issue"] as? String == "Room Controller disconnected" && live.first?["event"] as? String == "zoomroom.alert")
            #expect(live.first?["room_name"] as? String == "Room 1" && live.first?["raised_at"] is String)
            try await send("zoomroom.alert", "Room Controller disconnected")
            #expect(try await Self.alerts(h, key: key).count == 1, "the same problem again is the same alert")
            try await send("zoomroom.delayed_alert", "Zoom room is offline")
            live = try await Self.alerts(h, key: key)
            #expect(Set(live.compactMap { $0["event"] as? String }) == ["zoomroom.alert", "zoomroom.delayed_alert"])
            try await send("zoomroom.alert", "Room Controller connected")
            live = try await Self.alerts(h, key: key)
            #expect(live.map { $0["issue"] as? String } == ["Zoom room is offline"], "the controller's recovery cleared its alert")
            let all = try await Self.alerts(h, key: key, includeDeleted: true)
            #expect(all.count == 2 && all.contains { $0["deleted"] as? Bool == true && $0["issue"] as? String == "Room Controller disconnected" })
            // An account no tenant connected: accepted, stored nowhere.
            try await send("zoomroom.alert", "Zoom room is offline")
            let elsewhere = Self.alert(account: "not-connected", room: "r", issue: "Zoom room is offline", at: 1_767_225_700_000)
            #expect(try await WebhookTests.deliver(h, elsewhere).status == 200)
            #expect(try await Self.alerts(h, key: key, includeDeleted: true).count == 2)
        }
    }

    @Test("an alert without a room or issue, or signed wrongly, is refused and stores nothing")
    func malformedAlertsRefused() async throws {
        try await withHarness { h in
            let key = try await Self.connectBusiness(h)
            let account = h.sandbox.world.accounts[2].id
            for body in [
                #"{"event":"zoomroom.alert","event_ts":1,"payload":{"account_id":"\#(account)","object":{"room_name":"x","issue":"y"}}}"#,
                #"{"event":"zoomroom.alert","event_ts":1,"payload":{"account_id":"\#(account)","object":{"id":"r1"}}}"#,
                #"{"event":"zoomroom.alert","event_ts":1,"payload":{"object":{"id":"r1","issue":"Zoom room is offline"}}}"#,
            ] {
                #expect(try await WebhookTests.deliver(h, body).status == 401, "\(body)")
            }
            let good = Self.alert(account: account, room: "r1", issue: "Zoom room is offline")
            #expect(try await WebhookTests.deliver(h, good, secret: "wrong").status == 401)
            #expect(try await Self.alerts(h, key: key, includeDeleted: true).isEmpty)
        }
    }

    @Test("a custom app's secret token verifies alerts for its own account only")
    func customTokenReachesOnlyItsAccount() async throws {
        try await withHarness { h in
            let (key, _) = try await CustomAppWebhookTests.connectCustom(h)
            let hint = "?client_id=\(h.customApp().clientID)"
            let forged = Self.alert(account: h.sandbox.world.accounts[2].id, room: "r1", issue: "Zoom room is offline")
            #expect(try await WebhookTests.deliver(h, forged, query: hint, secret: CustomAppWebhookTests.token).status == 401)
            let own = Self.alert(account: h.account.id, room: "r1", issue: "Zoom room is offline")
            #expect(try await WebhookTests.deliver(h, own, query: hint, secret: CustomAppWebhookTests.token).status == 200)
            #expect(try await Self.alerts(h, key: key).count == 1)
        }
    }
}
