import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// The sizes and times the server accepts from a client (SECURITY.md B5, B6). Set explicitly rather than
/// left to SwiftNIO's defaults, which have changed between releases.
public struct RequestLimits: Sendable {
    /// Request line plus header block, in bytes; more answers 431.
    public var maximumHeaderBytes = 64 * 1024
    /// Header fields; more answers 431.
    public var maximumHeaderCount = 100
    /// The request target (path and query), in bytes; more answers 414.
    public var maximumURIBytes = 8 * 1024
    /// A request body, in bytes; a larger declared `Content-Length` answers 413 before the body is read.
    public var maximumBodyBytes = 1024 * 1024
    /// How long a connection may go without completing a request head (or, between requests, idle) before
    /// it is closed: a client that drips its headers one byte at a time is dropped after this.
    public var headerTimeout: Duration = .seconds(10)
    /// How long a whole request, head and body, may take to arrive, counted from when the connection was
    /// ready for it (opened, or the previous response sent); then the connection is closed. The header
    /// timeout alone stops once the head is in, so without this a body dripped a byte at a time would hold
    /// a connection (and a descriptor) for as long as the client likes.
    public var requestTimeout: Duration = .seconds(30)
    /// Connections open at once (`TETHER_MAX_CONNECTIONS`); past it the server stops accepting until one
    /// closes, and new ones wait in the kernel's backlog.
    public var maximumConnections = 512

    public init() {}

    /// The HTTP/1 channel Hummingbird serves with these limits.
    var channelConfiguration: HTTP1Channel.Configuration {
        let requestTimeout = TimeAmount(requestTimeout)
        return HTTP1Channel.Configuration(
            additionalChannelHandlers: [HeaderOverflowResponder(), RequestDeadlineHandler(timeout: requestTimeout)],
            idleTimeout: TimeAmount(headerTimeout),
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: maximumHeaderBytes, maxHeaderListSize: maximumHeaderBytes, maxHeaderFieldCount: maximumHeaderCount))
    }
}

/// Answers 414 for an over-long request target and 413 for a declared body over the cap, before any
/// route runs or any body byte is read.
struct RequestLimitsMiddleware<Context: RequestContext>: RouterMiddleware {
    let limits: RequestLimits

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if (request.head.path?.utf8.count ?? 0) > limits.maximumURIBytes {
            throw APIError(.uriTooLong, code: "uri_too_long", message: "the request target must be at most \(limits.maximumURIBytes) bytes")
        }
        if let declared = request.headers[.contentLength], let length = Int(declared), length > limits.maximumBodyBytes {
            throw APIError(
                .contentTooLarge, code: "content_too_large", message: "the body must be at most \(limits.maximumBodyBytes) bytes",
                headers: [.connection: "close"])
        }
        return try await next(request, context)
    }
}

/// SwiftNIO's decoder reports a header block over the limits as a parse error, which Hummingbird answers
/// with a bare 400. This handler sits right after the decoder and answers 431 instead, then closes: the
/// rest of the oversized head is never read.
final class HeaderOverflowResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    private var answered = false

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, parserError == .headerOverflow else {
            context.fireErrorCaught(error)
            return
        }
        guard !answered else { return }
        answered = true
        let body = #"{"error":{"code":"request_header_fields_too_large","message":"the request head is too large"}}"#
        var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        let head = HTTPResponse(
            status: .requestHeaderFieldsTooLarge,
            headerFields: [
                .contentType: "application/json; charset=utf-8", .contentLength: "\(buffer.readableBytes)",
                .connection: "close", HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(buffer)), promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
    }
}

/// Closes a connection whose request has not fully arrived ``RequestLimits/requestTimeout`` after the
/// connection was ready for it. Sits after the HTTP decoder: a request ends with its `.end` part, and the
/// connection is ready for the next one once both the request and its response have ended (in either
/// order: a route may answer before the body is in, and the body must still arrive in time).
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    private var requestEnded = false
    private var responseEnded = false

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startClock(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopClock()
    }

    func channelActive(context: ChannelHandlerContext) {
        startClock(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopClock()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) {
            requestEnded = true
            if responseEnded { readyForNextRequest(context) } else { stopClock() }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            responseEnded = true
            if requestEnded { readyForNextRequest(context) }
        }
        context.write(data, promise: promise)
    }

    private func readyForNextRequest(_ context: ChannelHandlerContext) {
        requestEnded = false
        responseEnded = false
        startClock(context)
    }

    private func startClock(_ context: ChannelHandlerContext) {
        stopClock()
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) { bound.value.close(promise: nil) }
    }

    private func stopClock() {
        deadline?.cancel()
        deadline = nil
    }
}
