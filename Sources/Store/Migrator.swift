public import Foundation
public import Logging
public import Postgres

/// Applies `migrations/` to a database: each pending file in its own transaction, in version order,
/// recording version, checksum and time in `schema_migrations`. Concurrent runs (two operators, or
/// several replicas starting at once) are serialized by an advisory lock, so each file applies once.
public struct Migrator: Sendable {
    /// The state of one migration relative to the database.
    public enum State: Sendable, Hashable {
        case applied(at: Date)
        case pending
        /// Applied, but the file has changed since.
        case changed
        /// Applied, but the file is gone.
        case missing
    }

    /// One line of ``status()``.
    public struct Entry: Sendable, Hashable {
        public let version: Int
        public let name: String
        public let state: State
    }

    /// Arbitrary but fixed: the advisory-lock key all Tether migrators share ("tether" in ASCII).
    static let lockKey: Int = 0x7465_7468_6572

    private let pool: PGPool
    private let migrations: [Migration]
    private let logger: Logger

    /// - Parameter migrations: the files to apply, as ``Migration/load(from:)`` returns them.
    public init(pool: PGPool, migrations: [Migration], logger: Logger) {
        self.pool = pool
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// The newest version among the files, which a current database has applied.
    public var latestVersion: Int? { migrations.last?.version }

    /// Applies every pending migration.
    /// - Returns: the migrations applied by this call (empty when the database was current).
    /// - Throws: ``MigrationError`` with `checksumMismatch` or `missingFile` before anything is applied when
    ///   history and files disagree, or `failed` naming the file whose SQL failed (that file is rolled back;
    ///   earlier files stay applied).
    @discardableResult
    public func migrate() async throws -> [Migration] {
        let migrations = self.migrations
        let logger = self.logger
        return try await pool.withConnection(timeout: .seconds(60)) { connection in
            try connection.query("SELECT pg_advisory_lock(\(Self.lockKey))")
            defer { _ = try? connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))") }
            try Self.ensureHistoryTable(connection)
            let applied = try Self.appliedHistory(connection)
            try Self.verify(applied: applied, against: migrations)
            var done: [Migration] = []
            for migration in migrations where applied[migration.version] == nil {
                let started = ContinuousClock.now
                do {
                    try connection.withTransaction { connection in
                        try connection.executeScript(migration.sql)
                        let milliseconds = Int((ContinuousClock.now - started) / .milliseconds(1))
                        try connection.query(
                            """
                            INSERT INTO schema_migrations (version, name, checksum, duration_ms)
                            VALUES (\(migration.version), \(migration.name), \(migration.checksum), \(milliseconds))
                            """)
                    }
                } catch let error as PGError {
                    throw MigrationError(.failed, "\(migration.fileName) failed and was rolled back: \(error.debugDescription)")
                }
                logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                done.append(migration)
            }
            return done
        }
    }

    /// Every migration, applied or pending, plus any applied version whose file is gone or changed.
    /// - Parameter timeout: how long to wait for a database connection; `nil` uses the pool's default.
    public func status(timeout: Duration? = nil) async throws -> [Entry] {
        let migrations = self.migrations
        let applied = try await pool.withConnection(timeout: timeout) { connection -> [Int: AppliedMigration] in
            let exists = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL")
            guard try exists[0].decode(Bool.self, at: 0) else { return [:] }
            return try Self.appliedHistory(connection)
        }
        var entries: [Entry] = migrations.map { migration in
            let state: State =
                if let record = applied[migration.version] {
                    record.checksum == migration.checksum ? .applied(at: record.appliedAt) : .changed
                } else { .pending }
            return Entry(version: migration.version, name: migration.name, state: state)
        }
        for (version, record) in applied where !migrations.contains(where: { $0.version == version }) {
            entries.append(Entry(version: version, name: record.name, state: .missing))
        }
        return entries.sorted { $0.version < $1.version }
    }

    /// True when every file is applied unchanged (what `/readyz` checks).
    public func isCurrent(timeout: Duration? = nil) async throws -> Bool {
        try await status(timeout: timeout).allSatisfy { if case .applied = $0.state { true } else { false } }
    }

    // MARK: - History

    struct AppliedMigration {
        let name: String
        let checksum: String
        let appliedAt: Date
    }

    static func ensureHistoryTable(_ connection: PGConnection) throws {
        try connection.executeScript(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     integer PRIMARY KEY,
                name        text NOT NULL,
                checksum    text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now(),
                duration_ms integer NOT NULL
            )
            """)
    }

    static func appliedHistory(_ connection: PGConnection) throws -> [Int: AppliedMigration] {
        var history: [Int: AppliedMigration] = [:]
        for row in try connection.query("SELECT version, name, checksum, applied_at FROM schema_migrations") {
            let (version, name, checksum, appliedAt) = try row.decode((Int, String, String, Date).self)
            history[version] = AppliedMigration(name: name, checksum: checksum, appliedAt: appliedAt)
        }
        return history
    }

    static func verify(applied: [Int: AppliedMigration], against migrations: [Migration]) throws {
        for (version, record) in applied.sorted(by: { $0.key < $1.key }) {
            guard let migration = migrations.first(where: { $0.version == version }) else {
                throw MigrationError(
                    .missingFile,
                    "version \(version) (\(record.name)) is applied but its file is missing; restore it, migrations are append-only")
            }
            guard migration.checksum == record.checksum else {
                throw MigrationError(
                    .checksumMismatch,
                    "\(migration.fileName) changed after it was applied; restore it and add a new migration instead")
            }
        }
    }
}
