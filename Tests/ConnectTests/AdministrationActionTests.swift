import Foundation
import Postgres
import TestSupport
import Testing
import Transport
import ZoomSandbox

/// The actions that change what users pay for and who administers what: a user's plans and profile,
/// a group's admins, a role's privileges, and Marketplace app requests.
@Suite("Actions: plans, admins, roles and app requests", .serialized, .enabled(if: TestDatabase.isAvailableOrRequired))
struct AdministrationActionTests: ActionTesting {
    @Test(
        "user.update sets a user's plan and profile at Zoom and in users; two licence fields at once get 400 naming the second; the owner's plan is guarded"
    )
    func profileAndPlans() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let user = plainMember(h)
            let manager = member(h, index: 1)
            let owner = member(h, index: 0)
            let (updated, ownerPlan) = try await withActionWorker(h) {
                (
                    try await ask(
                        h, setup,
                        [
                            "action": "user.update",
                            "input": [
                                "user": user.id, "company": "Acme GmbH", "location": "Berlin", "manager": manager.email, "display_name": "Renée M.",
                                "plan_united_type": "4",
                            ],
                        ]),
                    try await ask(h, setup, ["action": "user.update", "input": ["user": owner.id, "plan_united_type": "none"]])
                )
            }
            #expect(updated.json["status"] as? String == "succeeded", "\(updated.json)")
            let atZoom = try #require(h.sandbox.user(h.account, index: user.index))
            #expect(atZoom.company == "Acme GmbH" && atZoom.location == "Berlin" && atZoom.manager == manager.email)
            #expect(atZoom.displayName == "Renée M." && atZoom.planUnitedType == "4")
            let synced = try await h.owner.withConnection { sql in
                try sql.query("SELECT raw->>'company', raw->>'plan_united_type' FROM users WHERE remote_id = \(user.id)")[0]
                    .decode((String?, String?).self)
            }
            #expect(synced.0 == "Acme GmbH" && synced.1 == "4", "written through as a sync stores the user")

            #expect((ownerPlan.json["error"] as? [String: Any])?["code"] as? String == "protected_target")
            #expect(sentWrites(h, "/v2/users/\(owner.id)") == 0)

