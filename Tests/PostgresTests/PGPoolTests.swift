import Foundation
import Postgres
import Sensitive
import TestSupport
import Testing

@Suite("Connection pool", .enabled(if: TestDatabase.isAvailableOrRequired))
struct PGPoolTests {
    /// An acquire timeout no correct pool reaches, even starved under ThreadSanitizer beside 150 parallel
    /// tests on two cores; only a lost wakeup waits it out.
    /// Long enough for a loaded machine under ThreadSanitizer; these tests are about correctness, not speed.
    static let patience = Duration.seconds(120)

    @Test("an exhausted pool makes callers wait, then fail with poolTimeout once the acquire timeout passes")
    func exhaustion() async throws {
        try await TestDatabase.withFreshDatabase(maximumConnections: 1) { pool, _ in
            let (holding, signal) = AsyncStream.makeStream(of: Void.self)
            let letGo = DispatchSemaphore(value: 0)
            async let holder: Void = pool.withConnection { connection in
                signal.yield()
                letGo.wait()  // keeps the only connection until the test has seen the timeout
                _ = try connection.query("SELECT 1")
            }
            var iterator = holding.makeAsyncIterator()
            await iterator.next()
            let started = ContinuousClock.now
            let error = await #expect(throws: PGError.self) {
                try await pool.withConnection(timeout: .milliseconds(300)) { try $0.query("SELECT 1") }
            }
            // It gave up on its own: the holder still has the connection.
            #expect(error?.code == .poolTimeout)
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            // A patient caller gets the connection as soon as it is released.
            async let patient = pool.withConnection(timeout: Self.patience) { try $0.query("SELECT 42")[0].decode(Int32.self, at: 0) }
            letGo.signal()
            try await holder
            #expect(try await patient == 42)
            #expect(pool.statistics.open == 1)
        }
    }

    @Test("many concurrent callers share a small pool without exceeding it")
    func concurrency() async throws {
        try await TestDatabase.withFreshDatabase(maximumConnections: 3) { pool, _ in
            let sum = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<60 {
                    group.addTask {
                        try await pool.withConnection(timeout: Self.patience) {
                            try $0.query("SELECT \(i)::int8 FROM pg_sleep(0.01)")[0].decode(Int.self, at: 0)
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(sum == 59 * 60 / 2)
            let backends = try await pool.query("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            #expect(try backends[0].decode(Int.self, at: 0) <= 3)
            #expect(pool.statistics.open <= 3)
        }
    }

    @Test("a connection released while a caller is about to wait goes to that caller, not to the idle list")
    func noLostWakeups() async throws {
        try await TestDatabase.withFreshDatabase(maximumConnections: 1) { pool, _ in
            // Each round ends with its last waiter; a release that slipped in between that waiter's decision
            // to wait and its registration would leave it waiting for the full acquire timeout.
            for _ in 0..<300 {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<6 {
                        group.addTask { try await pool.withConnection(timeout: Self.patience) { _ = try $0.query("SELECT 1") } }
                    }
                    try await group.waitForAll()
                }
            }
            #expect(pool.statistics.waiting == 0)
            #expect(pool.statistics.open == 1)
        }
    }

    @Test("cancelling the task cancels a long statement on the server and the pool stays usable")
    func cancellation() async throws {
        try await TestDatabase.withFreshDatabase(maximumConnections: 1) { pool, _ in
            let started = ContinuousClock.now
            let task = Task { try await pool.query("SELECT pg_sleep(60)") }
            try await Task.sleep(for: .milliseconds(300))
            task.cancel()
            let result = await task.result
            let elapsed = ContinuousClock.now - started
            #expect(elapsed < .seconds(30))  // the statement alone would take 60 s
            if case .failure(let error as PGError) = result {
                #expect(error.code == .cancelled)
            } else {
                Issue.record("expected a cancelled PGError, got \(result)")
            }
            #expect(try await pool.query("SELECT 1")[0].decode(Int32.self, at: 0) == 1)
            let sleepers = try await pool.query("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%' AND state = 'active'")
            #expect(try sleepers[0].decode(Int.self, at: 0) == 0)
        }
    }

    @Test("a caller cancelled while waiting for a connection fails with cancelled and leaves the pool consistent")
    func cancelledWhileWaiting() async throws {
        try await TestDatabase.withFreshDatabase(maximumConnections: 1) { pool, _ in
            let (holding, signal) = AsyncStream.makeStream(of: Void.self)
            let letGo = DispatchSemaphore(value: 0)
            async let holder: Void = pool.withConnection { connection in
                signal.yield()
                letGo.wait()  // the waiter can only ever end by its cancellation
                _ = try connection.query("SELECT 1")
            }
            var iterator = holding.makeAsyncIterator()
            await iterator.next()
            let waiter = Task { try await pool.query("SELECT 1") }
            try await Task.sleep(for: .milliseconds(100))
            waiter.cancel()
            let result = await waiter.result
            if case .failure(let error as PGError) = result {
                #expect(error.code == .cancelled)
            } else {
                Issue.record("expected a cancelled PGError, got \(result)")
            }
            letGo.signal()
            try await holder
            #expect(pool.statistics.waiting == 0)
            #expect(try await pool.query("SELECT 1")[0].decode(Int32.self, at: 0) == 1)
        }
    }

    @Test("an idle connection killed by the server is replaced without the caller seeing an error")
    func replacesKilledConnections() async throws {
        try await TestDatabase.withFreshDatabase(maximumConnections: 2) { pool, url in
            let pid = try await pool.query("SELECT pg_backend_pid()")[0].decode(Int32.self, at: 0)
            let killer = PGPool(configuration: .init(connectionString: Secret(url)), logger: TestDatabase.logger)
            try await killer.query("SELECT pg_terminate_backend(\(pid))")
            // The backend ends asynchronously: on a loaded machine it can outlive a fixed pause. Wait until it
            // is gone, then a moment for its socket's end to reach the pool's side.
            let deadline = ContinuousClock.now + TestScale.bound(.seconds(10))
            while ContinuousClock.now < deadline,
                try await killer.query("SELECT count(*)::bigint FROM pg_stat_activity WHERE pid = \(pid)")[0].decode(Int.self, at: 0) > 0
            {
                try await Task.sleep(for: .milliseconds(20))
            }
            await killer.close()
            try await Task.sleep(for: .milliseconds(200))
            let newPID = try await pool.query("SELECT pg_backend_pid()")[0].decode(Int32.self, at: 0)
            #expect(newPID != pid)
        }
    }

    @Test("a closed pool refuses work with poolClosed")
    func closed() async throws {
        try await TestDatabase.withFreshDatabase { pool, _ in
            await pool.close()
            let error = await #expect(throws: PGError.self) { try await pool.query("SELECT 1") }
            #expect(error?.code == .poolClosed)
        }
    }

    @Test("an unreachable server fails fast with connectionFailed and a summary that hides the connection string")
    func unreachable() async throws {
        var configuration = PGPool.Configuration(connectionString: Secret("postgresql://user:hunter2-secret@127.0.0.1:1/db"))
        configuration.connectTimeoutSeconds = 2
        let pool = PGPool(configuration: configuration, logger: TestDatabase.logger)
        let error = await #expect(throws: PGError.self) { try await pool.query("SELECT 1") }
        #expect(error?.code == .connectionFailed)
        #expect(error?.description.contains("connection refused") == true)
        #expect(error?.description.contains("hunter2") == false)
        #expect(pool.statistics.open == 0)
        await pool.close()
    }
}

@Suite("Pool recovery after a server restart", .enabled(if: TestDatabase.isAvailableOrRequired))
struct PGPoolRestartTests {
    @Test("after pg_ctl restart the pool reconnects by itself")
    func recoversAfterRestart() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.destroy() }
        var configuration = PGPool.Configuration(connectionString: Secret(cluster.connectionString))
        configuration.maximumConnections = 3
        let pool = PGPool(configuration: configuration, logger: TestDatabase.logger)
        // Open three connections so the restart leaves three dead ones in the pool.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { try await pool.query("SELECT pg_sleep(0.2)") } }
            try await group.waitForAll()
        }
        #expect(pool.statistics.idle == 3)
        try cluster.restart()
        for _ in 0..<5 {
            #expect(try await pool.query("SELECT 1")[0].decode(Int32.self, at: 0) == 1)
        }
        await pool.close()
    }
}
