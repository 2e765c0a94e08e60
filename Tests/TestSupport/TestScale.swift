import Foundation

/// How many cases a heavy property test runs. The full count in the normal run; a tenth under
/// ThreadSanitizer (`scripts/test` sets `TETHER_TEST_REDUCED=1` there), where each case costs ten times
/// as much, the point is interleavings rather than volume, and the load would starve timing-bound tests.
public enum TestScale {
    public static func cases(_ full: Int) -> Int {
        isReduced ? max(1, full / 10) : full
    }

    /// A bound that only tells "answers" from "hangs", stretched threefold under ThreadSanitizer, where every
    /// step costs several times as much (timing figures belong to the normal run, not that one).
    public static func bound(_ duration: Duration) -> Duration {
        isReduced ? duration * 3 : duration
    }

    static var isReduced: Bool { ProcessInfo.processInfo.environment["TETHER_TEST_REDUCED"] == "1" }
}
