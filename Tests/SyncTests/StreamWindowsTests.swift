import Connectors
import Foundation
import Testing

@testable import Sync

/// The date windows of windowed streams: calendar months in UTC, from the backfill horizon or the watermark.
@Suite("Stream windows")
struct StreamWindowsTests {
    func day(_ text: String) -> Date { try! Date(text + "T12:00:00Z", strategy: .iso8601) }

    @Test("a first sync backfills from the horizon in calendar-month windows up to today, across a year's end")
    func backfillAcrossYearEnd() {
        let windows = StreamWindows.plan(today: day("2026-02-10"), watermark: nil, backfillDays: 60, trailingDays: 3)
        #expect(
            windows == [
                DateWindow(from: "2025-12-12", to: "2025-12-31"), DateWindow(from: "2026-01-01", to: "2026-01-31"),
                DateWindow(from: "2026-02-01", to: "2026-02-10"),
            ])
    }

    @Test("February ends on the 28th, or the 29th in a leap year")
    func februaryEnds() {
        #expect(
            StreamWindows.plan(today: day("2027-03-01"), watermark: "2027-02-20", backfillDays: 180, trailingDays: 1)
                == [DateWindow(from: "2027-02-20", to: "2027-02-28"), DateWindow(from: "2027-03-01", to: "2027-03-01")])
        #expect(
            StreamWindows.plan(today: day("2028-03-01"), watermark: "2028-02-20", backfillDays: 180, trailingDays: 1)
                == [DateWindow(from: "2028-02-20", to: "2028-02-29"), DateWindow(from: "2028-03-01", to: "2028-03-01")])
    }

    @Test("after a watermark, the trailing days before it are fetched again; never past the backfill horizon")
    func trailingRefetch() {
        #expect(
            StreamWindows.plan(today: day("2026-05-04"), watermark: "2026-05-02", backfillDays: 180, trailingDays: 3)
                == [DateWindow(from: "2026-04-30", to: "2026-04-30"), DateWindow(from: "2026-05-01", to: "2026-05-04")])
        #expect(
            StreamWindows.plan(today: day("2026-05-04"), watermark: "2020-01-01", backfillDays: 10, trailingDays: 3)
                == [DateWindow(from: "2026-04-24", to: "2026-04-30"), DateWindow(from: "2026-05-01", to: "2026-05-04")])
    }

    @Test("no window is longer than a month, and together they cover every day once")
    func coverage() {
        let windows = StreamWindows.plan(today: day("2026-12-06"), watermark: nil, backfillDays: 400, trailingDays: 3)
        var covered: [Int] = []
        for window in windows {
            let (from, to) = (StreamWindows.day(window.from)!, StreamWindows.day(window.to)!)
            #expect(window.from.prefix(7) == window.to.prefix(7), "\(window) stays in one month")
            covered += Array(from...to)
        }
        #expect(covered == Array(covered.first!...StreamWindows.day(day("2026-12-06"))))
        #expect(covered.count == 401)
    }

    @Test("a watermark past today fetches nothing; an unreadable one falls back to the backfill horizon")
    func oddWatermarks() {
        #expect(StreamWindows.plan(today: day("2026-05-04"), watermark: "2026-06-01", backfillDays: 30, trailingDays: 3) == [])
        #expect(
            StreamWindows.plan(today: day("2026-05-04"), watermark: "yesterday", backfillDays: 3, trailingDays: 3)
                == [DateWindow(from: "2026-05-01", to: "2026-05-04")])
    }
}
