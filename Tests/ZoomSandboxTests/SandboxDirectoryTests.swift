import CurlHTTP
import Foundation
import Testing
import ZoomSandbox

@Suite("Zoom sandbox: roles and groups")
struct SandboxDirectoryTests {
    /// Every member of a paged list, following next_page_token to the end.
    func all(_ zoom: SandboxDriver, _ path: String, key: String, token: String?) async throws -> [[String: Any]] {
        var items: [[String: Any]] = []
        var next = ""
        for _ in 0..<50 {
            let separator = path.contains("?") ? "&" : "?"
            let body = try zoom.json(try await zoom.get("\(path)\(separator)page_size=50&next_page_token=\(next)", token: token))
            items += body[key] as? [[String: Any]] ?? []
            next = body["next_page_token"] as? String ?? ""
            if next.isEmpty { break }
        }
        return items
    }

    @Test("roles list the built-in and custom roles; every user holds exactly one, and members page completely")
    func roles() async throws {
        try await withSandbox({
            $0.users = 120; $0.rateLimits = false
        }) { _, zoom in
            let token = try await zoom.connect(app: zoom.platformApp)["access_token"] as? String
            let body = try zoom.json(try await zoom.get("/v2/roles", token: token))
            let roles = body["roles"] as? [[String: Any]] ?? []
            #expect(roles.map { $0["name"] as? String } == ["Owner", "Admin", "Member", "Billing Admin"])
            #expect(roles.reduce(0) { $0 + ($1["total_members"] as? Int ?? 0) } == 120)
            for role in roles {
                let members = try await all(zoom, "/v2/roles/\(role["id"] as! String)/members", key: "members", token: token)
                #expect(members.count == role["total_members"] as? Int)
                #expect(Set(members.map { $0["id"] as! String }).count == members.count)
            }
            let unknown = try await zoom.get("/v2/roles/nope/members", token: token)
            #expect(try zoom.json(unknown)["code"] as? Int == 1034)
        }
    }

    @Test("roles need a Pro or better plan: a Free account gets 400 code 200 No permission")
    func rolesNeedPro() async throws {
        try await withSandbox { _, zoom in
            let freeApp = zoom.sandbox.world.apps.first { $0.kind == .custom(accountIndex: 1) }!
            let token = try await zoom.connect(app: freeApp)["access_token"] as? String
            let response = try await zoom.get("/v2/roles", token: token)
            #expect(response.status == 400)
            #expect(try zoom.json(response)["message"] as? String == "No permission.")
        }
    }

    @Test("groups list their member counts, one group is empty, and members agree with users' group_ids")
    func groups() async throws {
        try await withSandbox({
            $0.users = 150; $0.rateLimits = false
        }) { _, zoom in
            let token = try await zoom.connect(app: zoom.platformApp)["access_token"] as? String
            let groups = try zoom.json(try await zoom.get("/v2/groups", token: token))["groups"] as? [[String: Any]] ?? []
            #expect(groups.count == 6)
            #expect(groups.contains { $0["total_members"] as? Int == 0 })
            var membership: [String: String] = [:]
            for group in groups {
                let id = group["id"] as! String
                let members = try await all(zoom, "/v2/groups/\(id)/members", key: "members", token: token)
                #expect(members.count == group["total_members"] as? Int)
                for member in members { membership[member["id"] as! String] = id }
            }
            var users: [[String: Any]] = []
            for status in ["active", "inactive", "pending"] {
                users += try await all(zoom, "/v2/users?status=\(status)", key: "users", token: token)
            }
            #expect(users.count == 150)
            for user in users {
                let groupIDs = user["group_ids"] as? [String] ?? []
                #expect(groupIDs == (membership[user["id"] as! String].map { [$0] } ?? []))
            }
            let missing = try await zoom.get("/v2/groups/nope/members", token: token)
            #expect(missing.status == 404)
            #expect(try zoom.json(missing)["code"] as? Int == 4130)
        }
    }
}

@Suite("Zoom sandbox: rate limits")
struct SandboxRateLimitTests {
    @Test("past the plan's per-second limit the account gets 429 with Zoom's body and headers, shared by every app")
    func perSecond() async throws {
        try await withSandbox { sandbox, zoom in
            sandbox.clock.freeze()
            let freeCustom = sandbox.world.apps.first { $0.kind == .custom(accountIndex: 1) }!
            let freeServer = zoom.serverToServerApp(account: 1)
            let userToken = try await zoom.connect(app: freeCustom)["access_token"] as? String
            let serverToken =
                try zoom.json(
                    try await zoom.token(
                        app: freeServer,
                        [
                            ("grant_type", "account_credentials"), ("account_id", sandbox.world.accounts[1].id),
                        ]))["access_token"] as? String
            let first = try await zoom.get("/v2/users", token: userToken)
            #expect(first.status == 200)
            #expect(first.header("X-RateLimit-Category") == "Medium")
            #expect(first.header("X-RateLimit-Limit") == "2")
            #expect(first.header("X-RateLimit-Remaining") == "1")
            #expect(try await zoom.get("/v2/users", token: serverToken).status == 200)
            let limited = try await zoom.get("/v2/users", token: userToken)
            #expect(limited.status == 429)
            #expect(limited.header("X-RateLimit-Type") == "QPS")
            #expect(limited.header("Retry-After") == "1")
            #expect(try zoom.json(limited)["code"] as? Int == 429)
            #expect((try zoom.json(limited)["message"] as? String)?.contains("per-second rate limit") == true)
            // Other categories have their own budget; the next second restores this one.
            #expect(try await zoom.get("/v2/users/me", token: userToken).status == 200)
            sandbox.clock.advance(by: .seconds(1))
            #expect(try await zoom.get("/v2/users", token: userToken).status == 200)
            #expect(sandbox.rateLimited == 1)
        }
    }

    @Test("with rate limits switched off, bursts are never refused")
    func switchedOff() async throws {
        try await withSandbox({ $0.rateLimits = false }) { sandbox, zoom in
            sandbox.clock.freeze()
            let freeCustom = sandbox.world.apps.first { $0.kind == .custom(accountIndex: 1) }!
            let token = try await zoom.connect(app: freeCustom)["access_token"] as? String
            for _ in 0..<10 { #expect(try await zoom.get("/v2/users", token: token).status == 200) }
        }
    }
}
