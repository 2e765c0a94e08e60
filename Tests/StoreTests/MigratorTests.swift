import Foundation
import Postgres
import Sensitive
import Store
import TestSupport
import Testing

@Suite("Migrations", .enabled(if: TestDatabase.isAvailableOrRequired))
struct MigratorTests {
    /// A temporary migrations folder holding `files` (name → SQL).
    func folder(_ files: [String: String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, sql) in files { try Data(sql.utf8).write(to: url.appendingPathComponent(name)) }
        return url
    }

    func migrator(_ pool: PGPool, _ directory: URL) throws -> Migrator {
        Migrator(pool: pool, migrations: try Migration.load(from: directory), logger: TestDatabase.logger)
    }

    let twoFiles = [
        "0001_first.sql": "CREATE TABLE first (id int);",
        "0002_second.sql": "CREATE TABLE second (id int); INSERT INTO second VALUES (1);",
    ]

    @Test("the repository's migrations apply to an empty database and leave it current")
    func repositoryMigrations() async throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../migrations").standardized
        try await TestDatabase.withFreshDatabase { pool, _ in
            let migrator = try migrator(pool, directory)
            let applied = try await migrator.migrate()
            #expect(applied.first?.fileName == "0001_tenants_and_api_keys.sql")
            #expect(try await migrator.isCurrent())
            let tables = try await pool.query("SELECT count(*) FROM pg_tables WHERE tablename IN ('tenants', 'api_keys')")
            #expect(try tables[0].decode(Int.self, at: 0) == 2)
        }
    }

    @Test("migrate is idempotent: a second run applies nothing and records each version once")
    func idempotent() async throws {
        let directory = try folder(twoFiles)
        try await TestDatabase.withFreshDatabase { pool, _ in
            let migrator = try migrator(pool, directory)
            #expect(try await migrator.migrate().map(\.version) == [1, 2])
            #expect(try await migrator.migrate().isEmpty)
            #expect(try await pool.query("SELECT count(*) FROM schema_migrations")[0].decode(Int.self, at: 0) == 2)
            #expect(try await pool.query("SELECT count(*) FROM second")[0].decode(Int.self, at: 0) == 1)
            let status = try await migrator.status()
            #expect(status.map(\.version) == [1, 2])
            #expect(status.allSatisfy { if case .applied = $0.state { true } else { false } })
        }
    }

    @Test("pending files are listed as pending and applied on the next run")
    func pending() async throws {
        let directory = try folder(["0001_first.sql": twoFiles["0001_first.sql"]!])
        try await TestDatabase.withFreshDatabase { pool, _ in
            try await migrator(pool, directory).migrate()
            try Data(twoFiles["0002_second.sql"]!.utf8).write(to: directory.appendingPathComponent("0002_second.sql"))
            let migrator = try migrator(pool, directory)
            #expect(try await migrator.status().last?.state == .pending)
            #expect(try await !migrator.isCurrent())
            #expect(try await migrator.migrate().map(\.version) == [2])
        }
    }

    @Test("an applied file that changed is refused before anything else is applied")
    func checksumDrift() async throws {
        let directory = try folder(["0001_first.sql": twoFiles["0001_first.sql"]!])
        try await TestDatabase.withFreshDatabase { pool, _ in
            try await migrator(pool, directory).migrate()
            try Data("CREATE TABLE first (id bigint);".utf8).write(to: directory.appendingPathComponent("0001_first.sql"))
            try Data(twoFiles["0002_second.sql"]!.utf8).write(to: directory.appendingPathComponent("0002_second.sql"))
            let migrator = try migrator(pool, directory)
            let error = await #expect(throws: MigrationError.self) { try await migrator.migrate() }
            #expect(error?.code == .checksumMismatch)
            #expect(error?.message.contains("0001_first.sql") == true)
            #expect(try await pool.query("SELECT to_regclass('second') IS NULL")[0].decode(Bool.self, at: 0))
            #expect(try await migrator.status().first?.state == .changed)
        }
    }

    @Test("an applied file that disappeared is refused")
    func missingFile() async throws {
        let directory = try folder(twoFiles)
        try await TestDatabase.withFreshDatabase { pool, _ in
            try await migrator(pool, directory).migrate()
            try FileManager.default.removeItem(at: directory.appendingPathComponent("0002_second.sql"))
            let migrator = try migrator(pool, directory)
            let error = await #expect(throws: MigrationError.self) { try await migrator.migrate() }
            #expect(error?.code == .missingFile)
            #expect(try await migrator.status().last?.state == .missing)
        }
    }

    @Test("a failing file is rolled back entirely, names itself, and leaves earlier files applied")
    func failureRollsBack() async throws {
        let directory = try folder([
            "0001_first.sql": "CREATE TABLE first (id int);",
            "0002_broken.sql": "CREATE TABLE half (id int); INSERT INTO nowhere VALUES (1);",
        ])
        try await TestDatabase.withFreshDatabase { pool, _ in
            let migrator = try migrator(pool, directory)
            let error = await #expect(throws: MigrationError.self) { try await migrator.migrate() }
            #expect(error?.code == .failed)
            #expect(error?.message.contains("0002_broken.sql") == true)
            #expect(try await pool.query("SELECT to_regclass('half') IS NULL")[0].decode(Bool.self, at: 0))
            #expect(try await pool.query("SELECT array_agg(version)::int8[] FROM schema_migrations")[0].decode([Int].self, at: 0) == [1])
        }
    }

    @Test("concurrent runs from separate pools apply each file exactly once")
    func concurrentRuns() async throws {
        var files: [String: String] = [:]
        for version in 1...5 {
            files[String(format: "%04d_step_%d.sql", version, version)] =
                "CREATE TABLE step_\(version) (id int); SELECT pg_sleep(0.05);"
        }
        let directory = try folder(files)
        try await TestDatabase.withFreshDatabase { _, url in
            let pools = (0..<4).map { _ in PGPool(configuration: .init(connectionString: Secret(url)), logger: TestDatabase.logger) }
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for pool in pools { group.addTask { try await migrator(pool, directory).migrate().map(\.version) } }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            #expect(applied.sorted() == [1, 2, 3, 4, 5])
            let recorded = try await pools[0].query("SELECT count(*) FROM schema_migrations")[0].decode(Int.self, at: 0)
            #expect(recorded == 5)
            for pool in pools { await pool.close() }
        }
    }

    @Test(
        "misnamed files and duplicate versions are refused when loading",
        arguments: [
            ["1_short.sql": "SELECT 1;"],
            ["0001_Upper.sql": "SELECT 1;"],
            ["0001_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 1;"],
            ["0000_zero.sql": "SELECT 1;"],
        ])
    func badFolders(files: [String: String]) throws {
        let directory = try folder(files)
        #expect(throws: MigrationError.self) { try Migration.load(from: directory) }
    }

    @Test("a missing folder is a clear error")
    func missingFolder() {
        let error = #expect(throws: MigrationError.self) {
            try Migration.load(from: URL(fileURLWithPath: "/nonexistent/migrations"))
        }
        #expect(error?.code == .directoryUnreadable)
    }
}