            let actionsBefore = try await actionCount(h)
            let both = try await ask(h, setup, ["action": "user.update", "input": ["user": user.id, "license_type": "basic", "zoom_one_type": 16]])
            #expect(both.status == 400)
            let error = both.json["error"] as? [String: Any]
            #expect(error?["code"] as? String == "invalid_input" && (error?["message"] as? String)?.contains("zoom_one_type") == true, "\(both.json)")
            let badPlan = try await ask(h, setup, ["action": "user.update", "input": ["user": user.id, "plan_united_type": "3"]])
            #expect(badPlan.status == 400, "Zoom's plan numbers are powers of two")
            #expect(try await actionCount(h) == actionsBefore, "a refused input stores nothing")
        }
    }

    @Test("group.add_admins makes a user an admin of a group; a taker-over that finds them one sends nothing; an unknown group is not_found")
    func groupAdmins() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let user = plainMember(h)
            let group = try #require(h.sandbox.groups(h.account).first)
            let path = "/v2/groups/\(group.id)/admins"
            let (added, unknown) = try await withActionWorker(h) {
                (
                    try await ask(h, setup, ["action": "group.add_admins", "input": ["group": group.id, "user": user.email]]),
                    try await ask(h, setup, ["action": "group.add_admins", "input": ["group": "nogroup", "user": user.id]])
                )
            }
            #expect(added.json["status"] as? String == "succeeded", "\(added.json)")
            #expect(((added.json["result"] as? [String: Any])?["admin_ids"] as? [String]) == [user.id])
            #expect(h.sandbox.groupAdmins(h.account, group: group.id) == [user.id])
            #expect(sentWrites(h, path) == 1)
            #expect((unknown.json["error"] as? [String: Any])?["code"] as? String == "not_found")

            // Sent by a worker that died; the admin is there at Zoom.
            let other = try #require((user.index + 1..<h.account.userCount).lazy.map { member(h, index: $0) }.first { $0.status == "active" })
            let queued = try await ask(h, setup, ["action": "group.add_admins", "input": ["group": group.id, "user": other.id]], wait: 0)
            try await abandonSentActions(h)
            h.sandbox.addGroupAdmins(h.account, group: group.id, users: [other.id])
            let settled = try await withActionWorker(h) { try await ended(h, setup, try #require(queued.json["id"] as? String)) }
            #expect(settled["status"] as? String == "succeeded", "\(settled)")
            #expect((settled["result"] as? [String: Any])?["confirmed_after_takeover"] as? Bool == true)
            #expect(sentWrites(h, path) == 1, "not sent again")
        }
    }

    @Test(
        "role.update renames a role and replaces its privileges at Zoom and in roles; the Owner role is refused, the Admin role needs allow_admin_target; Zoom's refusals fail it"
    )
    func roleUpdate() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let custom = try #require(h.sandbox.roles(h.account).first { !["0", "1", "2"].contains($0.id) })
            let results = try await withActionWorker(h) {
                [
                    try await ask(
                        h, setup,
                        [
                            "action": "role.update",
                            "input": ["role": custom.id, "name": "Finance Admin", "privileges": ["BillingSubscription:Read", "Report:Read"]],
                        ]),
                    try await ask(h, setup, ["action": "role.update", "input": ["role": "0", "description": "mine"]]),
                    try await ask(h, setup, ["action": "role.update", "input": ["role": "1", "description": "Runs the account"]]),
                    try await ask(
                        h, setup, ["action": "role.update", "input": ["role": "1", "description": "Runs the account", "allow_admin_target": true]]),
                    try await ask(h, setup, ["action": "role.update", "input": ["role": custom.id, "name": "Member"]]),
                    try await ask(h, setup, ["action": "role.update", "input": ["role": custom.id, "privileges": ["Nope:Read"]]]),
                ]
            }
            let codes = results.map { ($0.json["status"] as? String ?? "", ($0.json["error"] as? [String: Any])?["code"] as? String) }
            #expect(codes[0].0 == "succeeded", "\(results[0].json)")
            #expect(codes[1] == ("rejected", "protected_target") && codes[2] == ("rejected", "protected_target"))
            #expect(codes[3].0 == "succeeded")
            #expect(codes[4] == ("failed", "provider_error") && codes[5] == ("failed", "provider_error"), "a taken name, an unknown privilege")
            let changed = try #require(h.sandbox.roles(h.account).first { $0.id == custom.id })
            #expect(changed.name == "Finance Admin" && changed.privileges == ["BillingSubscription:Read", "Report:Read"])
            #expect(((results[0].json["result"] as? [String: Any])?["privileges"] as? [String]) == ["BillingSubscription:Read", "Report:Read"])
            #expect(h.sandbox.roles(h.account).first { $0.id == "1" }?.description == "Runs the account")
            #expect(sentWrites(h, "/v2/roles/0") == 0)
            let synced = try await h.owner.withConnection { sql in
                try sql.query("SELECT name FROM roles WHERE remote_id = \(custom.id)")[0].decode(String.self, at: 0)
            }
            #expect(synced == "Finance Admin", "written through")
        }
    }

    @Test(
        "Marketplace requests: a user's request approved and then all declined, an app allowed for a user; a decision without its user, an unknown app or a bad app id send nothing"
    )
    func appRequests() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let app = try #require(h.sandbox.marketplaceApps(h.account).first)
            let requester = try #require(
                (3..<h.account.userCount).lazy.compactMap { h.sandbox.user(h.account, index: $0) }.first {
                    h.sandbox.marketplace.status(app, account: h.account, user: $0) == "pending"
                })
            let allowed = plainMember(h)
            let path = "/v2/marketplace/apps/\(app.id)/requests"
            let (approved, withoutUser, added, unknown) = try await withActionWorker(h) {
                (
                    try await ask(
                        h, setup,
                        ["action": "marketplace.update_app_request", "input": ["app": app.id, "decision": "approve", "user": requester.id]]),
                    try await ask(h, setup, ["action": "marketplace.update_app_request", "input": ["app": app.id, "decision": "decline"]]),
                    try await ask(h, setup, ["action": "marketplace.add_app_request", "input": ["app": app.id, "user": allowed.email]]),
                    try await ask(h, setup, ["action": "marketplace.add_app_request", "input": ["app": "noSuchApp", "all_users": true]])
                )
            }
            #expect(approved.json["status"] as? String == "succeeded", "\(approved.json)")
            #expect((approved.json["result"] as? [String: Any])?["request_status"] as? String == "approved")
            #expect(h.sandbox.marketplace.status(app, account: h.account, user: requester) == "approved")
            #expect((withoutUser.json["error"] as? [String: Any])?["code"] as? String == "invalid_input")
            #expect(added.json["status"] as? String == "succeeded", "\(added.json)")
            #expect(h.sandbox.marketplace.status(app, account: h.account, user: allowed) == "approved")
            #expect((unknown.json["error"] as? [String: Any])?["code"] as? String == "not_found")
            #expect(sentWrites(h, path) == 2, "one decision, one allow request")
            #expect(sentWrites(h, "/v2/marketplace/apps/noSuchApp/requests") == 0)

            let declined = try await withActionWorker(h) {
                try await ask(h, setup, ["action": "marketplace.update_app_request", "input": ["app": app.id, "decision": "decline_all"]])
            }
            #expect(declined.json["status"] as? String == "succeeded", "\(declined.json)")
            #expect((declined.json["result"] as? [String: Any])?["pending_requests"] as? Int == 0)
            #expect(h.sandbox.marketplace.status(app, account: h.account, user: requester) == "rejected", "declining all declines the approved")

            for input in [["app": "a/b", "all_users": true], ["app": app.id, "user": allowed.id, "all_users": true]] as [[String: Any]] {
                let refused = try await ask(h, setup, ["action": "marketplace.add_app_request", "input": input])
                #expect(refused.status == 400 && (refused.json["error"] as? [String: Any])?["code"] as? String == "invalid_input", "\(input)")
            }
        }
    }

    func actionCount(_ h: Harness) async throws -> Int {
        try await h.owner.withConnection { try $0.query("SELECT count(*)::bigint FROM actions")[0].decode(Int.self, at: 0) }
    }
}
