import Connectors
import Credentials
import CurlHTTP
import Foundation
import Logging
import Postgres
import Store
import Sync
import TestSupport
import Testing
import ZoomSandbox

/// Actions on a connected Zoom account through the ledger (DESIGN §6.1), over HTTP against the sandbox,
/// with a real action worker: effects at Zoom and in the synced rows, replays, dry runs, guards, scopes.
@Suite("Actions", .serialized, .enabled(if: TestDatabase.isAvailableOrRequired))
struct ActionTests: ActionTesting {
    @Test("user.deactivate: the user is inactive at Zoom, the synced row says so at once, action.finished is in the feed, one write was sent")
    func deactivate() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let target = plainMember(h)
            let (status, action) = try await withActionWorker(h) {
                try await ask(h, setup, ["action": "user.deactivate", "input": ["user": target.email]])
            }
            #expect(status == 200 && action["status"] as? String == "succeeded", "\(action)")
            #expect(h.sandbox.user(h.account, index: target.index)?.status == "inactive")
            #expect(writeCount(h, "/v2/users/\(target.id)/status") == 1)
            let rows = try h.object(try await h.api("GET", "/v1/tenants/acme/users?limit=1000", key: setup.key))["data"] as? [[String: Any]] ?? []
            #expect(rows.first { $0["remote_id"] as? String == target.id }?["status"] as? String == "inactive", "written through")
            let events = try h.object(try await h.api("GET", "/v1/tenants/acme/events?type=action.finished", key: setup.key))
            let event = (events["data"] as? [[String: Any]])?.first
            #expect((event?["data"] as? [String: Any])?["action_id"] as? String == action["id"] as? String)
            #expect(action["requested_by"] as? String == "backend")
            // The console's connection page shows it in the ledger.
            var console = ConsoleTests.Operator(h)
            _ = try await console.signIn(h.adminKey)
            let page = try await console.get("/console/tenants/acme/connections/\(setup.connectionID)").bodyText
            #expect(page.contains("<code>user.deactivate</code>") && page.contains("class=\"chip good\">succeeded") && page.contains(target.email))
        }
    }

    @Test("the same idempotency key and body return the first action and send nothing again; another body under the key gets 409")
    func idempotentReplay() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let target = plainMember(h)
            let body: [String: Any] = ["action": "user.update", "input": ["user": target.id, "job_title": "Engineer"], "idempotency_key": "k-1"]
            let (first, again, conflict) = try await withActionWorker(h) {
                (
                    try await ask(h, setup, body), try await ask(h, setup, body),
                    try await ask(
                        h, setup, ["action": "user.update", "input": ["user": target.id, "job_title": "Manager"], "idempotency_key": "k-1"])
                )
            }
            #expect(first.json["status"] as? String == "succeeded")
            #expect(again.json["id"] as? String == first.json["id"] as? String, "the first action")
            #expect(writeCount(h, "/v2/users/\(target.id)") == 3, "one PATCH and two reads (planning, the outcome), all from the first ask")
            #expect(conflict.status == 409 && (conflict.json["error"] as? [String: Any])?["code"] as? String == "idempotency_conflict")
            #expect(h.sandbox.user(h.account, index: target.index)?.jobTitle == "Engineer")
        }
    }

    @Test("a dry run answers planned, with its target and the request it would send, and sends nothing that writes")
    func dryRun() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let target = plainMember(h)
            let (status, action) = try await withActionWorker(h) {
                try await ask(h, setup, ["action": "user.deactivate", "input": ["user": target.email], "dry_run": true])
            }
            #expect(status == 200 && action["status"] as? String == "planned")
            let plan = try #require(action["plan"] as? [String: Any])
            let request = try #require((plan["requests"] as? [[String: Any]])?.first)
            #expect(request["method"] as? String == "PUT" && request["path"] as? String == "/users/\(target.id)/status")
            #expect((request["body"] as? [String: Any])?["action"] as? String == "deactivate")
            #expect(writeCount(h, "/v2/users/\(target.id)/status") == 0)
            #expect(h.sandbox.user(h.account, index: target.index)?.status == "active")
        }
    }

    @Test("the owner is never a target, an admin only with allow_admin_target: refusals are in the ledger and send nothing")
    func protectedTargets() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let owner = h.sandbox.world.user(of: h.account, role: .owner)
            let admin = h.sandbox.world.user(of: h.account, role: .admin)
            let (ownerRefused, ownerUnlicensed, adminRefused, adminAllowed) = try await withActionWorker(h) {
                (
                    try await ask(h, setup, ["action": "user.deactivate", "input": ["user": owner.email, "allow_admin_target": true]]),
                    try await ask(h, setup, ["action": "user.update", "input": ["user": owner.id, "license_type": "basic"]]),
                    try await ask(h, setup, ["action": "user.deactivate", "input": ["user": admin.email]]),
                    try await ask(h, setup, ["action": "user.deactivate", "input": ["user": admin.email, "allow_admin_target": true]])
                )
            }
            for refused in [ownerRefused, ownerUnlicensed, adminRefused] {
                #expect(refused.json["status"] as? String == "rejected")
                #expect((refused.json["error"] as? [String: Any])?["code"] as? String == "protected_target")
            }
            #expect(writeCount(h, "/v2/users/\(owner.id)/status") == 0 && writeCount(h, "/v2/users/\(admin.id)/status") == 1)
            #expect(adminAllowed.json["status"] as? String == "succeeded")
            // A profile change that leaves the licence alone is not guarded.
            let retitled = try await withActionWorker(h) {
                try await ask(h, setup, ["action": "user.update", "input": ["user": owner.email, "job_title": "Founder"]])
            }
            #expect(retitled.json["status"] as? String == "succeeded")
        }
    }

    @Test("invalid input gets 400 naming the field and stores nothing; an unknown action or connection 404; another tenant's key 404")
    func refusedRequests() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            for (input, field) in [
                (["user": "a/b"], "user"), (["user": "x@y.z", "license_type": "gold"], "license_type"), (["user": "x@y.z"], "give at least one"),
                (["user": "x@y.z", "job_title": "A", "nope": 1], "nope"), ([:], "user"),
            ] as [([String: Any], String)] {
                let answer = try await ask(h, setup, ["action": "user.update", "input": input], wait: 0)
                #expect(answer.status == 400, "\(input)")
                let error = answer.json["error"] as? [String: Any]
                #expect(error?["code"] as? String == "invalid_input" && (error?["message"] as? String)?.contains(field) == true, "\(error ?? [:])")
            }
            #expect(try await ask(h, setup, ["action": "user.explode", "input": [:]], wait: 0).status == 404)
            let (_, other) = try await h.makeTenant("other")
            let foreign = try await h.api(
                "POST", setup.path.replacingOccurrences(of: "acme", with: "other") + "/actions", key: other,
                json: [
                    "action": "user.deactivate", "input": ["user": "x@y.z"],
                ])
            #expect(foreign.status == 404, "another tenant's connection does not exist for this key")
            let list = try h.object(try await h.api("GET", setup.path + "/actions", key: setup.key))
            #expect((list["data"] as? [Any])?.isEmpty == true, "nothing was stored")
        }
    }

    @Test("a connection without the write scope: rejected with missing_scope naming it, and nothing is sent")
    func missingScope() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            try await h.owner.withConnection { sql in
                try sql.execute("UPDATE connections SET granted_scopes = array_remove(granted_scopes, 'user:update:status:admin')")
            }
            let target = plainMember(h)
            let listed = try h.object(try await h.api("GET", setup.path, key: setup.key))["actions"] as? [[String: Any]] ?? []
            let entry = try #require(listed.first { $0["name"] as? String == "user.deactivate" })
            #expect(entry["permitted"] as? Bool == false && entry["missing_scopes"] as? [String] == ["user:update:status:admin"])
            #expect(listed.first { $0["name"] as? String == "user.update" }?["permitted"] as? Bool == true)
            let (status, action) = try await withActionWorker(h) {
                try await ask(h, setup, ["action": "user.deactivate", "input": ["user": target.id]])
            }
            #expect(status == 200 && action["status"] as? String == "rejected")
            let error = action["error"] as? [String: Any]
            #expect(error?["code"] as? String == "missing_scope" && (error?["message"] as? String)?.contains("user:update:status:admin") == true)
            #expect(writeCount(h, "/v2/users/\(target.id)/status") == 0 && h.sandbox.requestCounts["/v2/users/\(target.id)"] == nil)
        }
    }

    @Test("group.add_members and group.remove_member by Tether's ids: membership at Zoom and in group_members follows each")
    func groupMembership() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let target = plainMember(h)
            let group = try #require(h.sandbox.groups(h.account).first { !target.groupIDs.contains($0.id) })
            let (userRows, groupRows) = (
                try h.object(try await h.api("GET", "/v1/tenants/acme/users?limit=1000", key: setup.key))["data"] as? [[String: Any]] ?? [],
                try h.object(try await h.api("GET", "/v1/tenants/acme/groups", key: setup.key))["data"] as? [[String: Any]] ?? []
            )
            let userID = try #require(userRows.first { $0["remote_id"] as? String == target.id }?["id"] as? String)
            let groupID = try #require(groupRows.first { $0["remote_id"] as? String == group.id }?["id"] as? String)
            let members = "/v1/tenants/acme/groups/\(groupID)/members?include_deleted=true"
            let added = try await withActionWorker(h) {
                try await ask(h, setup, ["action": "group.add_members", "input": ["group": groupID, "user": userID]])
            }
            #expect(added.json["status"] as? String == "succeeded", "\(added.json)")
            #expect(h.sandbox.user(h.account, index: target.index)?.groupIDs.contains(group.id) == true)
            var listed = try h.object(try await h.api("GET", members, key: setup.key))["data"] as? [[String: Any]] ?? []
            #expect(listed.first { $0["remote_user_id"] as? String == target.id }?["deleted"] as? Bool == false, "written through")
            let removed = try await withActionWorker(h) {
                try await ask(h, setup, ["action": "group.remove_member", "input": ["group": group.id, "user": target.email]])
            }
            #expect(removed.json["status"] as? String == "succeeded")
            #expect(h.sandbox.user(h.account, index: target.index)?.groupIDs.contains(group.id) == false)
            listed = try h.object(try await h.api("GET", members, key: setup.key))["data"] as? [[String: Any]] ?? []
            #expect(listed.first { $0["remote_user_id"] as? String == target.id }?["deleted"] as? Bool == true)
            let again = try await withActionWorker(h) {
                try await ask(h, setup, ["action": "group.remove_member", "input": ["group": group.id, "user": target.email]])
            }
            #expect((again.json["error"] as? [String: Any])?["code"] as? String == "invalid_input", "not a member any more: nothing sent")
            #expect(writeCount(h, "/v2/groups/\(group.id)/members/\(target.id)") == 1)
        }
    }

    @Test("a worker taking over an action that may have been sent re-sends only when Zoom does not show its effect")
    func takeoverChecksTheEffect() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let done = plainMember(h)
            let notDone = (done.index + 1..<h.account.userCount).lazy.map { member(h, index: $0) }.first {
                $0.roleID == "2" && $0.status == "active"
            }!
            // Queued while no worker runs, then left as a worker that died after sending would leave them.
            var ids: [String] = []
            for user in [done, notDone] {
                let queued = try await ask(h, setup, ["action": "user.deactivate", "input": ["user": user.id]], wait: 0)
                ids.append(try #require(queued.json["id"] as? String))
            }
            try await abandonSentActions(h)
            // The first one reached Zoom before the crash.
            #expect(try await h.control("PATCH", "/accounts/\(h.account.id)/users/\(done.id)", ["status": "inactive"]).status == 200)
            let settled = try await withActionWorker(h) { try await ids.asyncMap { try await ended(h, setup, $0) } }[0]
            #expect(settled["status"] as? String == "succeeded")
            #expect((settled["result"] as? [String: Any])?["confirmed_after_takeover"] as? Bool == true)
            #expect(writeCount(h, "/v2/users/\(done.id)/status") == 0, "not sent twice")
            #expect(writeCount(h, "/v2/users/\(notDone.id)/status") == 1, "sent again: its effect was absent")
            #expect(h.sandbox.user(h.account, index: notDone.index)?.status == "inactive")
        }
    }

    @Test(
        "a taker-over of group.create and user.invite that reached Zoom succeeds on finding the group and the invited user, though planning again would refuse them; nothing is sent twice"
    )
    func creationsTakenOver() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let email = "new.hire@sandbox-0.example.com"
            var delayed = SandboxFaultPlan()
            delayed.writeDelayMilliseconds = 30_000
            h.sandbox.faultPlan = delayed
            let ids = [
                try await ask(h, setup, ["action": "group.create", "input": ["name": "Crash Group"]], wait: 0),
                try await ask(h, setup, ["action": "user.invite", "input": ["email": email]], wait: 0),
            ].compactMap { $0.json["id"] as? String }
            func invited() -> Bool { (0..<h.sandbox.userCount(h.account)).contains { h.sandbox.user(h.account, index: $0)?.email == email } }
            // The worker stops while Zoom holds back both answers: the effects are there, the ledger does not know.
            try await withActionWorker(h) {
                let deadline = ContinuousClock.now + .seconds(30)
                while ContinuousClock.now < deadline, !(invited() && h.sandbox.groups(h.account).contains { $0.name == "Crash Group" }) {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            h.sandbox.faultPlan = SandboxFaultPlan()
            try await abandonSentActions(h)
            let settled = try await withActionWorker(h) { try await ids.asyncMap { try await ended(h, setup, $0) } }
            for action in settled {
                #expect(action["status"] as? String == "succeeded", "\(action)")
                #expect((action["result"] as? [String: Any])?["confirmed_after_takeover"] as? Bool == true)
            }
            #expect(sentWrites(h, "/v2/groups") == 1 && sentWrites(h, "/v2/users") == 1, "each sent once")
            #expect(h.sandbox.groups(h.account).filter { $0.name == "Crash Group" }.count == 1)
        }
    }

    @Test(
        "role.assign and role.unassign by Tether's role id: the user's role at Zoom and the role memberships follow; owner and Member roles are refused"
    )
    func roles() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let target = plainMember(h)
            let roles = try h.object(try await h.api("GET", "/v1/tenants/acme/roles", key: setup.key))["data"] as? [[String: Any]] ?? []
            let custom = try #require(roles.first { $0["name"] as? String == "Billing Admin" })
            let (roleID, roleRemoteID) = (try #require(custom["id"] as? String), try #require(custom["remote_id"] as? String))
            let members = "/v1/tenants/acme/roles/\(roleID)/members?include_deleted=true"
            let listingsBefore = writeCount(h, "/v2/roles/\(roleRemoteID)/members")  // the sync listed the members there
            let (assigned, toOwnerRole, onAdmin) = try await withActionWorker(h) {
                (
                    try await ask(h, setup, ["action": "role.assign", "input": ["role": roleID, "user": target.email]]),
                    try await ask(h, setup, ["action": "role.assign", "input": ["role": "0", "user": target.email]]),
                    try await ask(
                        h, setup, ["action": "role.assign", "input": ["role": roleID, "user": h.sandbox.world.user(of: h.account, role: .admin).id]])
                )
            }
            #expect(assigned.json["status"] as? String == "succeeded", "\(assigned.json)")
            #expect(h.sandbox.user(h.account, index: target.index)?.roleID == roleRemoteID)
            var listed = try h.object(try await h.api("GET", members, key: setup.key))["data"] as? [[String: Any]] ?? []
            #expect(listed.first { $0["remote_user_id"] as? String == target.id }?["deleted"] as? Bool == false, "written through")
            #expect((toOwnerRole.json["error"] as? [String: Any])?["code"] as? String == "invalid_input")
            #expect((onAdmin.json["error"] as? [String: Any])?["code"] as? String == "protected_target")
            let unassigned = try await withActionWorker(h) {
                try await ask(h, setup, ["action": "role.unassign", "input": ["role": roleRemoteID, "user": target.id]])
            }
            #expect(unassigned.json["status"] as? String == "succeeded")
            #expect(h.sandbox.user(h.account, index: target.index)?.roleID == "2", "back to Member")
            listed = try h.object(try await h.api("GET", members, key: setup.key))["data"] as? [[String: Any]] ?? []
            #expect(listed.first { $0["remote_user_id"] as? String == target.id }?["deleted"] as? Bool == true)
            #expect(writeCount(h, "/v2/roles/\(roleRemoteID)/members") == listingsBefore + 1, "one POST")
            #expect(writeCount(h, "/v2/roles/\(roleRemoteID)/members/\(target.id)") == 1, "one DELETE")
        }
    }

    @Test("user.sign_out revokes the user's session once; the owner is never signed out")
    func signOut() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let target = plainMember(h)
            let owner = h.sandbox.world.user(of: h.account, role: .owner)
            let (signedOut, ownerRefused) = try await withActionWorker(h) {
                (
                    try await ask(h, setup, ["action": "user.sign_out", "input": ["user": target.email]]),
                    try await ask(h, setup, ["action": "user.sign_out", "input": ["user": owner.email, "allow_admin_target": true]])
                )
            }
            #expect(signedOut.json["status"] as? String == "succeeded")
            #expect(writeCount(h, "/v2/users/\(target.id)/token") == 1)
            #expect((ownerRefused.json["error"] as? [String: Any])?["code"] as? String == "protected_target")
            #expect(writeCount(h, "/v2/users/\(owner.id)/token") == 0)
        }
    }

    @Test("a connect link with actions: true shows each scope the actions add and what it lets Tether do; without, the page stays read-only")
    func connectLinksAskingForActions() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            func page(_ body: [String: Any]) async throws -> String {
                let created = try h.object(try await h.api("POST", "/v1/tenants/acme/connect-sessions", key: key, json: body))
                let url = try #require(created["url"] as? String)
                return try await h.http.execute(HTTPClientRequest(url: Browser(h).local(url))).bodyText
            }
            let acting = try await page(["provider": "zoom", "mode": "platform", "actions": true])
            #expect(acting.contains("What Tether will be able to change") && acting.contains("to read and to change"))
            for scope in ["user:update:status:admin", "group:write:member:admin", "role:delete:member:admin", "user:delete:token:admin"] {
                #expect(acting.contains("<code>\(scope)</code>"), "\(scope)")
            }
            #expect(acting.contains("deactivate and reactivate users"))
            let reading = try await page(["provider": "zoom", "mode": "platform"])
            #expect(!reading.contains("What Tether will be able to change") && reading.contains("read-only access"))
            #expect(!reading.contains("user:update:status:admin"))
            let refused = try await h.api(
                "POST", "/v1/tenants/acme/connect-sessions", key: key, json: ["provider": "zoom", "mode": "platform", "actions": "yes"])
            #expect(refused.status == 400)
            // Every scope an action needs is explained in words.
            let zoom = try #require(h.connect.registry.connector("zoom"))
            for action in zoom.actions {
                for requirement in action.requirements { #expect(zoom.scopeCatalog.describe(requirement.anyOf[0]) != nil, "\(requirement.anyOf[0])") }
            }
        }
    }

    @Test("a 429 storm and a 5xx burst delay an action, which then succeeds with one effect at Zoom; a 4xx refusal ends it failed")
    func stormsDuringActions() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let users = (3..<h.account.userCount).lazy.map { member(h, index: $0) }.filter { $0.roleID == "2" && $0.status == "active" }
            let (stormed, burst) = (users.first!, users.dropFirst().first!)
            #expect(try await h.control("POST", "/faults", ["rate_limit_storm": 6]).status == 200)
            let afterStorm = try await withActionWorker(h) {
                try await ask(h, setup, ["action": "user.deactivate", "input": ["user": stormed.id]], wait: 30)
            }
            #expect(afterStorm.json["status"] as? String == "succeeded", "\(afterStorm.json)")
            #expect(writeCount(h, "/v2/users/\(stormed.id)/status") >= 1 && h.sandbox.user(h.account, index: stormed.index)?.status == "inactive")
            #expect(try await h.control("POST", "/faults", ["error_rate": 0.5, "error_status": 502]).status == 200)
            let afterBurst = try await withActionWorker(h) {
                try await ask(h, setup, ["action": "user.deactivate", "input": ["user": burst.id]], wait: 30)
            }
            #expect(afterBurst.json["status"] as? String == "succeeded", "\(afterBurst.json)")
            #expect(h.sandbox.user(h.account, index: burst.index)?.status == "inactive")
            // A refusal no retry changes: failed at once, one attempt.
            #expect(try await h.control("POST", "/faults", ["error_rate": 1.0, "error_status": 403]).status == 200)
            let refused = try await withActionWorker(h) {
                try await ask(h, setup, ["action": "user.activate", "input": ["user": burst.id]], wait: 30)
            }
            #expect(refused.json["status"] as? String == "failed" && refused.json["attempts"] as? Int == 1, "\(refused.json)")
            #expect((refused.json["error"] as? [String: Any])?["code"] as? String == "provider_error")
            _ = try await h.control("DELETE", "/faults", [:])
        }
    }

    @Test("user.invite leaves a pending user at Zoom and in users; inviting the same email again is refused before anything is sent")
    func invite() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let listings = writeCount(h, "/v2/users")  // the sync listed users there
            let invitation: [String: Any] = [
                "action": "user.invite", "input": ["email": "new.hire@acme.example", "first_name": "New", "license_type": "licensed"],
            ]
            let (invited, again) = try await withActionWorker(h) { (try await ask(h, setup, invitation), try await ask(h, setup, invitation)) }
            #expect(invited.json["status"] as? String == "succeeded", "\(invited.json)")
            let users = try h.object(try await h.api("GET", "/v1/tenants/acme/users?limit=1000", key: setup.key))["data"] as? [[String: Any]] ?? []
            let row = try #require(users.first { $0["email"] as? String == "new.hire@acme.example" })
            #expect(row["status"] as? String == "pending" && row["license_type"] as? String == "licensed", "\(row)")
            #expect((again.json["error"] as? [String: Any])?["code"] as? String == "invalid_input")
            #expect(writeCount(h, "/v2/users") == listings + 1, "one POST")
        }
    }

    @Test(
        "user.remove transfers to another user and removes: gone at Zoom, deleted with its memberships in Tether; owner, admin and self-transfer refused"
    )
    func remove() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let users = (3..<h.account.userCount).lazy.map { member(h, index: $0) }.filter {
                $0.roleID == "2" && $0.status == "active" && !$0.groupIDs.isEmpty
            }
            let (leaving, heir) = (users.first!, users.dropFirst().first!)
            let owner = h.sandbox.world.user(of: h.account, role: .owner)
            let admin = h.sandbox.world.user(of: h.account, role: .admin)
            let (removed, ownerRefused, adminRefused, selfTransfer) = try await withActionWorker(h) {
                (
                    try await ask(
                        h, setup,
                        [
                            "action": "user.remove",
                            "input": ["user": leaving.email, "mode": "delete", "transfer_email": heir.email, "transfer_recordings": true],
                        ]),
                    try await ask(h, setup, ["action": "user.remove", "input": ["user": owner.id, "allow_admin_target": true]]),
                    try await ask(h, setup, ["action": "user.remove", "input": ["user": admin.id, "allow_admin_target": true]]),
                    try await ask(h, setup, ["action": "user.remove", "input": ["user": heir.id, "transfer_email": heir.email]])
                )
            }
            #expect(removed.json["status"] as? String == "succeeded", "\(removed.json)")
            let request = try #require(((removed.json["plan"] as? [String: Any])?["requests"] as? [[String: Any]])?.first)
            #expect((request["query"] as? [String: Any])?["transfer_recording"] as? String == "true")
            #expect(h.sandbox.user(h.account, index: leaving.index) == nil, "gone at Zoom")
            let rows =
                try h.object(try await h.api("GET", "/v1/tenants/acme/users?limit=1000&include_deleted=true", key: setup.key))["data"]
                as? [[String: Any]] ?? []
            #expect(rows.first { $0["remote_id"] as? String == leaving.id }?["deleted"] as? Bool == true)
            let memberships = try await h.owner.withConnection { sql in
                try sql.query("SELECT count(*) FILTER (WHERE deleted_at IS NULL)::bigint FROM group_members WHERE user_remote_id = \(leaving.id)")[0]
                    .decode(Int.self, at: 0)
            }
            #expect(memberships == 0, "its group memberships are deleted too")
            #expect((ownerRefused.json["error"] as? [String: Any])?["code"] as? String == "protected_target")
            #expect(
                adminRefused.json["status"] as? String == "failed"
                    && (adminRefused.json["error"] as? [String: Any])?["code"] as? String == "provider_error", "Zoom refuses an admin (1117)")
            #expect((selfTransfer.json["error"] as? [String: Any])?["code"] as? String == "invalid_input")
            #expect(writeCount(h, "/v2/users/\(owner.id)") == 1, "the owner was only read")
        }
    }

    @Test("group.create and group.delete: the group appears at Zoom and in groups, a taken name is refused, and deleting it deletes its memberships")
    func groupLifecycle() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let (created, taken) = try await withActionWorker(h) {
                (
                    try await ask(h, setup, ["action": "group.create", "input": ["name": "Contractors"]]),
                    try await ask(h, setup, ["action": "group.create", "input": ["name": "Contractors"]])
                )
            }
            #expect(created.json["status"] as? String == "succeeded", "\(created.json)")
            let groupID = try #require((created.json["result"] as? [String: Any])?["group_id"] as? String)
            #expect(h.sandbox.groups(h.account).contains { $0.id == groupID && $0.name == "Contractors" })
            #expect((taken.json["error"] as? [String: Any])?["code"] as? String == "invalid_input")
            let existing = try #require(h.sandbox.groups(h.account).first { $0.id != groupID })
            let deleted = try await withActionWorker(h) { try await ask(h, setup, ["action": "group.delete", "input": ["group": existing.id]]) }
            #expect(deleted.json["status"] as? String == "succeeded")
            #expect(!h.sandbox.groups(h.account).contains { $0.id == existing.id })
            let rows = try await h.owner.withConnection { sql in
                try sql.query(
                    """
                    SELECT (SELECT count(*) FROM groups WHERE remote_id = \(existing.id) AND deleted_at IS NULL)::bigint,
                           (SELECT count(*) FROM group_members WHERE group_remote_id = \(existing.id) AND deleted_at IS NULL)::bigint,
                           (SELECT count(*) FROM groups WHERE remote_id = \(groupID) AND deleted_at IS NULL)::bigint
                    """)[0].decode((Int, Int, Int).self)
            }
            #expect(rows.0 == 0 && rows.1 == 0 && rows.2 == 1, "\(rows)")
        }
    }

    @Test(
        "user.set_password: the password is sealed while the action waits, then is in no table, answer, plan, event or log"
    )
    func setPassword() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let target = plainMember(h)
            let sentinel = "Sentinel-7Qx!pw"
            let queued = try await ask(h, setup, ["action": "user.set_password", "input": ["user": target.id, "password": sentinel]], wait: 0)
            #expect(queued.status == 202 && (queued.json["input"] as? [String: Any])?["password"] as? String == "<sealed>")
            let id = try #require(queued.json["id"] as? String)
            // While it waits: sealed apart from the input, and among the rows `tether vault rotate` re-seals.
            let sealed = try await h.owner.withConnection { sql in
                try sql.query("SELECT sealed_input IS NOT NULL AND position(convert_to(\(sentinel), 'UTF8') in sealed_input) = 0 FROM actions")[0]
                    .decode(Bool.self, at: 0)
            }
            #expect(sealed)
            let tenant = try #require(
                UUID(uuidString: try h.object(try await h.api("GET", "/v1/tenants/acme", key: h.adminKey))["id"] as? String ?? ""))
            let rows = try await VaultRows(pool: h.app).all(tenantID: tenant)
            #expect(rows.contains { $0.table == "actions" && h.vault.opens($0) })

            _ = try await withActionWorker(h) { try await ended(h, setup, id) }
            let finished = try await h.api("GET", setup.path + "/actions/\(id)", key: setup.key)
            #expect(try h.object(finished)["status"] as? String == "succeeded", "\(finished.bodyText)")
            #expect(writeCount(h, "/v2/users/\(target.id)/password") >= 1)
            // Nowhere afterwards: every table, every answer, the event feed, the logs.
            #expect(try await rowsContaining(h, sentinel) == 0, "the password is in no row of any table")
            #expect(
                try await h.owner.withConnection {
                    try $0.query("SELECT count(*)::bigint FROM actions WHERE sealed_input IS NOT NULL")[0].decode(Int.self, at: 0)
                } == 0, "a finished action keeps no secret")
            let answers = [
                finished.bodyText, try await h.api("GET", setup.path + "/actions", key: setup.key).bodyText,
                try await h.api("GET", "/v1/tenants/acme/events", key: setup.key).bodyText,
            ]
            #expect(answers.allSatisfy { !$0.contains(sentinel) } && finished.bodyText.contains("<sealed>"))
            #expect(!h.logs.all.contains { $0.contains(sentinel) })
        }
    }

    @Test("a taker-over of a password change that may have reached Zoom does not send it again: it cannot read the effect back")
    func passwordTakeover() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let target = plainMember(h)
            let queued = try await ask(h, setup, ["action": "user.set_password", "input": ["user": target.id, "password": "Another-9pw!"]], wait: 0)
            let id = try #require(queued.json["id"] as? String)
            try await abandonSentActions(h)
            let outcome = try await withActionWorker(h) { try await ended(h, setup, id) }
            #expect(outcome["status"] as? String == "failed", "\(outcome)")
            #expect(((outcome["error"] as? [String: Any])?["message"] as? String)?.contains("not sent again") == true)
            #expect(writeCount(h, "/v2/users/\(target.id)/password") == 0)
            #expect(
                try await h.owner.withConnection {
                    try $0.query("SELECT count(*)::bigint FROM actions WHERE sealed_input IS NOT NULL")[0].decode(Int.self, at: 0)
                } == 0, "a finished action keeps no secret")
        }
    }

    @Test(
        "user.get_settings and user.update_settings: the settings are read and changed at Zoom and written through to user_settings; bad sections store nothing; a licence-only feature fails at Zoom"
    )
    func settings() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let basic = (3..<h.account.userCount).lazy.map { member(h, index: $0) }.first { $0.type == 1 && $0.status == "active" }!
            let path = "/v2/users/\(basic.id)/settings"
            func stored() async throws -> (waitingRoom: Bool, autoRecording: String)? {
                try await h.owner.withConnection { sql in
                    try sql.query("SELECT waiting_room, auto_recording FROM user_settings WHERE user_remote_id = \(basic.id) AND deleted_at IS NULL")
                        .first?.decode((Bool, String).self)
                }
            }
            for (settings, message) in [
                (["nope": ["x": true]], "no section \"nope\""), (["recording": [:]], "settings.recording"), ([:], "at least one"),
            ] as [([String: Any], String)] {
                let answer = try await ask(h, setup, ["action": "user.update_settings", "input": ["user": basic.id, "settings": settings]], wait: 0)
                let error = answer.json["error"] as? [String: Any]
                #expect(answer.status == 400 && (error?["message"] as? String)?.contains(message) == true, "\(error ?? [:])")
            }
            let (read, changed, refused) = try await withActionWorker(h) {
                (
                    try await ask(h, setup, ["action": "user.get_settings", "input": ["user": basic.email]]),
                    try await ask(
                        h, setup,
                        [
                            "action": "user.update_settings",
                            "input": [
                                "user": basic.id, "settings": ["in_meeting": ["waiting_room": true], "recording": ["auto_recording": "none"]],
                            ],
                        ]),
                    try await ask(
                        h, setup, ["action": "user.update_settings", "input": ["user": basic.id, "settings": ["feature": ["webinar": true]]]])
                )
            }
            #expect(read.json["status"] as? String == "succeeded", "\(read.json)")
            let readSettings = (read.json["result"] as? [String: Any])?["settings"] as? [String: Any]
            #expect((readSettings?["feature"] as? [String: Any])?["meeting_capacity"] as? Int == 100)
            #expect(changed.json["status"] as? String == "succeeded", "\(changed.json)")
            let result = (changed.json["result"] as? [String: Any])?["settings"] as? [String: Any]
            #expect((result?["in_meeting"] as? [String: Any])?["waiting_room"] as? Bool == true)
            let afterwards = try await stored()
            #expect(afterwards?.waitingRoom == true && afterwards?.autoRecording == "none", "written through")
            #expect(
                refused.json["status"] as? String == "failed"
                    && (refused.json["error"] as? [String: Any])?["code"] as? String == "provider_error",
                "Zoom refuses webinars to Basic users (1122)")
            // Read, changed (PATCH, then read again), refused (one PATCH): four requests on the path.
            #expect(writeCount(h, path) == 4)

            // A taker-over of a change Zoom already shows does not send it again.
            let queued = try await ask(
                h, setup, ["action": "user.update_settings", "input": ["user": basic.id, "settings": ["in_meeting": ["waiting_room": true]]]],
                wait: 0)
            let id = try #require(queued.json["id"] as? String)
            try await h.owner.withConnection { sql in
                try sql.execute(
                    """
                    UPDATE actions SET status = 'running', attempts = 1, locked_by = 'dead-worker', locked_until = now() - interval '1 second',
                        sent_at = now() - interval '5 seconds' WHERE id = \(UUID(uuidString: id)!)
                    """)
            }
            let settled = try await withActionWorker(h) {
                let deadline = ContinuousClock.now + .seconds(30)
                while ContinuousClock.now < deadline {
                    let action = try h.object(try await h.api("GET", setup.path + "/actions/\(id)", key: setup.key))
                    if ["succeeded", "failed"].contains(action["status"] as? String ?? "") { return action }
                    try await Task.sleep(for: .milliseconds(100))
                }
                return [:]
            }
            #expect(settled["status"] as? String == "succeeded")
            #expect(writeCount(h, path) == 6, "the effect was read back and the outcome read again: no PATCH")
        }
    }

    @Test(
        "user.remove_from_all_groups, group.set_primary and user.delete_picture: effects at Zoom and in the synced rows; done again, nothing is sent"
    )
    func groupsAndPicture() async throws {
        try await withHarness { h in
            let setup = try await setUp(h)
            let user = (3..<h.account.userCount).lazy.map { member(h, index: $0) }.first { $0.groupIDs.count == 1 && $0.status == "active" }!
            let groups = h.sandbox.groups(h.account).map(\.id)
            let second = try #require(groups.first { $0 != user.groupIDs[0] })
            // Two groups, the generated one first (primary).
            #expect(
                try await h.control("PATCH", "/accounts/\(h.account.id)/users/\(user.id)", ["group_ids": [user.groupIDs[0], second]]).status == 200)
            let (primary, notMember, picture, removed, removedAgain) = try await withActionWorker(h) {
                (
                    try await ask(h, setup, ["action": "group.set_primary", "input": ["user": user.id, "group": second]]),
                    try await ask(h, setup, ["action": "group.set_primary", "input": ["user": user.id, "group": groups.last!]]),
                    try await ask(h, setup, ["action": "user.delete_picture", "input": ["user": user.email]]),
                    try await ask(h, setup, ["action": "user.remove_from_all_groups", "input": ["user": user.id]]),
                    try await ask(h, setup, ["action": "user.remove_from_all_groups", "input": ["user": user.id]])
                )
            }
            #expect(primary.json["status"] as? String == "succeeded", "\(primary.json)")
            #expect((primary.json["result"] as? [String: Any])?["primary_group_id"] as? String == second)
            #expect((notMember.json["error"] as? [String: Any])?["code"] as? String == "invalid_input", "not one of the user's groups")
            #expect(picture.json["status"] as? String == "succeeded")
            #expect(h.sandbox.user(h.account, index: user.index)?.pictureDeleted == true)
            #expect(removed.json["status"] as? String == "succeeded" && removedAgain.json["status"] as? String == "succeeded")
            #expect(h.sandbox.user(h.account, index: user.index)?.groupIDs == [])
            for group in [user.groupIDs[0], second] {
                #expect(writeCount(h, "/v2/groups/\(group)/members/\(user.id)") == (group == second ? 2 : 1), "one DELETE each, one PATCH")
            }
            let rows = try await h.owner.withConnection { sql in
                try sql.query("SELECT count(*) FILTER (WHERE deleted_at IS NULL)::bigint FROM group_members WHERE user_remote_id = \(user.id)")[0]
                    .decode(Int.self, at: 0)
            }
            #expect(rows == 0, "its memberships are marked deleted at once")
            let synced = try await h.owner.withConnection { sql in
                try sql.query("SELECT group_ids FROM users WHERE remote_id = \(user.id)")[0].decode([String].self, at: 0)
            }
            #expect(synced == [], "written through")
        }
    }

    @Test("the catalogue lists each action with its input schema, scopes, category and idempotency, for any key")
    func catalogue() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            let catalogue = try h.object(try await h.api("GET", "/v1/providers/zoom/actions", key: key))
            let entries = try #require(catalogue["data"] as? [[String: Any]])
            // DESIGN §6.1's list, every one.
            let designed = [
                "user.activate", "user.deactivate", "user.invite", "user.update", "user.remove", "user.set_password", "user.sign_out",
                "user.delete_picture", "user.remove_from_all_groups", "user.get_settings", "user.update_settings", "group.create", "group.delete",
                "group.add_members", "group.remove_member", "group.set_primary", "group.add_admins", "role.assign", "role.unassign", "role.update",
                "meeting.create", "meeting.get", "meeting.update", "meeting.delete", "meeting.get_invitation", "marketplace.add_app_request",
                "marketplace.update_app_request",
            ]
            #expect(Set(entries.compactMap { $0["name"] as? String }) == Set(designed))
            #expect(entries.count == designed.count)
            let deactivate = try #require(entries.first { $0["name"] as? String == "user.deactivate" })
            #expect(deactivate["category"] as? String == "Light" && deactivate["idempotent"] as? Bool == true)
            #expect(((deactivate["input_schema"] as? [String: Any])?["required"] as? [String]) == ["user"])
            #expect((deactivate["scopes"] as? [[String]])?.contains(["user:update:status:admin", "user:write:admin"]) == true)
            #expect(try await h.api("GET", "/v1/providers/zoom/actions", key: nil).status == 401)
            #expect(try await h.api("GET", "/v1/providers/nope/actions", key: key).status == 404)
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var mapped: [T] = []
        for element in self { mapped.append(try await transform(element)) }
        return mapped
    }
}
