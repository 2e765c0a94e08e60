import Connectors
import Foundation
import Transport

/// Turns Zoom's error statuses and bodies (`{"code": 124, "message": "…"}`) into ``ConnectorError``s
/// (`zoom-api.md` §6).
enum ZoomResponse {
    /// Zoom codes that mean the item asked for is gone: user (1001, 1010), role (1034), room (1012),
    /// meeting (3001), group (4130), location (4801), report (5010).
    static let goneCodes: Set<Int> = [1001, 1010, 1012, 1034, 3001, 4130, 4801, 5010]

    static func check(_ response: HTTPClientResponse) throws {
        guard !(200..<300).contains(response.status) else { return }
        throw failure(status: response.status, body: response.body, retryAfter: response.header("retry-after").flatMap { Int($0) })
    }

    static func failure(status: Int, body: [UInt8], retryAfter: Int? = nil) -> ConnectorError {
        let error = try? JSONDecoder().decode(ErrorBody.self, from: Data(body))
        let code = error?.code
        let message = (error?.message ?? "").lowercased()
        switch (status, code) {
        case (401, _):
            return ConnectorError(.unauthorized, "Zoom refused the access token")
        case (_, 4711?):
            return ConnectorError(.missingScope, "the token lacks a scope this call needs (Zoom code 4711)")
        case (_, 4700?) where message.contains("scope"):
            return ConnectorError(.missingScope, "the token lacks a scope this call needs (Zoom code 4700)")
        case (429, _):
            return ConnectorError(.rateLimited, "Zoom's rate limit was reached", retryAfter: retryAfter)
        case (500..., _):
            return ConnectorError(.unavailable, "Zoom answered \(status)")
        case (400, 200?):
            return ConnectorError(.notAvailable, "the account's plan or subscriptions lack this feature (Zoom code 200)")
        case (400, 300?) where message.contains("next page token"):
            return ConnectorError(.expiredCursor, "Zoom no longer accepts the page token")
        case (404, _):
            return ConnectorError(.notFound, "Zoom answered 404\(code.map { " (code \($0))" } ?? "")")
        case (_, let code?) where goneCodes.contains(code):
            return ConnectorError(.notFound, "Zoom answered \(status) (code \(code))")
        default:
            return ConnectorError(.rejected, "Zoom answered \(status)\(code.map { " (code \($0))" } ?? "")")
        }
    }

    private struct ErrorBody: Decodable {
        var code: Int?
        var message: String?
    }
}
