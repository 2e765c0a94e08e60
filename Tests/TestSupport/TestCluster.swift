import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A private PostgreSQL server for tests that restart or stop the server, so they never disturb the
/// shared one other tests are using. Needs the server binaries (`TETHER_TEST_PG_BINDIR`, or
/// `pg_config --bindir`); as root it runs them as the `postgres` user, since PostgreSQL refuses root.
public final class TestCluster: Sendable {
    /// The data directory.
    public let directory: String
    /// The loopback port it listens on.
    public let port: Int
    /// A libpq connection string for its superuser.
    public var connectionString: String { "host=127.0.0.1 port=\(port) user=postgres dbname=postgres" }

    private let binaries: String

    private init(directory: String, port: Int, binaries: String) {
        self.directory = directory
        self.port = port
        self.binaries = binaries
    }

    /// Creates and starts a throwaway cluster on a free loopback port.
    public static func start() throws -> TestCluster {
        let binaries = try binaryDirectory()
        let directory = NSTemporaryDirectory() + "tether-cluster-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if getuid() == 0 { try run("/bin/chown", ["postgres:postgres", directory]) }
        try runAsServerUser(binaries + "/initdb", ["-D", directory + "/data", "-A", "trust", "-U", "postgres", "--no-sync"])
        var lastError: (any Error)?
        for _ in 0..<5 {
            let cluster = TestCluster(directory: directory, port: Int.random(in: 30_000...60_000), binaries: binaries)
            do {
                try cluster.startServer()
                return cluster
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    /// `pg_ctl restart -m fast`: every open connection is terminated.
    public func restart() throws {
        try Self.runAsServerUser(binaries + "/pg_ctl", ["-D", directory + "/data", "-m", "fast", "-w", "restart"])
    }

    /// `pg_ctl stop -m fast`: the server is down (connections refused) until ``startAgain()``.
    public func stop() throws {
        try Self.runAsServerUser(binaries + "/pg_ctl", ["-D", directory + "/data", "-m", "fast", "-w", "stop"])
    }

    /// Starts the server again after ``stop()``, on the same port.
    public func startAgain() throws {
        try startServer()
    }

    /// Stops the server and deletes its files.
    public func destroy() {
        _ = try? Self.runAsServerUser(binaries + "/pg_ctl", ["-D", directory + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func startServer() throws {
        let options = "-p \(port) -c listen_addresses=127.0.0.1 -k \(directory) -c fsync=off"
        try Self.runAsServerUser(
            binaries + "/pg_ctl", ["-D", directory + "/data", "-o", options, "-l", directory + "/server.log", "-w", "start"])
    }

    private static func binaryDirectory() throws -> String {
        if let configured = ProcessInfo.processInfo.environment["TETHER_TEST_PG_BINDIR"], !configured.isEmpty {
            return configured
        }
        let output = try run("/usr/bin/env", ["pg_config", "--bindir"])
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func runAsServerUser(_ executable: String, _ arguments: [String]) throws {
        if getuid() == 0 {
            try run("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments)
        } else {
            try run(executable, arguments)
        }
    }

    /// Runs a program to completion with posix_spawn and waitpid. Foundation's `Process` is not used: it
    /// can miss the exit of `pg_ctl start`, whose server child lives on after it.
    @discardableResult
    private static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let outputPath = NSTemporaryDirectory() + "tether-cluster-output-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw TestDatabaseError("could not start \(executable): errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // WIFEXITED && WEXITSTATUS == 0, spelled out because the C macros are not imported.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw TestDatabaseError("\(executable) \(arguments.joined(separator: " ")) failed: \(text)")
        }
        return text
    }
}
