import CurlHTTP
import Foundation
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
}
