import Hummingbird
import Testing

@testable import Server

/// HTML escaping works on Unicode scalars, so no character cluster can smuggle markup through.
@Suite("HTML escaping")
struct EscapeTests {
    @Test("the five special characters are escaped, also when a combining mark joins them into one character")
    func specialCharacters() {
        #expect(escape(#"<a href="x" title='y'>&</a>"#) == "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
        #expect(escape("<\u{301}script>\u{20DD}") == "&lt;\u{301}script&gt;\u{20DD}")
        #expect(escape("\"\u{308}") == "&quot;\u{308}")
        #expect(escape("plain text, ünïcödé") == "plain text, ünïcödé")
    }
}

/// The access log never writes a connect link's token, however the path is spelled.
@Suite("Access log paths")
struct AccessLogPathTests {
    @Test("connect links are redacted with repeated slashes, percent-escapes or capitals; other paths are kept")
    func connectTokensAreRedacted() {
        for path in ["/connect/tok", "//connect/tok", "/connect//tok", "/%63onnect/tok", "/CONNECT/tok", "/connect/tok/extra"] {
            #expect(AccessLogMiddleware<BasicRequestContext>.loggablePath(path) == "/connect/{token}", "\(path)")
        }
        for path in ["/connect/result", "/v1/tenants/acme/users", "/connect", "/connected/x"] {
            #expect(AccessLogMiddleware<BasicRequestContext>.loggablePath(path) == path, "\(path)")
        }
    }
}
