import Foundation
import Hummingbird

/// Reads a JSON request body strictly (SECURITY.md B8): the content type must be JSON, the body an
/// object of at most 64 KiB with only known members, each of the right type.
enum JSONBody {
    static let maximumBytes = 64 * 1024

    static func decode<Body: Decodable>(_ type: Body.Type, from request: Request, allowed: Set<String>) async throws -> Body {
        let contentType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard contentType == "application/json" else {
            throw APIError(.badRequest, code: "unsupported_media_type", message: "the body must be application/json")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumBytes)
        } catch {
            throw APIError(.contentTooLarge, code: "content_too_large", message: "the body must be at most \(maximumBytes) bytes")
        }
        let data = Data(buffer.readableBytesView)
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw APIError(.badRequest, code: "invalid_json", message: "the body must be a JSON object")
        }
        if let unknown = object.keys.filter({ !allowed.contains($0) }).sorted().first {
            throw APIError(.badRequest, code: "unknown_field", message: "unknown field \(String(unknown.prefix(64)).debugDescription)")
        }
        do {
            return try JSONDecoder().decode(Body.self, from: data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw APIError(.badRequest, code: "invalid_field", message: "\(Self.path(context)) has the wrong type")
        } catch let DecodingError.keyNotFound(key, _) {
            throw APIError(.badRequest, code: "missing_field", message: "\(key.stringValue) is required")
        } catch {
            throw APIError(.badRequest, code: "invalid_json", message: "the body could not be read")
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        context.codingPath.map(\.stringValue).joined(separator: ".")
    }
}

/// Encodes responses with Tether's conventions: ISO 8601 dates, keys exactly as declared.
struct JSONResponse<Value: Encodable & Sendable>: ResponseGenerator {
    var status: HTTPResponse.Status = .ok
    let value: Value

    init(_ value: Value) {
        self.value = value
    }

    init(_ status: HTTPResponse.Status, _ value: Value) {
        self.status = status
        self.value = value
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .xContentTypeOptions: "nosniff", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
