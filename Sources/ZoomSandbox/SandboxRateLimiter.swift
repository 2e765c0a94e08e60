import Foundation
import NIOConcurrencyHelpers

/// Zoom's rate-limit categories ("labels").
public enum SandboxRateCategory: String, Sendable, CaseIterable {
    case light = "Light"
    case medium = "Medium"
    case heavy = "Heavy"
    case resourceIntensive = "Resource-intensive"
    /// Zoom Phone's API has its own budget per category (`zoom-api.md` §5), apart from the rest of the API.
    case phoneMedium = "Phone Medium"
    case phoneHeavy = "Phone Heavy"
}

/// Per-account rate limits with the plan's per-second (per-minute for resource-intensive) and daily
/// quotas (`zoom-api.md` §5). Every app on an account shares the account's budget, as on Zoom.
final class SandboxRateLimiter: Sendable {
    /// The outcome of admitting one request.
    enum Decision: Equatable {
        /// Admitted; `limit` and `remaining` describe the short window.
        case allowed(limit: Int, remaining: Int)
        /// Too many requests in the current second (or minute): retry after `seconds`.
        case overRate(limit: Int, retryAfterSeconds: Int)
        /// The day's quota is used up until `resetsAt` (next midnight UTC).
        case overDaily(limit: Int, resetsAt: Date)
    }

    struct Limits: Equatable {
        /// Requests per window.
        let rate: Int
        /// Window length in seconds (1, or 60 for resource-intensive APIs).
        let window: Int
        /// Requests per UTC day, or `nil` when the plan sets no daily cap for the category.
        let daily: Int?
        /// Categories that share one daily quota (Heavy and Resource-intensive on paid plans).
        let dailyPool: String
    }

    static func limits(plan: SandboxPlan, category: SandboxRateCategory) -> Limits {
        switch (plan, category) {
        case (.free, .light): Limits(rate: 4, window: 1, daily: 6_000, dailyPool: "light")
        case (.free, .medium): Limits(rate: 2, window: 1, daily: 2_000, dailyPool: "medium")
        case (.free, .heavy): Limits(rate: 1, window: 1, daily: 1_000, dailyPool: "heavy")
        case (.free, .resourceIntensive): Limits(rate: 10, window: 60, daily: 30_000, dailyPool: "resource")
        case (.pro, .light): Limits(rate: 30, window: 1, daily: nil, dailyPool: "light")
        case (.pro, .medium): Limits(rate: 20, window: 1, daily: nil, dailyPool: "medium")
        case (.pro, .heavy): Limits(rate: 10, window: 1, daily: 30_000, dailyPool: "heavy+resource")
        case (.pro, .resourceIntensive): Limits(rate: 10, window: 60, daily: 30_000, dailyPool: "heavy+resource")
        case (.business, .light): Limits(rate: 80, window: 1, daily: nil, dailyPool: "light")
        case (.business, .medium): Limits(rate: 60, window: 1, daily: nil, dailyPool: "medium")
        case (.business, .heavy): Limits(rate: 40, window: 1, daily: 60_000, dailyPool: "heavy+resource")
        case (.business, .resourceIntensive): Limits(rate: 20, window: 60, daily: 60_000, dailyPool: "heavy+resource")
        case (.free, .phoneMedium), (.pro, .phoneMedium): Limits(rate: 10, window: 1, daily: nil, dailyPool: "phone medium")
        case (.free, .phoneHeavy), (.pro, .phoneHeavy): Limits(rate: 5, window: 1, daily: 15_000, dailyPool: "phone heavy+resource")
        case (.business, .phoneMedium): Limits(rate: 20, window: 1, daily: nil, dailyPool: "phone medium")
        case (.business, .phoneHeavy): Limits(rate: 10, window: 1, daily: 30_000, dailyPool: "phone heavy+resource")
        }
    }

    private struct State {
        var windows: [String: (start: Int, count: Int)] = [:]
        var days: [String: (day: Int, count: Int)] = [:]
        var served429 = 0
    }

    private let state = NIOLockedValueBox(State())

    /// Counts one request for `account` in `category` at `now` and says whether it may proceed.
    func admit(account: SandboxAccount, category: SandboxRateCategory, now: Date) -> Decision {
        let limits = Self.limits(plan: account.plan, category: category)
        let seconds = Int(now.timeIntervalSince1970.rounded(.down))
        let day = seconds / 86_400
        let windowStart = seconds - seconds % limits.window
        return state.withLockedValue { state in
            let dailyKey = "\(account.index)|\(limits.dailyPool)"
            var daily = state.days[dailyKey] ?? (day, 0)
            if daily.day != day { daily = (day, 0) }
            if let cap = limits.daily, daily.count >= cap {
                state.served429 += 1
                return .overDaily(limit: cap, resetsAt: Date(timeIntervalSince1970: Double((day + 1) * 86_400)))
            }
            let windowKey = "\(account.index)|\(category.rawValue)"
            var window = state.windows[windowKey] ?? (windowStart, 0)
            if window.start != windowStart { window = (windowStart, 0) }
            guard window.count < limits.rate else {
                state.served429 += 1
                return .overRate(limit: limits.rate, retryAfterSeconds: max(1, window.start + limits.window - seconds))
            }
            window.count += 1
            daily.count += 1
            state.windows[windowKey] = window
            state.days[dailyKey] = daily
            return .allowed(limit: limits.rate, remaining: limits.rate - window.count)
        }
    }

    /// 429 responses served so far.
    var served429: Int { state.withLockedValue { $0.served429 } }
}
