public import Hummingbird
public import NIOCore

/// The request context of Tether's server: Hummingbird's core storage plus the peer's address, which the
/// per-address rate limit of the browser routes needs.
public struct TetherRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
