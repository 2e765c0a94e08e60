import Foundation
import Testing

@testable import Sync

/// `Retry-After` in the three forms providers send, read against a fixed clock.
@Suite("Retry-After forms")
struct RetryAfterTests {
    let now = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

    @Test("delay-seconds, with surrounding spaces; a negative count waits nothing")
    func seconds() {
        #expect(ProviderClient.retryAfter("17", now: now) == .seconds(17))
        #expect(ProviderClient.retryAfter(" 3 ", now: now) == .seconds(3))
        #expect(ProviderClient.retryAfter("-4", now: now) == .zero)
    }

    @Test("an ISO 8601 time (Zoom's daily-limit reset) waits until then; a past one waits nothing")
    func iso8601() {
        #expect(ProviderClient.retryAfter("2026-01-01T00:02:30Z", now: now) == .seconds(150))
        #expect(ProviderClient.retryAfter("2025-12-31T23:00:00Z", now: now) == .zero)
    }

    @Test("an HTTP date (RFC 9110 IMF-fixdate) waits until then")
    func httpDate() {
        #expect(ProviderClient.retryAfter("Thu, 01 Jan 2026 01:00:00 GMT", now: now) == .seconds(3_600))
    }

    @Test("absent, empty or unreadable values give no delay, so the caller falls back to its own backoff")
    func unreadable() {
        for value in [nil, "", "   ", "soon", "1.5", "2026-13-45T00:00:00Z", "Thu, 32 Jan 2026 01:00:00 GMT"] {
            #expect(ProviderClient.retryAfter(value, now: now) == nil, "\(value ?? "nil")")
        }
    }

    @Test("the daily quota resets at the next UTC midnight, also from the last second of a day")
    func nextMidnight() {
        #expect(ProviderClient.nextUTCMidnight(after: now) == now.addingTimeInterval(86_400))
        #expect(ProviderClient.nextUTCMidnight(after: now.addingTimeInterval(86_399)) == now.addingTimeInterval(86_400))
    }
}
