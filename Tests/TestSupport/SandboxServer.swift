import Logging
public import ZoomSandbox

/// Runs a Zoom sandbox built from `configuration` on a free loopback port for the duration of `body`,
/// which gets the sandbox and its base URL.
@discardableResult
public func withZoomSandbox<Result: Sendable>(
    _ configuration: SandboxConfiguration,
    _ body: @Sendable (ZoomSandbox, _ baseURL: String) async throws -> Result
) async throws -> Result {
    let sandbox = try ZoomSandbox(configuration: configuration)
    var logger = Logger(label: "tether.tests.sandbox")
    logger.logLevel = .error
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = sandbox.buildApplication(port: 0, logger: logger, onServerRunning: { continuation.yield($0) })
    return try await withRunningServer(app, ports: ports) { base in try await body(sandbox, base) }
}
