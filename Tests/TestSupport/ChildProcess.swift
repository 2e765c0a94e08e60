import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`. Foundation's `Process.run()` on Linux (Swift 6.3) reads
/// past a buffer while it lists `/proc/self/fd` and crashes the test binary now and then
/// (swiftlang/swift-corelibs-foundation#5472); the tests spawn processes through this instead. Descriptors
/// above stderr are closed in the child, standard input is `/dev/null`, and output goes to files.
public final class ChildProcess: Sendable {
    public let pid: Int32
    private let exit = NIOLockedValueBox<Int32?>(nil)

    /// Starts `executable` with `arguments` and exactly `environment`, in `directory` (the current one when
    /// nil), its standard output and error written to the files named (discarded when nil).
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String], directory: String? = nil, standardOutput: String? = nil,
        standardError: String? = nil
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, standardOutput ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, standardError ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // glibc's GNU extensions (2.34, 2.29) are not in the Glibc module's headers: looked up by name.
        if let closeFrom = Self.symbol("posix_spawn_file_actions_addclosefrom_np", as: CloseFrom.self) { _ = closeFrom(&actions, 3) }
        if let directory {
            guard let changeDirectory = Self.symbol("posix_spawn_file_actions_addchdir_np", as: ChangeDirectory.self) else {
                throw ChildProcessError("this C library cannot start a child in another directory")
            }
            _ = changeDirectory(&actions, directory)
        }

        // The child starts with default signal dispositions and nothing blocked, whatever this process set.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        sigfillset(&all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw ChildProcessError("posix_spawn \(executable): \(String(cString: strerror(result)))") }
        pid = child
    }

    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    static func symbol<Function>(_ name: String, as type: Function.Type) -> Function? {
        dlsym(nil, name).map { unsafeBitCast($0, to: type) }
    }

    /// The exit status once the child has ended (128 + the signal's number when a signal ended it), else nil.
    public var terminationStatus: Int32? {
        exit.withLockedValue { status in
            if status == nil {
                var raw: Int32 = 0
                if waitpid(pid, &raw, WNOHANG) == pid {
                    let signal = raw & 0x7f
                    status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
                }
            }
            return status
        }
    }

    public var isRunning: Bool { terminationStatus == nil }

    /// SIGTERM: a graceful stop.
    public func terminate() { if isRunning { kill(pid, SIGTERM) } }

    /// SIGKILL: no handler runs, nothing is flushed or handed back.
    public func killHard() { if isRunning { kill(pid, SIGKILL) } }

    /// Waits for the child to exit, at most `timeout`; its status, or nil if it still runs.
    public func exitStatus(within timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return terminationStatus
    }

    deinit {
        killHard()
        if exit.withLockedValue({ $0 }) == nil { waitpid(pid, nil, 0) }
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
