public import Hummingbird
public import Logging
import NIOCore
public import Postgres
public import Store

/// Where and how the HTTP server listens.
public struct ServerConfiguration: Sendable {
    /// The interface to bind (default loopback).
    public var host: String = "127.0.0.1"
    /// The port; 0 picks a free one (reported through `onServerRunning`).
    public var port: Int = 8080
    /// How long `/readyz` waits for the database before answering 503. Default 2 s.
    public var readinessTimeout: Duration = .seconds(2)

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}

/// Builds Tether's HTTP application. The CLI runs it; tests run the same function on port 0.
/// - Parameters:
///   - onServerRunning: called with the bound port once the server accepts connections.
public func buildApplication(
    configuration: ServerConfiguration,
    pool: PGPool,
    migrator: Migrator,
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: AccessLogMiddleware())
    router.add(middleware: ErrorMiddleware())
    HealthRoutes(migrator: migrator, readinessTimeout: configuration.readinessTimeout).register(on: router)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "tether"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}
