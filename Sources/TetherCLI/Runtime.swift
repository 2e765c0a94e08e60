import Foundation
import Logging
import Postgres
import Sensitive
import TetherSettings

/// What every command needs first: validated settings and a logger.
enum Runtime {
    /// Reads the process environment and `./.env` (the environment wins) and validates them.
    static func loadSettings() throws -> Settings {
        let dotEnv = FileManager.default.contents(atPath: ".env").map { String(decoding: $0, as: UTF8.self) }
        return try Settings.load(environment: ProcessInfo.processInfo.environment, dotEnv: dotEnv)
    }

    /// Logs to stderr at the configured level; bootstrapped once per process.
    static func makeLogger(_ settings: Settings) -> Logger {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "tether")
        logger.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info
        return logger
    }

    /// A pool for `connectionString` with the given size.
    static func makePool(_ connectionString: Secret, maximumConnections: Int, logger: Logger) -> PGPool {
        var configuration = PGPool.Configuration(connectionString: connectionString)
        configuration.maximumConnections = maximumConnections
        return PGPool(configuration: configuration, logger: logger)
    }
}

extension Runtime {
    /// Runs `body` with a small pool on the runtime database, closing it afterwards.
    static func withPool<Result>(_ settings: Settings, logger: Logger, _ body: (PGPool) async throws -> Result) async throws -> Result {
        let pool = makePool(settings.databaseURL, maximumConnections: 2, logger: logger)
        do {
            let result = try await body(pool)
            await pool.close()
            return result
        } catch {
            await pool.close()
            throw error
        }
    }
}
