public import Foundation

/// A `jsonb` value kept as its JSON text, so a provider's payload is stored exactly as received.
public struct PGJSON: Sendable, Hashable, PGEncodable, PGDecodable, CustomStringConvertible {
    /// The JSON document's text.
    public var text: String

    /// Wraps JSON text; the server validates it on insert.
    public init(text: String) { self.text = text }

    /// Encodes `value` with `JSONEncoder` (keys sorted, so equal values give equal text).
    public init(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        self.text = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Decodes the document into `type`.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    public var pgBind: PGBind { PGBind(oid: PGTypeOID.jsonb, value: .text(text)) }
    public init(pgText: String) { self.text = pgText }
    public var description: String { text }
}

/// A `numeric` kept as its exact decimal text (PostgreSQL allows more digits than `Decimal` holds).
public struct PGNumeric: Sendable, Hashable, PGEncodable, PGDecodable, CustomStringConvertible {
    /// The decimal text, e.g. `-1234.5600`.
    public let text: String

    /// Validates and wraps a decimal string (`NaN` and `Infinity` are not accepted).
    public init(_ text: String) throws {
        let body = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard !body.isEmpty, parts.count <= 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) else {
            throw PGDecodingFailure("not a finite decimal number")
        }
        self.text = text
    }

    /// The value as `Decimal` (rounded when it has more than 38 significant digits).
    public var decimal: Decimal { Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))! }

    public var pgBind: PGBind { PGBind(oid: PGTypeOID.numeric, value: .text(text)) }
    public init(pgText: String) throws { try self.init(pgText) }
    public var description: String { text }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// Element types that can travel inside a one-dimensional PostgreSQL array.
public protocol PGArrayElement: PGEncodable, PGDecodable {
    /// The OID of the array type (`text[]`, `int8[]`, `uuid[]`).
    static var pgArrayOID: UInt32 { get }
}

extension String: PGArrayElement { public static var pgArrayOID: UInt32 { PGTypeOID.textArray } }
extension Int: PGArrayElement { public static var pgArrayOID: UInt32 { PGTypeOID.int8Array } }
extension UUID: PGArrayElement { public static var pgArrayOID: UInt32 { PGTypeOID.uuidArray } }

extension Array: PGEncodable where Element: PGArrayElement {
    /// Every element is quoted and escaped, so commas, braces, quotes and the word NULL stay data.
    public var pgBind: PGBind {
        // Written as UTF-8 bytes straight into the string, measured first: arrays go out with every synced
        // user (its groups). Plain loops, no closures: this generic code runs unspecialized, where each
        // closure and lazy sequence would be an allocation.
        var length = 2 + Swift.max(0, count - 1)
        for element in self {
            guard case .text(let text)? = element.pgBind.value else {
                length += 4
                continue
            }
            length += 2
            for byte in text.utf8 { length += byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") ? 2 : 1 }
        }
        let literal = String(unsafeUninitializedCapacity: length) { bytes in
            var position = 0
            bytes[position] = UInt8(ascii: "{")
            position += 1
            for index in indices {
                if index > 0 {
                    bytes[position] = UInt8(ascii: ",")
                    position += 1
                }
                guard case .text(let text)? = self[index].pgBind.value else {
                    for byte in "NULL".utf8 {
                        bytes[position] = byte
                        position += 1
                    }
                    continue
                }
                bytes[position] = UInt8(ascii: "\"")
                position += 1
                for byte in text.utf8 {
                    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                        bytes[position] = UInt8(ascii: "\\")
                        position += 1
                    }
                    bytes[position] = byte
                    position += 1
                }
                bytes[position] = UInt8(ascii: "\"")
                position += 1
            }
            bytes[position] = UInt8(ascii: "}")
            return position + 1
        }
        return PGBind(oid: Element.pgArrayOID, value: .text(literal))
    }
}

extension Array: PGDecodable where Element: PGArrayElement {
    /// Parses a one-dimensional array literal such as `{a,"b c",NULL,"d\"e"}`.
    public init(pgText: String) throws {
        let scalars = Array<Unicode.Scalar>(pgText.unicodeScalars)
        guard scalars.first == "{", scalars.last == "}" else { throw PGDecodingFailure("not an array literal") }
        var result: [Element] = []
        var index = 1
        let end = scalars.count - 1
        while index < end {
            var value = String.UnicodeScalarView()
            var quoted = false
            if scalars[index] == "\"" {
                quoted = true
                index += 1
                while index < end, scalars[index] != "\"" {
                    if scalars[index] == "\\" { index += 1 }
                    guard index < end else { throw PGDecodingFailure("unterminated quoted array element") }
                    value.append(scalars[index])
                    index += 1
                }
                index += 1
            } else {
                while index < end, scalars[index] != "," {
                    guard scalars[index] != "{" else { throw PGDecodingFailure("multi-dimensional arrays are not supported") }
                    value.append(scalars[index])
                    index += 1
                }
            }
            let text = String(value)
            if !quoted && text == "NULL" {
                result.append(try Element.pgNull())
            } else {
                result.append(try Element(pgText: text))
            }
            if index < end {
                guard scalars[index] == "," else { throw PGDecodingFailure("malformed array literal") }
                index += 1
            }
        }
        self = result
    }
}
