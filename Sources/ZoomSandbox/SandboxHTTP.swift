import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Response helpers shared by the sandbox's routes.
enum SandboxHTTP {
    /// A JSON response from plain values (dictionaries, arrays, strings, numbers, booleans).
    static func json(_ status: HTTPResponse.Status, _ object: Any, headers: HTTPFields = [:]) -> Response {
        let data = jsonData(object)
        var fields = headers
        fields[.contentType] = "application/json;charset=UTF-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Serializes plain values as JSON with sorted keys.
    static func jsonData(_ object: Any) -> Data {
        SandboxJSON.data(object)
    }

    /// Zoom's REST error body: `{"code": n, "message": "…"}`.
    static func zoomError(_ status: HTTPResponse.Status, code: Int, _ message: String, headers: HTTPFields = [:]) -> Response {
        json(status, ["code": code, "message": message], headers: headers)
    }

    /// Zoom's OAuth error body: `{"reason": "…", "error": "…"}` (always HTTP 400 at the token endpoint).
    static func oauthError(_ error: String, reason: String) -> Response {
        json(.badRequest, ["reason": reason, "error": error])
    }

    static func html(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .found, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// Escapes text for HTML element content and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// Parses `application/x-www-form-urlencoded` text. A repeated name keeps every value.
    static func form(_ text: String) -> [String: [String]] {
        var fields: [String: [String]] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (part: Substring) -> String in
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part)
            }
            fields[decode(parts[0]), default: []].append(parts.count > 1 ? decode(parts[1]) : "")
        }
        return fields
    }

    /// `redirectURI` with `parameters` appended to its query.
    static func appendQuery(_ redirectURI: String, _ parameters: [(String, String?)]) -> String {
        var components = URLComponents(string: redirectURI) ?? URLComponents()
        var items = components.queryItems ?? []
        for (name, value) in parameters { if let value { items.append(URLQueryItem(name: name, value: value)) } }
        components.queryItems = items
        // URLComponents leaves "+" alone in queries; encode it so it is not read as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.string ?? redirectURI
    }

    /// Zoom's date-time format: `2026-01-01T00:00:00Z`.
    static func timestamp(_ date: Date) -> String {
        // Computed rather than formatted: a page of 300 users carries 900 timestamps, and a date formatter
        // per call made listing the sandbox's users slower than syncing them.
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Gregorian date from days since 1970-01-01 (H. Hinnant's civil_from_days).
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3_600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))Z"
    }
}

extension Request {
    /// The body as text, at most `limit` bytes.
    func bodyText(limit: Int = 64 * 1024) async throws -> String {
        String(buffer: try await body.collect(upTo: limit))
    }
}
