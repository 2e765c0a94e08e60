import HTTPTypes
import Hummingbird
import HummingbirdCore
public import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
public import Transport
public import ZoomSandbox

/// An ``HTTPTransport`` that hands each request to a Zoom sandbox's routes in this process: no socket and
/// no libcurl, but the sandbox's real behaviour (page tokens, rotating refresh tokens, 429s with Zoom's
/// headers, Zoom's error bodies). Unit tests of the OAuth client, the token lifecycle, paging and the
/// provider client use it; the integration suites keep the libcurl client over loopback.
public struct SandboxTransport: HTTPTransport {
    /// The origin the sandbox answers on. `.invalid` never resolves, so a request that escaped to a real
    /// client would fail instead of reaching something.
    public static let origin = "http://zoom-sandbox.invalid"
    /// Zoom's OAuth host and REST base, as a connector's configuration takes them.
    public static let oauthBaseURL = origin
    public static let apiBaseURL = origin + "/v2"

    let responder: RouterResponder<BasicRequestContext>
    let logger: Logger
    private let sent = NIOLockedValueBox<[HTTPClientRequest]>([])

    public init(sandbox: ZoomSandbox, logger: Logger = Logger(label: "tether.tests.sandbox-transport")) {
        responder = sandbox.buildRouter().buildResponder()
        self.logger = logger
    }

    /// Every request sent so far, in order (a test can check what a component asked for).
    public var requests: [HTTPClientRequest] { sent.withLockedValue { $0 } }

    public func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        try Task.checkCancellation()
        guard request.url.hasPrefix(Self.origin + "/") else {
            throw HTTPTransportError(.connectFailed, host: nil, reason: "the in-process sandbox answers only \(Self.origin)")
        }
        sent.withLockedValue { $0.append(request) }
        var head = try request.httpRequest()
        if let body = request.body { head.headerFields[.contentLength] = String(body.count) }
        let incoming = Request(head: head, body: RequestBody(buffer: ByteBuffer(bytes: request.body ?? [])))
        let context = BasicRequestContext(source: ApplicationRequestContextSource(channel: NIOAsyncTestingChannel(), logger: logger))
        let response: Response
        do {
            response = try await responder.respond(to: incoming, context: context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: incoming, context: context)
        }
        let collector = BodyCollector()
        try await response.body.write(collector)
        return HTTPClientResponse(response.head, body: collector.bytes.withLockedValue { $0 })
    }
}

/// Gathers a response body written by the router.
private struct BodyCollector: ResponseBodyWriter {
    let bytes = NIOLockedValueBox<[UInt8]>([])

    func write(_ buffer: ByteBuffer) async throws {
        bytes.withLockedValue { $0 += buffer.readableBytesView }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
