import Connectors
import Foundation

/// The repository's OpenAPI document, read for conformance tests, with a validator for the subset of JSON
/// Schema it uses: `$ref`, `type` (one or several, `null` included), `properties`, `required`,
/// `additionalProperties`, `items`, `enum`, `pattern`, `format` (uuid, date-time, date), `minimum`,
/// `maximum`, `minLength`, `maxLength`. Anything else in a schema fails validation loudly, so the
/// document cannot use a keyword this checker would silently skip.
struct OpenAPIDocument {
    let root: JSONValue

    static func load() throws -> OpenAPIDocument {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../openapi.json").standardized
        guard let root = JSONValue.parse(Array(try Data(contentsOf: url))) else { throw DocumentError("openapi.json is not JSON") }
        return OpenAPIDocument(root: root)
    }

    struct DocumentError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Every operation as (method, path template, operation object).
    var operations: [(method: String, path: String, operation: JSONValue)] {
        var result: [(String, String, JSONValue)] = []
        for (path, item) in root["paths"]?.object ?? [:] {
            for (method, operation) in item.object ?? [:] where method != "parameters" {
                result.append((method.uppercased(), path, operation))
            }
        }
        return result.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
    }

    static let keywords: Set<String> = [
        "$ref", "type", "properties", "required", "additionalProperties", "items", "enum", "pattern", "format", "minimum", "maximum",
        "minLength", "maxLength", "description",
    ]

    /// Problems with `value` against `schema`, each with the JSON path where it was found; empty when valid.
    func problems(_ value: JSONValue, against schema: JSONValue, at path: String = "$") -> [String] {
        guard let rules = schema.object else { return ["\(path): the schema is not an object"] }
        if let unknown = rules.keys.first(where: { !Self.keywords.contains($0) }) { return ["\(path): unsupported keyword \(unknown)"] }
        if let reference = rules["$ref"]?.string {
            guard let target = resolve(reference) else { return ["\(path): unresolved \(reference)"] }
            return problems(value, against: target, at: path)
        }
        var found: [String] = []
        if let types = rules["type"] {
            let allowed = types.array?.compactMap(\.string) ?? [types.string].compactMap { $0 }
            guard allowed.contains(where: { Self.matches(value, type: $0) }) else { return ["\(path): \(Self.describe(value)) is not \(allowed)"] }
        }
        if case .null = value { return [] }
        if let options = rules["enum"]?.array, !options.contains(value) { found.append("\(path): \(Self.describe(value)) is not one of the enum") }
        switch value {
        case .string(let text):
            if let pattern = rules["pattern"]?.string, text.range(of: pattern, options: .regularExpression) == nil {
                found.append("\(path): \(text.debugDescription) does not match \(pattern)")
            }
            if let format = rules["format"]?.string, !Self.conforms(text, to: format) {
                found.append("\(path): \(text.debugDescription) is not a \(format)")
            }
            if let maximum = rules["maxLength"]?.integer, text.count > maximum { found.append("\(path): longer than \(maximum)") }
            if let minimum = rules["minLength"]?.integer, text.count < minimum { found.append("\(path): shorter than \(minimum)") }
        case .integer(let number):
            if let minimum = rules["minimum"]?.integer, number < minimum { found.append("\(path): \(number) < \(minimum)") }
            if let maximum = rules["maximum"]?.integer, number > maximum { found.append("\(path): \(number) > \(maximum)") }
        case .array(let items):
            if let itemSchema = rules["items"] {
                for (index, item) in items.enumerated() { found += problems(item, against: itemSchema, at: "\(path)[\(index)]") }
            }
        case .object(let members):
            let properties = rules["properties"]?.object ?? [:]
            for name in rules["required"]?.array?.compactMap(\.string) ?? [] where members[name] == nil {
                found.append("\(path): missing \(name)")
            }
            for (name, member) in members {
                if let property = properties[name] {
                    found += problems(member, against: property, at: "\(path).\(name)")
                } else if case .bool(false)? = rules["additionalProperties"] {
                    found.append("\(path): undocumented member \(name)")
                } else if let extra = rules["additionalProperties"], extra.object != nil {
                    found += problems(member, against: extra, at: "\(path).\(name)")
                }
            }
        default: break
        }
        return found
    }

    func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        return reference.dropFirst(2).split(separator: "/").reduce(Optional(root)) { node, key in node?[String(key)] }
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("integer", .integer), ("number", .integer), ("number", .number), ("string", .string),
            ("array", .array), ("object", .object):
            true
        default: false
        }
    }

    static func conforms(_ text: String, to format: String) -> Bool {
        switch format {
        case "uuid": return UUID(uuidString: text) != nil
        case "date": return text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil
        case "date-time":
            return text.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#, options: .regularExpression) != nil
        default: return false
        }
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): "\(flag)"
        case .integer(let number): "\(number)"
        case .number(let number): "\(number)"
        case .string(let text): text.count > 60 ? "\"\(text.prefix(60))…\"" : text.debugDescription
        case .array: "an array"
        case .object: "an object"
        }
    }
}
