import Connectors

/// Zoom's per-account rate limits by plan and category (`zoom-api.md` §5). Zoom Phone APIs have their own,
/// lower table; their buckets carry a `Phone ` prefix.
enum ZoomRateLimits {
    static let plans = ["free", "pro", "business"]

    static func limit(bucket: String, plan: String) -> RateLimit {
        let phone = bucket.hasPrefix("Phone ")
        let category = phone ? String(bucket.dropFirst(6)) : bucket
        // Paid plans share one daily quota between Heavy and Resource-intensive calls.
        let sharedQuota = (phone ? "phone " : "") + "heavy+resource"
        switch (plan, phone, category) {
        case ("free", _, "Light"): return RateLimit(perSecond: 4, daily: 6_000, dailyQuota: "light")
        case ("free", _, "Medium"): return RateLimit(perSecond: 2, daily: 2_000, dailyQuota: "medium")
        case ("free", _, "Heavy"): return RateLimit(perSecond: 1, daily: 1_000, dailyQuota: "heavy")
        case ("free", _, _): return RateLimit(perSecond: 10.0 / 60, daily: 30_000, dailyQuota: "resource")
        case ("business", false, "Light"): return RateLimit(perSecond: 80, daily: nil, dailyQuota: "light")
        case ("business", false, "Medium"): return RateLimit(perSecond: 60, daily: nil, dailyQuota: "medium")
        case ("business", false, "Heavy"): return RateLimit(perSecond: 40, daily: 60_000, dailyQuota: sharedQuota)
        case ("business", false, _): return RateLimit(perSecond: 20.0 / 60, daily: 60_000, dailyQuota: sharedQuota)
        case ("business", true, "Light"): return RateLimit(perSecond: 40, daily: nil, dailyQuota: "phone light")
        case ("business", true, "Medium"): return RateLimit(perSecond: 20, daily: nil, dailyQuota: "phone medium")
        case ("business", true, "Heavy"): return RateLimit(perSecond: 10, daily: 30_000, dailyQuota: sharedQuota)
        case ("business", true, _): return RateLimit(perSecond: 10.0 / 60, daily: 30_000, dailyQuota: sharedQuota)
        case (_, true, "Light"): return RateLimit(perSecond: 20, daily: nil, dailyQuota: "phone light")
        case (_, true, "Medium"): return RateLimit(perSecond: 10, daily: nil, dailyQuota: "phone medium")
        case (_, true, "Heavy"): return RateLimit(perSecond: 5, daily: 15_000, dailyQuota: sharedQuota)
        case (_, true, _): return RateLimit(perSecond: 5.0 / 60, daily: 15_000, dailyQuota: sharedQuota)
        // Pro, and any plan Tether does not know, get Pro's limits.
        case (_, false, "Light"): return RateLimit(perSecond: 30, daily: nil, dailyQuota: "light")
        case (_, false, "Medium"): return RateLimit(perSecond: 20, daily: nil, dailyQuota: "medium")
        case (_, false, "Heavy"): return RateLimit(perSecond: 10, daily: 30_000, dailyQuota: sharedQuota)
        case (_, false, _): return RateLimit(perSecond: 10.0 / 60, daily: 30_000, dailyQuota: sharedQuota)
        }
    }
}
