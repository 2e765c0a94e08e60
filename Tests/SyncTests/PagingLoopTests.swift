import CurlHTTP
import Foundation
import Store
import Sync
import TestSupport
import Testing
import ZoomSandbox

/// A provider whose paging never ends must not make a run that never ends (issue 18, finding 7).
@Suite("Paging loops", .enabled(if: TestDatabase.isAvailableOrRequired))
struct PagingLoopTests {
    @Test("a listing that hands back the page token it was given fails its stream with provider_error after a few requests")
    func repeatedPageTokenFailsTheStream() async throws {
        try await withSyncHarness(
            sandbox: {
                $0.users = 2000; $0.rateLimits = false
            }
        ) { h in
            #expect(try await h.control("POST", "/faults", ["repeat_page_tokens": true]).status == 200)
            let run = try await h.sync(["users", "roles"], timeout: .seconds(60))
            let users = try #require(run.stream("users"))
            #expect(users.status == .failed)
            #expect(users.error?.hasPrefix("provider_error: ") == true, "\(users.error ?? "")")
            #expect(run.stream("roles")?.status == .succeeded, "other streams are not held back")
            #expect(run.status == .partial)
            // The attempt stops at the first token it had already followed (where the old code paged until the
            // run was cancelled), and no later attempt tries the broken listing again.
            let listed = h.sandbox.requestCounts["/v2/users", default: 0]
            #expect(listed > 0 && listed <= 8, "\(listed) user pages were requested in \(run.attempt) attempts, \(users.pages) pages committed")
            #expect(run.attempt == 1)
            #expect(try await h.count("SELECT count(*) - count(DISTINCT remote_id) FROM users") == 0)
        }
    }

    @Test("a listing that keeps paging with fresh tokens past the total it reported fails its stream with provider_error")
    func pagingPastTheReportedTotalFailsTheStream() async throws {
        try await withSyncHarness(
            sandbox: {
                $0.users = 1000; $0.rateLimits = false
            }
        ) { h in
            #expect(try await h.control("POST", "/faults", ["endless_pages": true]).status == 200)
            let run = try await h.sync(["users", "groups", "group_members"], timeout: .seconds(60))
            for name in ["users", "group_members"] {
                let stream = try #require(run.stream(name))
                #expect(stream.status == .failed, "\(name)")
                #expect(stream.error?.contains("provider_error") == true && stream.error?.contains("pag") == true, "\(name): \(stream.error ?? "")")
            }
            #expect(run.attempt == 1, "no attempt is spent on a listing that never ends")
            // Active users fill 3 pages of 300 with 1,000 reported: the fourth page would pass 1,100 and is refused.
            #expect(h.sandbox.requestCounts["/v2/users", default: 0] <= 8)
            #expect(try await h.count("SELECT count(*) - count(DISTINCT remote_id) FROM users") == 0)
        }
    }

    @Test("the same listing pages to its end once the provider pages properly again")
    func recoversWhenPagingIsFixed() async throws {
        try await withSyncHarness(
            sandbox: {
                $0.users = 2000; $0.rateLimits = false
            }
        ) { h in
            #expect(try await h.control("POST", "/faults", ["repeat_page_tokens": true]).status == 200)
            #expect(try await h.sync(["users"], timeout: .seconds(60)).status == .failed)
            #expect((200..<300).contains(try await h.control("DELETE", "/faults").status))
            let run = try await h.sync(["users"], timeout: .seconds(60))
            #expect(run.status == .succeeded)
            #expect(try await h.count("SELECT count(*) FROM users WHERE deleted_at IS NULL") == h.sandbox.userCount(h.account))
        }
    }
}
