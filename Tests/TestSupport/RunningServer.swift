public import Hummingbird
import Logging

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

/// Serves `router` on 127.0.0.1 and a free port for the duration of `body`, which gets the base URL.
@discardableResult
public func withLoopbackRouter<Context: RequestContext, Result: Sendable>(
    _ router: Router<Context>,
    _ body: @Sendable (_ baseURL: String) async throws -> Result
) async throws -> Result where Context.Source == ApplicationRequestContextSource {
    var logger = Logger(label: "tether.tests.loopback")
    logger.logLevel = .error
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
        logger: logger)
    return try await withRunningServer(app, ports: ports, body)
}
