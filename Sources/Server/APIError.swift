import Foundation
public import HTTPTypes
public import Hummingbird

/// An error that becomes Tether's JSON error body, `{"error": {"code": "…", "message": "…"}}`.
///
/// `message` is shown to API callers, so it is written for them and never contains a token, a secret,
/// SQL or a stack trace.
public struct APIError: HTTPResponseError, Sendable, CustomStringConvertible {
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// A stable snake_case code that callers can switch on.
    public let code: String
    /// A human explanation for the caller.
    public let message: String
    /// Extra response headers (e.g. `Retry-After`).
    public var headers: HTTPFields

    /// Creates an error response.
    public init(_ status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    /// 404 `not_found`.
    public static func notFound(_ message: String = "no such resource") -> APIError {
        APIError(.notFound, code: "not_found", message: message)
    }

    /// 500 `internal_error`, deliberately saying nothing about the cause.
    public static let internalError = APIError(.internalServerError, code: "internal_error", message: "internal server error")

    private struct Body: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
        }
        let error: Detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(Body(error: .init(code: code, message: message)))
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.xContentTypeOptions] = "nosniff"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    public var description: String { "APIError(\(status.code) \(code))" }
}

extension HTTPField.Name {
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let xRequestID = HTTPField.Name("X-Request-Id")!
}
