import ArgumentParser

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `tether` command: parses flags and the environment once, then hands plain configuration to the
/// modules that do the work.
@main
struct Tether: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tether",
        abstract: "Tether: a multi-tenant SaaS connector service (Zoom first).",
        subcommands: [
            Serve.self, WorkerCommand.self, SyncCommand.self, Migrate.self, TenantsCommand.self, ConnectionsCommand.self, RunsCommand.self,
            APIKeysCommand.self, ActionsCommand.self, VaultCommand.self, SQLAccessCommand.self, SandboxCommand.self, OpenAPICommand.self,
        ])

    static func main() async {
        // NIO suppresses SIGPIPE per socket, libpq and libcurl do not: a closed peer must not kill the process.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
