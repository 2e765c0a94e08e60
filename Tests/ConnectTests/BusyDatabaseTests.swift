import CurlHTTP
import Foundation
import TestSupport
import Testing

/// The API while a tenant's writer holds its change order for too long.
@Suite("Data API under a stuck writer", .enabled(if: TestDatabase.isAvailableOrRequired))
struct BusyDatabaseTests {
    @Test("reads that wait too long for a tenant's writer answer 503 database_busy with Retry-After; other tenants are served")
    func busyTenantAnswers503() async throws {
        try await withHarness { h in
            let (busy, busyKey) = try await h.makeTenant("busy")
            let (_, calmKey) = try await h.makeTenant("calm")
            let (held, signal) = AsyncStream.makeStream(of: Void.self)
            let writer = freezeWriter(h.app, tenant: UUID(uuidString: busy)!, idle: .seconds(120), transactionIdle: .seconds(180), held: signal)
            defer { writer.cancel() }
            var iterator = held.makeAsyncIterator()
            try #require(await iterator.next() != nil, "the writer never held the lock")

            for path in ["users", "groups", "events"] {
                let response = try await h.api("GET", "/v1/tenants/busy/\(path)", key: busyKey)
                #expect(response.status == 503, "\(path): \(response.status) \(response.bodyText)")
                #expect(try h.object(response)["error"].flatMap { ($0 as? [String: Any])?["code"] as? String } == "database_busy")
                #expect(response.header("retry-after") == "1")
            }
            #expect(try await h.api("GET", "/v1/tenants/calm/users", key: calmKey).status == 200, "another tenant does not wait")
        }
    }
}
