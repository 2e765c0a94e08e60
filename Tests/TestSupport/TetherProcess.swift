public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The built `tether` binary run as a child process, as an operator runs it: its own environment, a
/// scratch working directory (so no `.env` is read), stdout and stderr captured to files.
public final class TetherProcess: @unchecked Sendable {
    public let process = Process()
    public let directory: URL
    public var pid: Int32 { process.processIdentifier }

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
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("stdout").path, contents: nil)
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("stderr").path, contents: nil)
        process.executableURL = try Self.binary()
        process.arguments = arguments
        process.environment = environment.merging(["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]) { own, _ in own }
        process.currentDirectoryURL = directory
        process.standardOutput = try FileHandle(forWritingTo: directory.appendingPathComponent("stdout"))
        process.standardError = try FileHandle(forWritingTo: directory.appendingPathComponent("stderr"))
        try process.run()
    }

    public var standardOutput: String { (try? String(contentsOf: directory.appendingPathComponent("stdout"), encoding: .utf8)) ?? "" }
    public var standardError: String { (try? String(contentsOf: directory.appendingPathComponent("stderr"), encoding: .utf8)) ?? "" }

    /// `kill -9`: no handler runs, nothing is flushed or handed back.
    public func killHard() {
        if process.isRunning { kill(pid, SIGKILL) }
    }

    /// Waits for the process to exit, at most `timeout`; returns its exit status, or nil if it still runs.
    public func exitStatus(within timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    deinit {
        killHard()
        try? FileManager.default.removeItem(at: directory)
    }
}

public struct TetherProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
