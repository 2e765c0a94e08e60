import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Transactions", .enabled(if: TestDatabase.isAvailableOrRequired))
struct PGTransactionTests {
    struct Boom: Error {}

    func count(_ pool: PGPool) async throws -> Int {
        try await pool.query("SELECT count(*) FROM items")[0].decode(Int.self, at: 0)
    }

    func makeTable(_ pool: PGPool) async throws {
        try await pool.withConnection { try $0.executeScript("CREATE TABLE items (id int PRIMARY KEY)") }
    }

    @Test("a transaction commits when its body returns")
    func commits() async throws {
        try await TestDatabase.withFreshDatabase { pool, _ in
            try await makeTable(pool)
            let inserted = try await pool.withTransaction { connection in
                try connection.execute("INSERT INTO items VALUES (1), (2)")
            }
            #expect(inserted == 2)
            #expect(try await count(pool) == 2)
        }
    }

    @Test("a thrown error rolls back everything the body wrote")
    func rollsBackOnError() async throws {
        try await TestDatabase.withFreshDatabase { pool, _ in
            try await makeTable(pool)
            await #expect(throws: Boom.self) {
                try await pool.withTransaction { connection in
                    try connection.execute("INSERT INTO items VALUES (1)")
                    throw Boom()
                }
            }
            #expect(try await count(pool) == 0)
        }
    }

    @Test("a statement error the body swallows still rolls back instead of committing half the work")
    func rollsBackSwallowedErrors() async throws {
        try await TestDatabase.withFreshDatabase { pool, _ in
            try await makeTable(pool)
            await #expect(throws: PGError.self) {
                try await pool.withTransaction { connection in
                    try connection.execute("INSERT INTO items VALUES (1)")
                    _ = try? connection.execute("INSERT INTO items VALUES (1)")  // duplicate: aborts the transaction
                }
            }
            #expect(try await count(pool) == 0)
        }
    }

    @Test("cancelling the task rolls back and cancels the running statement")
    func rollsBackOnCancellation() async throws {
        try await TestDatabase.withFreshDatabase { pool, _ in
            try await makeTable(pool)
            let started = ContinuousClock.now
            let task = Task {
                try await pool.withTransaction { connection in
                    try connection.execute("INSERT INTO items VALUES (1)")
                    try connection.query("SELECT pg_sleep(120)")
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            task.cancel()
            let result = await task.result
            // Far sooner than the statement would have ended; loose enough for ThreadSanitizer on a loaded machine.
            #expect(ContinuousClock.now - started < .seconds(60))
            #expect(throws: PGError.self) { try result.get() }
            if case .failure(let error as PGError) = result { #expect(error.code == .cancelled) }
            #expect(try await count(pool) == 0)
        }
    }
}
