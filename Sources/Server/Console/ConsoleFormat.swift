import Foundation

/// How the console writes numbers, times and durations: compact, in UTC, the same on every page.
enum ConsoleFormat {
    /// `2026-12-07 03:58 UTC`.
    static func timestamp(_ date: Date) -> String {
        let c = Calendar.utc.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d UTC", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    /// `5 min ago`, `in 2 h`, `just now`.
    static func relative(_ date: Date, now: Date = Date()) -> String {
        let seconds = date.timeIntervalSince(now)
        if abs(seconds) < 45 { return "just now" }
        let span = duration(abs(seconds))
        return seconds < 0 ? "\(span) ago" : "in \(span)"
    }

    /// `850 ms`, `12.5 s`, `4 min`, `3 h`, `2 d`.
    static func duration(_ seconds: Double) -> String {
        switch seconds {
        case ..<1: "\(Int((seconds * 1000).rounded())) ms"
        case ..<60: seconds < 10 ? String(format: "%.1f s", seconds) : "\(Int(seconds.rounded())) s"
        case ..<3600: "\(Int((seconds / 60).rounded())) min"
        case ..<172_800: "\(Int((seconds / 3600).rounded())) h"
        default: "\(Int((seconds / 86_400).rounded())) d"
        }
    }

    /// `1,234,567`.
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// `12.5/s` for a rate in requests per second; `10/min` below one a second.
    static func rate(_ perSecond: Double) -> String {
        if perSecond >= 1 { return perSecond == perSecond.rounded() ? "\(Int(perSecond))/s" : String(format: "%.1f/s", perSecond) }
        let perMinute = perSecond * 60
        return perMinute == perMinute.rounded() ? "\(Int(perMinute))/min" : String(format: "%.1f/min", perMinute)
    }
}

extension Calendar {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
