import ArgumentParser
import Logging
import TetherApp
import TetherSettings

/// `tether serve`: the HTTP server, the background token refresher, the sync scheduler and workers and the
/// database pool, in one `ServiceGroup` that drains on SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP server, the sync scheduler and sync workers.")

    @Option(help: "Database connections in the pool.")
    var databaseConnections = 10

    @Flag(help: "Serve HTTP only; leave syncing to `tether worker` processes.")
    var noWorkers = false

    @OptionGroup var worker: WorkerOptions

    func run() async throws {
        let settings = try Runtime.loadSettings()
        let logger = Runtime.makeLogger(settings)
        var configuration = try TetherConfiguration(settings: settings, role: .server(sync: noWorkers ? nil : worker.sync))
        configuration.databaseConnections = databaseConnections
        try await TetherApp.run(configuration, logger: logger) { port in
            logger.info("listening", metadata: ["address": "\(settings.listenHost):\(port)"])
        }
    }
}
