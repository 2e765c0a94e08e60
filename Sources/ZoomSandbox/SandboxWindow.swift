import Foundation

/// A report window (`from`/`to` as `yyyy-mm-dd`), checked against Zoom's rules: both dates valid, `to`
/// not before `from`, at most one month long, and starting within the last six months.
struct SandboxWindow {
    /// Days since 1970-01-01 of the first and last day, inclusive.
    let firstDay: Int
    let lastDay: Int

    var days: Int { lastDay - firstDay + 1 }

    static let formatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter
    }()

    static func day(_ text: String?) -> Int? {
        guard let text, text.count == 10, let date = formatter.date(from: text) else { return nil }
        return Int(date.timeIntervalSince1970 / 86_400)
    }

    static func text(day: Int) -> String {
        formatter.string(from: Date(timeIntervalSince1970: Double(day) * 86_400))
    }

    /// Reads `from` and `to`; when both are absent, `defaultDays` ending today (Zoom's default for some APIs).
    static func parse(_ request: SandboxQuery, now: Date, defaultDays: Int? = nil) -> Result<SandboxWindow, SandboxHTTPError> {
        let today = Int(now.timeIntervalSince1970 / 86_400)
        let fromText = request.get("from")
        let toText = request.get("to")
        if fromText == nil, toText == nil, let defaultDays {
            return .success(SandboxWindow(firstDay: today - defaultDays + 1, lastDay: today))
        }
        guard let from = day(fromText) else { return .failure(SandboxHTTPError(code: 300, "Invalid field: from.")) }
        guard let to = toText == nil ? today : day(toText) else { return .failure(SandboxHTTPError(code: 300, "Invalid field: to.")) }
        guard to >= from else { return .failure(SandboxHTTPError(code: 300, "The 'to' date must be on or after the 'from' date.")) }
        guard to - from <= 31 else { return .failure(SandboxHTTPError(code: 300, "The date range must be within one month.")) }
        guard from >= today - 183 else { return .failure(SandboxHTTPError(code: 300, "The date must be within the last six months.")) }
        return .success(SandboxWindow(firstDay: from, lastDay: min(to, today)))
    }
}

/// The query parameters a handler reads (a seam, so window rules can be unit-tested without HTTP).
struct SandboxQuery {
    let values: [String: String]
    func get(_ name: String) -> String? { values[name] }
}
