import Foundation
public import Logging
public import Postgres
import Sensitive

/// Gives each test its own PostgreSQL database on the server `scripts/test` starts.
///
/// `TETHER_TEST_DATABASE_URL` names a role that may create databases. Suites that need the database are
/// enabled with ``isAvailableOrRequired``: outside CI they are skipped when no database is configured;
/// under `CI=true` they run and fail, because a skipped database suite would hide a red build.
public enum TestDatabase {
    /// The admin connection string, if configured.
    public static var adminURL: String? {
        ProcessInfo.processInfo.environment["TETHER_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// True when tests must run against a database: a database is configured, or this is CI.
    public static var isAvailableOrRequired: Bool {
        adminURL != nil || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    /// A logger for tests: warnings and worse, to stderr.
    public static let logger: Logger = {
        var logger = Logger(label: "tether.tests")
        logger.logLevel = .warning
        return logger
    }()

    /// Creates an empty database, runs `body` with a pool connected to it, and drops it afterwards.
    @discardableResult
    public static func withFreshDatabase<Result>(
        maximumConnections: Int = 4,
        acquireTimeout: Duration = TestScale.bound(.seconds(10)),
        _ body: (_ pool: PGPool, _ connectionString: String) async throws -> Result
    ) async throws -> Result {
        guard let adminURL else {
            throw TestDatabaseError("TETHER_TEST_DATABASE_URL is not set: run the tests with scripts/test")
        }
        let name = "tether_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = PGPool(configuration: .init(connectionString: Secret(adminURL)), logger: logger)
        defer { Task { await admin.close() } }
        try await admin.withConnection { try $0.executeScript("CREATE DATABASE \(name)") }
        let url = connectionString(adminURL, database: name)
        var configuration = PGPool.Configuration(connectionString: Secret(url))
        configuration.maximumConnections = maximumConnections
        configuration.acquireTimeout = acquireTimeout
        let pool = PGPool(configuration: configuration, logger: logger)
        do {
            let result = try await body(pool, url)
            await pool.close()
            try await admin.withConnection { try $0.executeScript("DROP DATABASE \(name) WITH (FORCE)") }
            return result
        } catch {
            await pool.close()
            _ = try? await admin.withConnection { try $0.executeScript("DROP DATABASE \(name) WITH (FORCE)") }
            throw error
        }
    }

    /// `base` pointed at another database: a URI gets a new path, a `key=value` string a `dbname=`.
    public static func connectionString(_ base: String, database: String) -> String {
        guard base.hasPrefix("postgres://") || base.hasPrefix("postgresql://"),
            var components = URLComponents(string: base)
        else { return base + " dbname=\(database)" }
        components.path = "/" + database
        return components.string!
    }
}

/// A test environment problem (as opposed to a failed expectation).
public struct TestDatabaseError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
