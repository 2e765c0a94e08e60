import Credentials
import CurlHTTP
import Foundation
import Logging
import Sync
import TestSupport

extension Harness {
    /// Runs a real sync worker (`concurrency` runs at once) over the harness's database and sandbox until
    /// `done` says so, at most two minutes. Tests about content rather than pace switch the worker's
    /// pacing off (`paced: false`) when the sandbox enforces no limits either.
    func runSyncWorker(concurrency: Int = 4, paced: Bool = true, until done: @Sendable () async throws -> Bool) async throws {
        var configuration = SyncConfiguration()
        configuration.pollInterval = .milliseconds(20)
        configuration.concurrency = concurrency
        configuration.enforceRateLimits = paced
        var logger = Logger(label: "tether.tests.worker")
        logger.logLevel = .error
        let worker = SyncWorker(
            dependencies: SyncDependencies(
                pool: app, registry: connect.registry, tokens: tokens, http: outbound, configuration: configuration, logger: logger))
        let running = Task { try await worker.run() }
        defer { running.cancel() }
        let deadline = ContinuousClock.now + TestScale.bound(.seconds(120))
        while try await !done() {
            guard ContinuousClock.now < deadline else { throw HarnessError("the sync worker did not finish in time") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Calls the sandbox's control API (faults, changes).
    func control(_ method: String, _ path: String, _ body: [String: Any]) async throws -> HTTPClientResponse {
        try await http.execute(
            HTTPClientRequest(
                method: method, url: sandboxBase + "/_sandbox" + path, headers: [HTTPHeader("Content-Type", "application/json")],
                body: Array(try JSONSerialization.data(withJSONObject: body))))
    }
}
