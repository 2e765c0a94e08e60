import Hummingbird
import NIOCore
import TestSupport

/// A request context that remembers which client port the request came from, so tests can count TCP
/// connections from the server's side.
struct PeerContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let peerPort: Int?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peerPort = source.channel.remoteAddress?.port
    }
}

/// Runs a real Hummingbird server on 127.0.0.1 and a free port for the duration of `body`.
@discardableResult
func withLoopbackServer<Result: Sendable>(
    _ configure: (Router<PeerContext>) -> Void,
    _ body: @Sendable (_ baseURL: String) async throws -> Result
) async throws -> Result {
    let router = Router(context: PeerContext.self)
    configure(router)
    return try await withLoopbackRouter(router, body)
}
