import Foundation
import Store

/// A connection's run history as an inline SVG drawn on the server (DESIGN §6.3): one bar per run for the
/// records it fetched, coloured by outcome, and a line for how long it took. No script, no external asset:
/// the console's CSP allows neither. Each bar carries a `<title>` with its figures, and the page shows the
/// same runs as a table for screen readers.
struct RunChart {
    struct Point: Sendable, Hashable {
        let startedAt: Date
        let records: Int
        /// Seconds from start to finish; `nil` while the run is unfinished.
        let seconds: Double?
        let status: RunStatus
    }

    static let width = 720.0
    static let height = 220.0
    static let left = 64.0
    static let right = 64.0
    static let top = 16.0
    static let bottom = 28.0

    let points: [Point]

    /// The chart of `runs` (newest first, as the store lists them), drawn oldest to newest.
    init(runs: [SyncRun]) {
        points = runs.reversed().map { run in
            Point(
                startedAt: run.startedAt ?? run.createdAt, records: run.streams.reduce(0) { $0 + $1.fetched },
                seconds: run.startedAt.flatMap { start in run.finishedAt.map { $0.timeIntervalSince(start) } }, status: run.status)
        }
    }

    /// The SVG element: escaped where it carries text, so it may be inserted into a page as it is.
    var svg: String {
        let plotWidth = Self.width - Self.left - Self.right
        let plotHeight = Self.height - Self.top - Self.bottom
        let maxRecords = max(1, points.map(\.records).max() ?? 1)
        let maxSeconds = max(1, points.compactMap(\.seconds).max() ?? 1)
        let slot = plotWidth / Double(max(points.count, 1))
        let barWidth = max(2, slot * 0.7)
        var bars: [String] = []
        var line: [(x: Double, y: Double)] = []
        for (index, point) in points.enumerated() {
            let x = Self.left + Double(index) * slot + (slot - barWidth) / 2
            let barHeight = plotHeight * Double(point.records) / Double(maxRecords)
            let label =
                "\(ConsoleFormat.timestamp(point.startedAt)): \(ConsoleFormat.count(point.records)) records, "
                + "\(point.seconds.map(ConsoleFormat.duration) ?? "unfinished"), \(point.status.rawValue)"
            bars.append(
                "<rect class=\"bar \(Self.tone(point.status).rawValue)\" x=\"\(Self.f(x))\" y=\"\(Self.f(Self.top + plotHeight - barHeight))\" "
                    + "width=\"\(Self.f(barWidth))\" height=\"\(Self.f(max(barHeight, 1)))\"><title>\(escape(label))</title></rect>")
            if let seconds = point.seconds {
                line.append((x + barWidth / 2, Self.top + plotHeight - plotHeight * seconds / maxSeconds))
            }
        }
        let baseline = Self.top + plotHeight
        let axes = """
            <line class="axis" x1="\(Self.f(Self.left))" y1="\(Self.f(baseline))" x2="\(Self.f(Self.width - Self.right))" y2="\(Self.f(baseline))"/>
            <text class="records" x="\(Self.f(Self.left - 6))" y="\(Self.f(Self.top + 10))" text-anchor="end">\(escape(ConsoleFormat.count(maxRecords)))</text>
            <text class="records" x="\(Self.f(Self.left - 6))" y="\(Self.f(baseline))" text-anchor="end">0</text>
            <text class="seconds" x="\(Self.f(Self.width - Self.right + 6))" y="\(Self.f(Self.top + 10))">\(escape(ConsoleFormat.duration(maxSeconds)))</text>
            <text class="seconds" x="\(Self.f(Self.width - Self.right + 6))" y="\(Self.f(baseline))">0 s</text>
            <text x="\(Self.f(Self.left))" y="\(Self.f(Self.height - 8))">records per run (bars)</text>
            <text class="seconds" x="\(Self.f(Self.width - Self.right))" y="\(Self.f(Self.height - 8))" text-anchor="end">duration (line)</text>
            """
        let coordinates = line.map { "\(Self.f($0.x)),\(Self.f($0.y))" }.joined(separator: " ")
        let polyline = line.count > 1 ? "<polyline class=\"duration\" points=\"\(coordinates)\"/>" : ""
        let dots = line.map { "<circle class=\"duration\" cx=\"\(Self.f($0.x))\" cy=\"\(Self.f($0.y))\" r=\"2.5\"/>" }.joined()
        return """
            <svg class="run-chart" role="img" aria-labelledby="run-chart-title" viewBox="0 0 \(Self.f(Self.width)) \(Self.f(Self.height))" \
            width="\(Self.f(Self.width))" height="\(Self.f(Self.height))" xmlns="http://www.w3.org/2000/svg">
            <title id="run-chart-title">The last \(points.count) runs: records fetched (bars) and duration (line), oldest on the left</title>
            \(axes)
            \(bars.joined(separator: "\n"))
            \(polyline)\(dots)
            </svg>
            """
    }

    static func tone(_ status: RunStatus) -> ChipTone {
        switch status {
        case .succeeded: .good
        case .partial: .warning
        case .failed: .bad
        case .queued, .running: .info
        }
    }

    /// A coordinate with one decimal: short, and never in exponent notation.
    static func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
