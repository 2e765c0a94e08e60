import Connectors
import Foundation

/// The date windows a windowed stream fetches: calendar months (a provider that answers per month, like
/// Zoom's daily report, is asked for one month at a time), from the backfill horizon on the first sync, or
/// from a few days before the watermark afterwards, up to today.
enum StreamWindows {
    static func plan(today: Date, watermark: String?, backfillDays: Int, trailingDays: Int) -> [DateWindow] {
        let todayDay = day(today)
        let horizon = todayDay - backfillDays
        var first = horizon
        if let watermark, let mark = day(watermark) { first = max(horizon, mark - trailingDays + 1) }
        guard first <= todayDay else { return [] }
        var windows: [DateWindow] = []
        var start = first
        while start <= todayDay {
            let end = min(todayDay, lastDayOfMonth(start))
            windows.append(DateWindow(from: text(start), to: text(end)))
            start = end + 1
        }
        return windows
    }

    /// Days since 1970-01-01 (UTC).
    static func day(_ date: Date) -> Int { Int((date.timeIntervalSince1970 / 86_400).rounded(.down)) }

    static func day(_ text: String) -> Int? {
        guard let date = try? Date(text + "T00:00:00Z", strategy: .iso8601) else { return nil }
        return day(date)
    }

    static func text(_ day: Int) -> String {
        let components = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(day) * 86_400))
        return String(format: "%04d-%02d-%02d", components.year!, components.month!, components.day!)
    }

    static func lastDayOfMonth(_ day: Int) -> Int {
        let date = Date(timeIntervalSince1970: Double(day) * 86_400)
        let month = calendar.dateInterval(of: .month, for: date)!
        return Self.day(month.end) - 1
    }

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
