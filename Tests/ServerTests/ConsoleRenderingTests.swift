import Foundation
import Hummingbird
import Testing

@testable import Server
@testable import Store

/// The console's pieces that need no database: stream chips, the run chart, formatting and the templates'
/// escaping.
@Suite("Console rendering")
struct ConsoleRenderingTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func stream(_ state: String, permitted: Bool = true) -> StreamState {
        StreamState(name: "users", state: state, permitted: permitted, missingScopes: permitted ? [] : ["user:read:list_users:admin"])
    }

    @Test("a stream's chip: missing scope and needs re-auth come first, then the last run's outcome, then staleness")
    func streamChips() {
        let recent = Self.now.addingTimeInterval(-600)
        let old = Self.now.addingTimeInterval(-3 * 3600 - 1000)
        let cases: [(StreamState, ConnectionStatus, Date?, StreamHealth)] = [
            (Self.stream("failed", permitted: false), .active, recent, .missingScope),
            (Self.stream("failed"), .needsReauth, recent, .needsReauth),
            (Self.stream("failed"), .active, recent, .failed),
            (Self.stream("running"), .active, recent, .running),
            (Self.stream("not_available"), .active, nil, .notAvailable),
            (Self.stream("succeeded"), .active, recent, .succeeded),
            // Twice the hourly interval and a quarter of an hour past the last success.
            (Self.stream("succeeded"), .active, old, .stale),
            (Self.stream("idle"), .active, nil, .waiting),
        ]
        for (stream, status, lastGood, expected) in cases {
            #expect(
                StreamHealth.of(stream, connectionStatus: status, lastSucceeded: lastGood, intervalSeconds: 3600, now: Self.now) == expected,
                "\(stream.state) \(status) \(String(describing: lastGood))")
        }
        #expect(StreamHealth.failed.tone == .bad && StreamHealth.stale.tone == .warning && StreamHealth.succeeded.tone == .good)
    }

    static func run(_ status: RunStatus, records: Int, seconds: Double?, startedAt: Date) -> SyncRun {
        var stream = SyncRunStream(name: "users", status: .succeeded)
        stream.fetched = records
        return SyncRun(
            tenantID: UUID(), id: UUID(), connectionID: UUID(), status: status, trigger: .schedule, attempt: 1, lastError: nil,
            createdAt: startedAt, startedAt: startedAt, finishedAt: seconds.map { startedAt.addingTimeInterval($0) }, streams: [stream])
    }

    @Test("the run chart draws one bar per run, oldest first, scaled to the largest, and a duration point per finished run")
    func runChart() throws {
        let runs = [
            Self.run(.running, records: 50, seconds: nil, startedAt: Self.now),
            Self.run(.failed, records: 0, seconds: 2, startedAt: Self.now.addingTimeInterval(-60)),
            Self.run(.succeeded, records: 200, seconds: 8, startedAt: Self.now.addingTimeInterval(-120)),
        ]
        let chart = RunChart(runs: runs)
        #expect(chart.points.map(\.records) == [200, 0, 50], "oldest on the left")
        let svg = chart.svg
        #expect(svg.components(separatedBy: "<rect ").count - 1 == 3)
        #expect(svg.components(separatedBy: "<circle ").count - 1 == 2, "the unfinished run has no duration point")
        #expect(svg.contains("class=\"bar good\"") && svg.contains("class=\"bar bad\"") && svg.contains("class=\"bar info\""))
        // The tallest bar fills the plot: 220 - 16 - 28 = 176 px high.
        #expect(svg.contains("height=\"176.0\""))
        #expect(svg.contains("200 records, 8.0 s, succeeded"))
        #expect(!svg.contains("<script"))
        #expect(RunChart(runs: []).svg.contains("The last 0 runs"))
    }

    @Test("numbers, durations and rates read the same on every page")
    func formatting() {
        #expect(ConsoleFormat.count(1_234_567) == "1,234,567" && ConsoleFormat.count(12) == "12" && ConsoleFormat.count(-1000) == "-1,000")
        #expect(ConsoleFormat.duration(0.25) == "250 ms" && ConsoleFormat.duration(8) == "8.0 s" && ConsoleFormat.duration(600) == "10 min")
        #expect(ConsoleFormat.duration(7200) == "2 h" && ConsoleFormat.duration(3 * 86_400) == "3 d")
        #expect(ConsoleFormat.rate(30) == "30/s" && ConsoleFormat.rate(10.0 / 60) == "10/min" && ConsoleFormat.rate(12.5) == "12.5/s")
        #expect(ConsoleFormat.timestamp(Self.now) == "2027-01-15 08:00 UTC")
        #expect(ConsoleFormat.relative(Self.now.addingTimeInterval(-300), now: Self.now) == "5 min ago")
        #expect(ConsoleFormat.relative(Self.now.addingTimeInterval(7200), now: Self.now) == "in 2 h")
    }

    @Test("every template escapes by Unicode scalar: a combining mark after < does not carry markup through")
    func templatesEscapeHostileText() {
        for name in ["<script>alert(1)</script>", "<\u{301}script>alert(1)</script>", "\"><img src=x onerror=alert(1)>"] {
            let html = ConsoleTemplates.render("tenant", ["slug": "acme", "name": name, "created": "today"])
            #expect(!html.contains("<script") && !html.contains("<\u{301}script") && !html.contains("<img"), "\(name)")
            #expect(html.contains("&lt;"))
        }
        for (name, source) in ConsoleTemplates.sources {
            #expect(!ConsoleTemplates.render(name, [:]).isEmpty, "\(name) compiles and renders")
            #expect(!source.contains("<script"), "\(name) has no script")
        }
    }

    @Test("console pages carry the page headers: no script allowed, no framing, no caching, forms post to Tether only")
    func pageHeaders() {
        let response = ConsolePage(title: "Queue", template: "queue", values: [:]).response()
        let csp = response.headers[.contentSecurityPolicy] ?? ""
        #expect(csp.contains("default-src 'none'") && csp.contains("form-action 'self'") && !csp.contains("script-src"))
        #expect(response.headers[.xFrameOptions] == "DENY" && response.headers[.cacheControl] == "no-store")
    }
}
