public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The built `tether` binary run as a child process, as an operator runs it: its own environment, a
/// scratch working directory (so no `.env` is read), stdout and stderr captured to files.
public final class TetherProcess: Sendable {
    public let child: ChildProcess
    public let directory: URL
    public var pid: Int32 { child.pid }
    public var isRunning: Bool { child.isRunning }

    /// The `tether` built next to this test binary (`swift build --build-tests` builds both).
    public static func binary() throws -> URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for candidate in [beside, beside.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("tether")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw TetherProcessError("no tether binary beside \(beside.path): run `swift build --build-tests` first")
    }

    public init(_ arguments: [String], environment: [String: String]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tether-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        child = try ChildProcess(
            try Self.binary().path, arguments,
            environment: environment.merging(["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]) { own, _ in own },
            directory: directory.path, standardOutput: directory.appendingPathComponent("stdout").path,
            standardError: directory.appendingPathComponent("stderr").path)
    }

    public var standardOutput: String { (try? String(contentsOf: directory.appendingPathComponent("stdout"), encoding: .utf8)) ?? "" }
    public var standardError: String { (try? String(contentsOf: directory.appendingPathComponent("stderr"), encoding: .utf8)) ?? "" }

    /// SIGTERM: a graceful stop.
    public func terminate() { child.terminate() }

    /// `kill -9`: no handler runs, nothing is flushed or handed back.
    public func killHard() { child.killHard() }

    /// Waits for the process to exit, at most `timeout`; returns its exit status, or nil if it still runs.
    public func exitStatus(within timeout: Duration) async -> Int32? { await child.exitStatus(within: timeout) }

    deinit {
        child.killHard()
        try? FileManager.default.removeItem(at: directory)
    }
}

public struct TetherProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
