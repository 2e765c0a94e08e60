import CurlHTTP
import Foundation
import Postgres
import TestSupport
import Testing

/// Query parameters PostgreSQL could not take are refused as bad input, never as a server error
/// (issue 18, finding 11).
@Suite("Data API: inputs the database cannot take", .enabled(if: TestDatabase.isAvailableOrRequired))
struct DataAPIInputTests {
    @Test("a NUL in a filter and a cursor outside the years rows are stamped in answer 400 naming the parameter, not 500")
    func refusedAsBadInput() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            let id = UUID().uuidString.lowercased()
            let cases = [
                ("users?email=a%00b", "email"), ("users?status=active%00", "status"), ("groups?connection_id=%00", "connection_id"),
                ("users?cursor=v1.9223372036854775807.\(id)", "cursor"), ("users?cursor=v1.-1.\(id)", "cursor"),
                ("groups/\(id)/members?cursor=v1.253402300800000000.\(id)", "cursor"),
            ]
            for (path, parameter) in cases {
                let response = try await h.api("GET", "/v1/tenants/acme/\(path)", key: key)
                #expect(response.status == 400, "\(path): \(response.status) \(response.bodyText)")
                #expect(response.bodyText.contains(parameter), "\(path): \(response.bodyText)")
            }
            let last = "v1.253402300799999999.\(id)"
            #expect(
                try await h.api("GET", "/v1/tenants/acme/users?cursor=\(last)", key: key).status == 200, "the latest representable cursor is fine")
        }
    }

    @Test("B8: SQL metacharacters in filters are data: the answer is an empty page or a 400, never a 500 or another tenant's rows")
    func sqlMetacharactersAreData() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            for query in [
                "users?email=%27%20OR%20%271%27%3D%271", "users?email=%25", "users?email=x%27)%3B--",
                "users?role_id=%27%3B%20DROP%20TABLE%20users%3B--",
                "users?group_id=%5C", "users?status=active%27--", "groups?connection_id=%27%20OR%201%3D1",
            ] {
                let response = try await h.api("GET", "/v1/tenants/acme/\(query)", key: key)
                #expect([200, 400].contains(response.status), "\(query): \(response.status) \(response.bodyText)")
                if response.status == 200 { #expect((try h.object(response)["data"] as? [Any])?.isEmpty == true, "\(query)") }
            }
            let tables = try await h.owner.withConnection {
                try $0.query("SELECT count(*) FROM pg_tables WHERE tablename = 'users'")[0].decode(Int.self, at: 0)
            }
            #expect(tables == 1)
        }
    }

    @Test("B8: invalid JSON, a wrong type or an unknown field in a body answers 400 and writes nothing")
    func invalidBodies() async throws {
        try await withHarness { h in
            let (_, key) = try await h.makeTenant("acme")
            for body in [#"{"provider":"#, "[]", #"{"provider":"zoom","require_owner":"yes"}"#, #"{"provider":"zoom","tenant":"beta"}"#, "\u{0}"] {
                let response = try await h.http.execute(
                    HTTPClientRequest(
                        method: "POST", url: h.base + "/v1/tenants/acme/connect-sessions",
                        headers: [HTTPHeader("Authorization", "Bearer \(key)"), HTTPHeader("Content-Type", "application/json")],
                        body: Array(body.utf8)))
                #expect(response.status == 400, "\(body): \(response.status) \(response.bodyText)")
            }
            let sessions = try await h.owner.withConnection { try $0.query("SELECT count(*) FROM connect_sessions")[0].decode(Int.self, at: 0) }
            #expect(sessions == 0)
        }
    }
}
