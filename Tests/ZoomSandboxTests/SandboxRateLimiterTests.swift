import Foundation
import Testing

@testable import ZoomSandbox

@Suite("Zoom sandbox: daily quotas")
struct SandboxRateLimiterTests {
    @Test("a Free account's Heavy quota (1,000 a day) runs out, answers with the next UTC midnight, and resets then")
    func dailyQuota() throws {
        let world = SandboxWorld(configuration: .init())
        let free = world.accounts[1]
        let limiter = SandboxRateLimiter()
        let morning = Date(timeIntervalSince1970: 1_767_225_600 + 3_600)  // 2026-01-01T01:00:00Z
        for second in 0..<1_000 {
            let decision = limiter.admit(account: free, category: .heavy, now: morning.addingTimeInterval(Double(second)))
            #expect(decision == .allowed(limit: 1, remaining: 0))
        }
        let refused = limiter.admit(account: free, category: .heavy, now: morning.addingTimeInterval(2_000))
        #expect(refused == .overDaily(limit: 1_000, resetsAt: Date(timeIntervalSince1970: 1_767_225_600 + 86_400)))
        #expect(limiter.admit(account: free, category: .light, now: morning.addingTimeInterval(2_000)) == .allowed(limit: 4, remaining: 3))
        let nextDay = morning.addingTimeInterval(86_400)
        #expect(limiter.admit(account: free, category: .heavy, now: nextDay) == .allowed(limit: 1, remaining: 0))
    }

    @Test("resource-intensive APIs count per minute, and paid plans pool Heavy with Resource-intensive per day")
    func windowsAndPools() {
        let world = SandboxWorld(configuration: .init())
        let pro = world.accounts[0]
        let limiter = SandboxRateLimiter()
        let start = Date(timeIntervalSince1970: 1_767_225_600)
        for second in 0..<10 {
            #expect(
                limiter.admit(account: pro, category: .resourceIntensive, now: start.addingTimeInterval(Double(second)))
                    == .allowed(limit: 10, remaining: 9 - second))
        }
        #expect(
            limiter.admit(account: pro, category: .resourceIntensive, now: start.addingTimeInterval(30))
                == .overRate(limit: 10, retryAfterSeconds: 30))
        #expect(
            SandboxRateLimiter.limits(plan: .pro, category: .heavy).dailyPool
                == SandboxRateLimiter.limits(plan: .pro, category: .resourceIntensive).dailyPool)
        #expect(SandboxRateLimiter.limits(plan: .business, category: .heavy).daily == 60_000)
    }
}
