/// The query string of an OAuth callback, parsed strictly (SECURITY.md B1, B2): the parameters that
/// matter may appear once only (never first- or last-wins), values are percent-decoded UTF-8 (`+` is a
/// space), and anything malformed is refused before a row is read.
public struct CallbackQuery: Sendable, Hashable {
    public let state: String?
    public let code: String?
    public let error: String?
    public let issuer: String?

    /// The longest query considered; real callbacks are far shorter.
    static let maximumLength = 8192
    /// Authorization codes longer than this are refused (SECURITY.md B2).
    static let maximumCodeLength = 512

    /// Parses a raw (still percent-encoded) query string.
    /// - Throws: ``ConnectError`` 400 naming what is wrong, never echoing a value.
    public static func parse(_ raw: String) throws -> CallbackQuery {
        guard raw.utf8.count <= maximumLength else { throw ConnectError.invalid("the query string is too long") }
        var values: [String: String] = [:]
        for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = decode(parts.count == 2 ? parts[1] : "") else {
                throw ConnectError.invalid("the query string is not valid percent-encoded UTF-8")
            }
            guard ["state", "code", "error", "iss"].contains(name) else { continue }  // extra parameters are ignored (O4)
            guard values[name] == nil else { throw ConnectError.invalid("the parameter \(name) appears more than once") }
            guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw ConnectError.invalid("the parameter \(name) contains control characters")
            }
            values[name] = value
        }
        let query = CallbackQuery(state: values["state"], code: values["code"], error: values["error"], issuer: values["iss"])
        if query.code != nil, query.error != nil { throw ConnectError.invalid("a callback carries either code or error, not both") }
        if let code = query.code, code.isEmpty || code.utf8.count > maximumCodeLength {
            throw ConnectError.invalid("code must be 1 to \(maximumCodeLength) bytes")
        }
        if query.code == nil, query.error == nil { throw ConnectError.invalid("code is missing") }
        if let error = query.error, error.isEmpty || error.utf8.count > 64 { throw ConnectError.invalid("error is malformed") }
        return query
    }

    /// True when `state` has the shape Tether issues: 32 bytes in unpadded base64url (43 characters).
    public var hasWellFormedState: Bool {
        guard let state, state.utf8.count == 43 else { return false }
        return state.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2D || byte == 0x5F
        }
    }

    private static func decode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(0x20)
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
