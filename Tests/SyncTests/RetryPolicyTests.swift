import CurlHTTP
import Foundation
import Store
import Sync
import TestSupport
import Testing
import ZoomSandbox

/// What is worth trying again (issue 18, finding 9).
@Suite("Retry policy", .enabled(if: TestDatabase.isAvailableOrRequired))
struct RetryPolicyTests {
    @Test("a 4xx refusal fails its stream at once, in the first attempt, and is not requested again")
    func refusalIsNotRetried() async throws {
        try await withSyncHarness(sandbox: {
            $0.users = 50; $0.rateLimits = false
        }) { h in
            #expect(try await h.control("POST", "/faults", ["error_rate": 1.0, "error_status": 403]).status == 200)
            let run = try await h.sync(["users"], timeout: .seconds(60))
            #expect(run.status == .failed)
            #expect(run.attempt == 1, "no attempt is spent retrying a refusal")
            #expect(run.stream("users")?.error?.hasPrefix("rejected: ") == true, "\(run.stream("users")?.error ?? "")")
            #expect(h.sandbox.requestCounts["/v2/users", default: 0] == 1)
        }
    }

    @Test("a 5xx answer is still retried, within the call and across attempts")
    func serverErrorsAreRetried() async throws {
        try await withSyncHarness(sandbox: {
            $0.users = 50; $0.rateLimits = false
        }) { h in
            #expect(try await h.control("POST", "/faults", ["error_rate": 1.0, "error_status": 503]).status == 200)
            let run = try await h.sync(["users"], timeout: .seconds(120))
            #expect(run.status == .failed)
            #expect(run.attempt == 5)
            #expect(h.sandbox.requestCounts["/v2/users", default: 0] >= 5 * 5, "five tries in each of five attempts")
        }
    }
}
