import Foundation
import Postgres
import Sensitive
import Store
import TestSupport
import Testing

/// The shared rate-limit budget's pacing decisions at chosen instants (no sleeping, so the figures are
/// exact), in PostgreSQL as every worker process sees it (issue 18, finding 10).
@Suite("Rate limiter pacing, shared by every process", .enabled(if: TestDatabase.isAvailableOrRequired))
struct RateLimiterTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func key(_ account: String = "a", _ category: String = "Light") -> ProviderRateBudget.Key {
        ProviderRateBudget.Key(provider: "zoom", accountID: account, category: category)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    @Test("slots are spaced evenly at 90 % of the plan's rate, and every account and category keeps its own pace")
    func evenSpacing() async throws {
        try await TestDatabase.withMigratedDatabase { app, _, _ in
            let budget = ProviderRateBudget(pool: app)
            var waits: [Double] = []
            for _ in 0..<5 { waits.append(Self.seconds(try await budget.reserve(Self.key(), perSecond: 10, at: start))) }
            for (index, wait) in waits.enumerated() { #expect(abs(wait - Double(index) / 9) < 0.002, "slot \(index): \(wait)") }
            #expect(try await budget.reserve(Self.key("b"), perSecond: 10, at: start) == .zero, "another account is not held back")
            #expect(try await budget.reserve(Self.key("a", "Heavy"), perSecond: 10, at: start) == .zero, "another category is not held back")
        }
    }

    @Test("shared budget: two worker processes reserving at once get one even sequence of slots, not one each")
    func twoProcessesShareOneBudget() async throws {
        try await TestDatabase.withMigratedDatabase { _, _, url in
            // Two pools, as two processes have, patient enough for a loaded machine: every reservation waits
            // its turn for the row lock.
            var configuration = PGPool.Configuration(connectionString: Secret(TestDatabase.appURL(url)))
            configuration.maximumConnections = 3
            configuration.acquireTimeout = .seconds(120)
            let pools = [
                PGPool(configuration: configuration, logger: TestDatabase.logger), PGPool(configuration: configuration, logger: TestDatabase.logger),
            ]
            defer { Task { for pool in pools { await pool.close() } } }
            let start = start
            let waits = try await withThrowingTaskGroup(of: Double.self) { group in
                for index in 0..<12 {
                    let budget = ProviderRateBudget(pool: pools[index % 2])
                    group.addTask { Self.seconds(try await budget.reserve(Self.key(), perSecond: 10, at: start)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }.sorted()
            }
            for (index, wait) in waits.enumerated() { #expect(abs(wait - Double(index) / 9) < 0.002, "slot \(index): \(wait)") }
        }
    }

    @Test("a caller that comes back after a pause is not owed a burst of slots")
    func noBurstAfterIdle() async throws {
        try await TestDatabase.withMigratedDatabase { app, _, _ in
            let budget = ProviderRateBudget(pool: app)
            _ = try await budget.reserve(Self.key(), perSecond: 10, at: start)
            let later = start.addingTimeInterval(60)
            #expect(try await budget.reserve(Self.key(), perSecond: 10, at: later) == .zero)
            #expect(try await budget.reserve(Self.key(), perSecond: 10, at: later) > .zero)
        }
    }

    @Test("a 429 blocks the category for Retry-After and halves the pace, never below 1/16 of the plan")
    func throttling() async throws {
        try await TestDatabase.withMigratedDatabase { app, _, _ in
            let budget = ProviderRateBudget(pool: app)
            _ = try await budget.reserve(Self.key(), perSecond: 16, at: start)
            try await budget.throttled(Self.key(), perSecond: 16, retryAfter: .seconds(5), at: start)
            #expect(try await budget.pace(Self.key(), perSecond: 16, at: start) == 16 * 0.9 / 2)
            let wait = Self.seconds(try await budget.reserve(Self.key(), perSecond: 16, at: start.addingTimeInterval(1)))
            #expect(abs(wait - 4) < 0.002, "\(wait)")
            for _ in 0..<10 { try await budget.throttled(Self.key(), perSecond: 16, retryAfter: .zero, at: start) }
            #expect(try await budget.pace(Self.key(), perSecond: 16, at: start) == 1, "16 requests/s floors at 1/16 of it")
        }
    }

    @Test("ten seconds after the last 429 the pace grows back by 5 % of the plan per second, up to 90 %")
    func recovery() async throws {
        try await TestDatabase.withMigratedDatabase { app, _, _ in
            let budget = ProviderRateBudget(pool: app)
            try await budget.throttled(Self.key(), perSecond: 20, retryAfter: .zero, at: start)
            #expect(try await budget.pace(Self.key(), perSecond: 20, at: start.addingTimeInterval(5)) == 9, "no recovery within ten seconds")
            let after11 = try #require(try await budget.pace(Self.key(), perSecond: 20, at: start.addingTimeInterval(11)))
            #expect(abs(after11 - 10) < 1e-9)
            #expect(try await budget.pace(Self.key(), perSecond: 20, at: start.addingTimeInterval(100)) == 18, "capped at 90 % of the plan")
        }
    }
}
