import CurlHTTP
import Foundation
import Testing
import ZoomSandbox

@Suite("Zoom sandbox: REST")
struct SandboxRESTTests {
    @Test("bearer checks answer 401 code 124 for a missing, query-string, unknown or expired token")
    func bearerChecks() async throws {
        try await withSandbox { sandbox, zoom in
            let missing = try await zoom.get("/v2/users/me", token: nil)
            #expect(missing.status == 401)
            #expect(try zoom.json(missing)["code"] as? Int == 124)
            let tokens = try await zoom.connect(app: zoom.platformApp)
            let access = tokens["access_token"] as! String
            let inQuery = try await zoom.get("/v2/users/me?access_token=\(access)", token: nil)
            #expect((try zoom.json(inQuery)["message"] as? String)?.contains("query parameter") == true)
            #expect(try await zoom.get("/v2/users/me", token: "made-up").status == 401)
            #expect(try await zoom.get("/v2/users/me", token: access).status == 200)
            sandbox.clock.advance(by: .seconds(3600))
            let expired = try await zoom.get("/v2/users/me", token: access)
            #expect(expired.status == 401)
            #expect(try zoom.json(expired)["message"] as? String == "Access token is expired.")
        }
    }

    @Test("a token without any accepted scope gets 400 code 4711 naming the scopes that would do")
    func missingScope() async throws {
        try await withSandbox { _, zoom in
            let limited = try await zoom.connect(app: zoom.limitedApp)
            let response = try await zoom.get("/v2/users", token: limited["access_token"] as? String)
            #expect(response.status == 400)
            let body = try zoom.json(response)
            #expect(body["code"] as? Int == 4711)
            #expect((body["message"] as? String)?.contains("user:read:list_users:admin") == true)
            let classic = try await zoom.connect(app: zoom.classicApp)
            #expect(try await zoom.get("/v2/users", token: classic["access_token"] as? String).status == 200)
        }
    }

    @Test("paging through every status returns each user exactly once, with an empty next_page_token at the end")
    func paging() async throws {
        try await withSandbox({ $0.users = 250 }) { _, zoom in
            let token = try await zoom.connect(app: zoom.platformApp)["access_token"] as? String
            var seen = Set<String>()
            for status in ["active", "inactive", "pending"] {
                var next = ""
                var pages = 0
                var total = -1
                var count = 0
                repeat {
                    let body = try zoom.json(try await zoom.get("/v2/users?status=\(status)&page_size=40&next_page_token=\(next)", token: token))
                    let users = body["users"] as? [[String: Any]] ?? []
                    #expect(users.allSatisfy { $0["status"] as? String == status })
                    for user in users { #expect(seen.insert(user["id"] as! String).inserted) }
                    count += users.count
                    total = body["total_records"] as? Int ?? -1
                    next = body["next_page_token"] as? String ?? "missing"
                    pages += 1
                } while !next.isEmpty && pages < 20
                #expect(count == total)
            }
            #expect(seen.count == 250)
        }
    }

    @Test("a page token fails when replayed with other parameters or after 15 minutes; page_size is capped at 300")
    func pageTokenRules() async throws {
        try await withSandbox({ $0.users = 700 }) { sandbox, zoom in
            let token = try await zoom.connect(app: zoom.platformApp)["access_token"] as? String
            let first = try zoom.json(try await zoom.get("/v2/users?page_size=1000", token: token))
            #expect(first["page_size"] as? Int == 300)
            #expect((first["users"] as? [Any])?.count == 300)
            let next = try #require(first["next_page_token"] as? String)
            let otherQuery = try await zoom.get("/v2/users?page_size=20&next_page_token=\(next)", token: token)
            #expect(otherQuery.status == 400)
            #expect(try zoom.json(otherQuery)["code"] as? Int == 300)
            #expect(try await zoom.get("/v2/users?page_size=300&next_page_token=\(next)", token: token).status == 200)
            sandbox.clock.advance(by: .seconds(901))
            let fresh = try await zoom.connect(app: zoom.platformApp)["access_token"] as? String
            #expect(try await zoom.get("/v2/users?page_size=300&next_page_token=\(next)", token: fresh).status == 400)
        }
    }

    @Test("a user is found by id or email (any case), and an unknown one is 404 code 1001")
    func getUser() async throws {
        try await withSandbox { sandbox, zoom in
            let token = try await zoom.connect(app: zoom.platformApp)["access_token"] as? String
            let user = sandbox.world.user(of: sandbox.world.accounts[0], index: 7)
            #expect(try zoom.json(try await zoom.get("/v2/users/\(user.id)", token: token))["email"] as? String == user.email)
            #expect(try zoom.json(try await zoom.get("/v2/users/\(user.email.uppercased())", token: token))["id"] as? String == user.id)
            let missing = try await zoom.get("/v2/users/nobody-here", token: token)
            #expect(missing.status == 404)
            #expect(try zoom.json(missing)["code"] as? Int == 1001)
        }
    }

    @Test("the world is a pure function of the seed")
    func determinism() throws {
        var one = SandboxConfiguration()
        one.seed = 42
        let a = SandboxWorld(configuration: one)
        let b = SandboxWorld(configuration: one)
        one.seed = 43
        let c = SandboxWorld(configuration: one)
        #expect(a.accounts.map(\.id) == b.accounts.map(\.id))
        #expect(a.user(of: a.accounts[0], index: 5) == b.user(of: b.accounts[0], index: 5))
        #expect(a.apps.map(\.clientSecret) == b.apps.map(\.clientSecret))
        #expect(a.accounts[0].id != c.accounts[0].id)
        let users = (0..<200).map { a.user(of: a.accounts[0], index: $0) }
        #expect(Set(users.map(\.status)) == ["active", "inactive", "pending"])
        #expect(Set(users.map(\.type)) == [1, 2, 99])
        #expect(users.contains { $0.department == nil } && users.contains { $0.lastLoginAt == nil })
        #expect(users.contains { $0.email != $0.email.lowercased() })
        #expect(users[0].role == .owner && users[1].role == .admin && users[5].role == .member)
    }
}
