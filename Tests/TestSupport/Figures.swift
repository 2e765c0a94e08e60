import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Figures the reliability report quotes (`docs/RELIABILITY.md`), written by the tests that measure them.
/// With `TETHER_FIGURES_FILE` set, each call appends one line `name<TAB>+amount` or `name<TAB>=value` to it;
/// otherwise it does nothing. `scripts/reliability` adds up the counts of a name and keeps its last value,
/// and quotes them only when the whole test run passed, so a figure never outlives a failed expectation.
public enum Figures {
    /// Adds `amount` to the count `name` (cases tried, rows checked).
    public static func count(_ name: String, _ amount: Int = 1) { append(name, "+\(amount)") }

    /// Sets `name` to `value` (a measurement, a ratio, a flag).
    public static func record(_ name: String, _ value: some CustomStringConvertible) { append(name, "=\(value)") }

    private static func append(_ name: String, _ value: String) {
        guard let path = ProcessInfo.processInfo.environment["TETHER_FIGURES_FILE"] else { return }
        // One write(2) to an O_APPEND file: lines from tests running in parallel never interleave.
        let line = Array("\(name)\t\(value)\n".utf8)
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}
