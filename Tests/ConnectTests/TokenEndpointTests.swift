import CurlHTTP
import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import TestSupport
import Testing
import ZoomSandbox

/// SECURITY.md B3 and O9: a token endpoint that answers badly leaves no token and no connection, and the
/// callback finishes within the client's total timeout.
@Suite("Bad token-endpoint responses", .enabled(if: TestDatabase.isAvailableOrRequired))
struct TokenEndpointTests {
    /// What the fake authorization server answers at /oauth/token.
    struct Answer: Sendable {
        var status: HTTPResponse.Status = .ok
        var contentType = "application/json"
        var body: String
        var drip = false
        /// Sends part of the body, then drops the connection.
        var reset = false
    }

    static let cases: [(String, Answer)] = [
        ("body is not JSON", Answer(body: "access_token=abc")),
        ("an HTML 502", Answer(status: .badGateway, contentType: "text/html", body: "<html><body>Bad gateway</body></html>")),
        (
            "access_token is a number",
            Answer(body: #"{"access_token":12345,"token_type":"bearer","expires_in":3600,"refresh_token":"r","scope":"a"}"#)
        ),
        ("refresh_token is missing", Answer(body: #"{"access_token":"a","token_type":"bearer","expires_in":3600,"scope":"a"}"#)),
        ("expires_in is negative", Answer(body: #"{"access_token":"a","token_type":"bearer","expires_in":-5,"refresh_token":"r","scope":"a"}"#)),
        ("expires_in is huge", Answer(body: #"{"access_token":"a","token_type":"bearer","expires_in":99999999999,"refresh_token":"r","scope":"a"}"#)),
        ("expires_in is a string", Answer(body: #"{"access_token":"a","token_type":"bearer","expires_in":"3600","refresh_token":"r","scope":"a"}"#)),
        ("token_type is not bearer", Answer(body: #"{"access_token":"a","token_type":"mac","expires_in":3600,"refresh_token":"r","scope":"a"}"#)),
        ("status 200 carrying an error", Answer(body: #"{"error":"invalid_grant","error_description":"nope"}"#)),
        ("token_type is missing (O9)", Answer(body: #"{"access_token":"a","expires_in":3600,"refresh_token":"r","scope":"a"}"#)),
        ("access_token is empty (O9)", Answer(body: #"{"access_token":"","token_type":"bearer","expires_in":3600,"refresh_token":"r","scope":"a"}"#)),
        ("access_token is missing (O9)", Answer(body: #"{"token_type":"bearer","expires_in":3600,"refresh_token":"r","scope":"a"}"#)),
        ("expires_in is 0 (O9)", Answer(body: #"{"access_token":"a","token_type":"bearer","expires_in":0,"refresh_token":"r","scope":"a"}"#)),
        ("expires_in is 86401 (O9)", Answer(body: #"{"access_token":"a","token_type":"bearer","expires_in":86401,"refresh_token":"r","scope":"a"}"#)),
        (
            "expires_in is a fraction (O9)",
            Answer(body: #"{"access_token":"a","token_type":"bearer","expires_in":1.5,"refresh_token":"r","scope":"a"}"#)
        ),
        ("the connection is reset mid-answer (B3)", Answer(body: #"{"access_token":"a","token_type":"#, reset: true)),
        ("a 10 MB body", Answer(body: "{\"access_token\":\"" + String(repeating: "a", count: 10 * 1024 * 1024) + "\"}")),
    ]

    /// Runs a flow against a fake authorization server giving `answer`, up to Tether's callback.
    static func callback(with answer: Answer) async throws -> (HTTPClientResponse, rows: [Int], elapsed: Duration) {
        let router = Router()
        router.post("/oauth/token") { _, _ -> Response in
            if answer.reset {
                return Response(
                    status: .ok, headers: [.contentType: answer.contentType],
                    body: ResponseBody { writer in
                        try await writer.write(ByteBuffer(string: answer.body))
                        throw CancellationError()  // the server drops the connection mid-body
                    })
            }
            if answer.drip {
                return Response(
                    status: .ok, headers: [.contentType: answer.contentType],
                    body: ResponseBody { writer in
                        for byte in answer.body.utf8 {
                            try await writer.write(ByteBuffer(bytes: [byte]))
                            try await Task.sleep(for: .seconds(1))
                        }
                        try await writer.finish(nil)
                    })
            }
            return Response(
                status: answer.status, headers: [.contentType: answer.contentType], body: .init(byteBuffer: ByteBuffer(string: answer.body)))
        }
        return try await withLoopbackRouter(router) { authorizationServer in
            try await withHarness(oauthBaseURL: authorizationServer) { h in
                let (_, key) = try await h.makeTenant("acme")
                var browser = Browser(h)
                let started = try await browser.start(try await h.connectURL("acme", key: key))
                let state = try #require(URLComponents(string: started.header("location") ?? "")?.queryItems?.first { $0.name == "state" }?.value)
                let clock = ContinuousClock()
                let began = clock.now
                let response = try await browser.send("GET", h.base + "/oauth/callback/zoom?code=abc&state=\(state)")
                return (response, try await h.connectionRowCounts(), clock.now - began)
            }
        }
    }

    @Test("each malformed token response ends the flow with token_exchange_failed and stores nothing", arguments: cases)
    func malformed(_ name: String, _ answer: Answer) async throws {
        let (response, rows, elapsed) = try await Self.callback(with: answer)
        #expect(response.status == 303, "\(name)")
        #expect(response.locationParameters["error"] == "token_exchange_failed", "\(name)")
        #expect(rows == [0, 0, 0], "\(name)")
        #expect(elapsed < .seconds(25), "\(name): finished within the client's total timeout")
        Figures.count("input.token_response_cases")
    }

    @Test("O9: token_type is compared case-insensitively: a well-formed answer with \"Bearer\" is accepted")
    func bearerInAnyCase() async throws {
        let body = #"{"access_token":"a","token_type":"Bearer","expires_in":86400,"refresh_token":"r","scope":"a"}"#
        let (response, _, _) = try await Self.callback(with: Answer(body: body))
        // The token is accepted; the sandbox then refuses it at /users/me, which is a later step.
        #expect(response.locationParameters["error"] == "identity_failed", "\(response.locationParameters)")
    }

    @Test("B3: a TLS failure at the token endpoint ends the flow with token_exchange_failed and stores nothing")
    func tlsFailure() async throws {
        // A plain-HTTP server reached over https: the handshake fails, as with a bad certificate.
        try await withLoopbackRouter(Router()) { plain in
            try await withHarness(oauthBaseURL: plain.replacingOccurrences(of: "http://", with: "https://")) { h in
                let (_, key) = try await h.makeTenant("acme")
                var browser = Browser(h)
                let started = try await browser.start(try await h.connectURL("acme", key: key))
                let state = try #require(
                    URLComponents(string: started.header("location") ?? "")?.queryItems?.first { $0.name == "state" }?.value)
                let response = try await browser.send("GET", h.base + "/oauth/callback/zoom?code=abc&state=\(state)")
                #expect(response.locationParameters["error"] == "token_exchange_failed")
                #expect(try await h.connectionRowCounts() == [0, 0, 0])
            }
        }
    }

    @Test("an unreachable token endpoint ends the flow with token_exchange_failed")
    func unreachable() async throws {
        try await withHarness(oauthBaseURL: "http://127.0.0.1:9") { h in
            let (_, key) = try await h.makeTenant("acme")
            var browser = Browser(h)
            let started = try await browser.start(try await h.connectURL("acme", key: key))
            let state = try #require(URLComponents(string: started.header("location") ?? "")?.queryItems?.first { $0.name == "state" }?.value)
            let response = try await browser.send("GET", h.base + "/oauth/callback/zoom?code=abc&state=\(state)")
            #expect(response.locationParameters["error"] == "token_exchange_failed")
            #expect(try await h.connectionRowCounts() == [0, 0, 0])
        }
    }

    @Test("a token endpoint that drips one byte a second is cut off by the 15 s total timeout")
    func drip() async throws {
        let body = #"{"access_token":"a","token_type":"bearer","expires_in":3600,"refresh_token":"r","scope":"a"}"#
        let (response, rows, elapsed) = try await Self.callback(with: Answer(body: body, drip: true))
        #expect(response.locationParameters["error"] == "token_exchange_failed")
        #expect(rows == [0, 0, 0])
        #expect(elapsed < .seconds(25))
    }
}

extension TokenEndpointTests.Answer: CustomTestStringConvertible {
    var testDescription: String { "\(status.code) \(body.prefix(48))" }
}
