import Foundation
import Hummingbird

/// The body of an HTML form post (`application/x-www-form-urlencoded`), as the connect page and the
/// console send it.
enum FormBody {
    /// The fields of `request`'s form among `names` (others are ignored), from a body of at most 8 KiB. A
    /// repeated field is refused: which of two values a check and an action saw must never differ.
    static func fields(of request: Request, named names: Set<String>) async throws -> [String: String] {
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        let buffer = try await request.body.collect(upTo: 8192)
        if buffer.readableBytes == 0 { return [:] }
        guard type == "application/x-www-form-urlencoded" else {
            throw APIError(.badRequest, code: "unsupported_media_type", message: "the form must be application/x-www-form-urlencoded")
        }
        var fields: [String: String] = [:]
        for pair in String(buffer: buffer).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = String(parts[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding,
                let value = String(parts.count == 2 ? parts[1] : "").replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            else { throw APIError(.badRequest, code: "invalid_request", message: "the form is not valid percent-encoded UTF-8") }
            guard names.contains(name) else { continue }
            guard fields[name] == nil else { throw APIError(.badRequest, code: "invalid_request", message: "\(name) appears more than once") }
            fields[name] = value
        }
        return fields
    }
}
