public import Hummingbird

/// Runs `app` (configured for port 0) until `body` returns, handing `body` the server's base URL.
/// - Parameter ports: where the app's `onServerRunning` reports the bound port.
@discardableResult
public func withRunningServer<Result: Sendable>(
    _ app: some ApplicationProtocol,
    ports: AsyncStream<Int>,
    _ body: @Sendable (_ baseURL: String) async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask {
            try await app.run()
            return nil
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        let result = try await body("http://127.0.0.1:\(port)")
        group.cancelAll()
        return result
    }
}
