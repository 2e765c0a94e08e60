import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@testable import Server

/// The request deadline on a connection, on an event loop whose clock the test moves: exact, whatever
/// the machine's load.
@Suite("Request deadline")
struct RequestDeadlineTests {
    static let head = HTTPRequestPart.head(HTTPRequest(method: .get, scheme: nil, authority: "127.0.0.1", path: "/healthz"))
    static let responseHead = HTTPResponsePart.head(HTTPResponse(status: .ok))

    func channel() throws -> (EmbeddedChannel, EmbeddedEventLoop) {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(handler: RequestDeadlineHandler(timeout: .seconds(5)), loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, loop)
    }

    @Test("each request gets the whole deadline from when the connection was ready for it, however long the connection lives")
    func deadlinePerRequest() throws {
        let (channel, loop) = try channel()
        for _ in 0..<4 {
            loop.advanceTime(by: .seconds(4))
            try channel.writeInbound(Self.head)
            try channel.writeInbound(HTTPRequestPart.end(nil))
            loop.advanceTime(by: .seconds(3))  // the route takes its time: no deadline while it answers
            try channel.writeOutbound(Self.responseHead)
            try channel.writeOutbound(HTTPResponsePart.end(nil))
            #expect(channel.isActive)
        }
        loop.advanceTime(by: .seconds(5))
        #expect(!channel.isActive, "a connection that sends nothing after its last response is closed at the deadline")
    }

    @Test("a body still arriving after the route answered is cut off at the deadline")
    func bodyAfterEarlyAnswer() throws {
        let (channel, loop) = try channel()
        try channel.writeInbound(Self.head)
        try channel.writeOutbound(Self.responseHead)
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        for _ in 0..<4 {
            loop.advanceTime(by: .seconds(1))
            try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "x")))
            #expect(channel.isActive)
        }
        loop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }
}
