import Connectors
import CurlHTTP
import Foundation

/// Turns Zoom's error statuses and bodies (`{"code": 124, "message": "…"}`) into ``ConnectorError``s.
enum ZoomResponse {
    static func check(_ response: HTTPClientResponse) throws {
        guard !(200..<300).contains(response.status) else { return }
        let code = (try? JSONDecoder().decode(ErrorBody.self, from: Data(response.body)))?.code
        switch (response.status, code) {
        case (401, _):
            throw ConnectorError(.unauthorized, "Zoom refused the access token")
        case (_, 4711?):
            throw ConnectorError(.missingScope, "the token lacks a scope this call needs (Zoom code 4711)")
        case (429, _):
            throw ConnectorError(.rateLimited, "Zoom's rate limit was reached", retryAfter: response.header("retry-after").flatMap { Int($0) })
        case (500..., _):
            throw ConnectorError(.unavailable, "Zoom answered \(response.status)")
        default:
            throw ConnectorError(.rejected, "Zoom answered \(response.status)\(code.map { " (code \($0))" } ?? "")")
        }
    }

    private struct ErrorBody: Decodable {
        var code: Int?
    }
}
