import ArgumentParser
import CurlHTTP
import Foundation
import Logging
import Postgres
import Sensitive
import Store
import Sync
import TetherApp
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

extension Runtime {
    /// The tenant `reference` names (slug or id), or every tenant when it is nil.
    static func tenants(_ reference: String?, pool: PGPool) async throws -> [Tenant] {
        guard let reference else { return try await Tenants(pool: pool).all() }
        guard let tenant = try await Tenants(pool: pool).find(reference) else { throw ValidationError("no tenant \(reference)") }
        return [tenant]
    }

    /// Runs `body` with the process's object graph (vault, connectors, connect service) over a small pool
    /// and a libcurl client, for commands that act at the provider as well as in the database.
    static func withComponents<Result>(
        _ settings: Settings, logger: Logger, _ body: (TetherComponents) async throws -> Result
    ) async throws -> Result {
        let configuration = try TetherConfiguration(settings: settings, role: .worker(SyncConfiguration()))
        let http = CurlHTTPClient()
        defer { Task { await http.shutdown() } }
        return try await withPool(settings, logger: logger) { pool in
            try await body(TetherComponents(configuration: configuration, pool: pool, http: http, logger: logger))
        }
    }
}
