import ArgumentParser
import TetherApp

/// `tether worker`: a sync worker (and scheduler) without the HTTP server. Run as many as needed, on any
/// machines; they coordinate only through the database.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run sync workers (and the scheduler) without the HTTP server.")

    @Option(help: "Database connections in the pool.")
    var databaseConnections = 8

    @OptionGroup var worker: WorkerOptions

    func run() async throws {
        let settings = try Runtime.loadSettings()
        let logger = Runtime.makeLogger(settings)
        var configuration = try TetherConfiguration(settings: settings, role: .worker(worker.sync))
        configuration.databaseConnections = databaseConnections
        try await TetherApp.run(configuration, logger: logger)
    }
}
