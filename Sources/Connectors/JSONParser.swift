/// A strict JSON (RFC 8259) reader straight from bytes into ``JSONValue``. Provider pages are the sync
/// engine's hottest input: decoding them through `JSONDecoder` (which tries each type in turn and throws
/// for every miss) cost more CPU than everything else a page goes through. Nesting is capped, so a
/// hostile document cannot exhaust the stack.
struct JSONParser {
    static let maximumDepth = 256

    private let bytes: [UInt8]
    private var position = 0
    /// The members and items of the objects and arrays being read, innermost last: each is gathered here
    /// and copied out once, at its exact size, instead of growing an array of its own step by step.
    private var pendingMembers: [JSONObject.Element] = []
    private var pendingItems: [JSONValue] = []

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The document in `bytes`, or `nil` when it is not exactly one JSON value (surrounding whitespace allowed).
    static func parse(_ bytes: [UInt8]) -> JSONValue? {
        var parser = JSONParser(bytes)
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipWhitespace()
        return parser.position == bytes.count ? value : nil
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) -> JSONValue? {
        skipWhitespace()
        guard position < bytes.count, depth < Self.maximumDepth else { return nil }
        switch bytes[position] {
        case UInt8(ascii: "{"): return object(depth: depth)
        case UInt8(ascii: "["): return array(depth: depth)
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "n"): return literal("null", .null)
        default: return number()
        }
    }

    private mutating func literal(_ text: StaticString, _ value: JSONValue) -> JSONValue? {
        let count = text.utf8CodeUnitCount
        guard position + count <= bytes.count else { return nil }
        for offset in 0..<count where bytes[position + offset] != text.utf8Start[offset] { return nil }
        position += count
        return value
    }

    private mutating func object(depth: Int) -> JSONValue? {
        position += 1
        // Gathered first and sorted once; a repeated key keeps its last value.
        let start = pendingMembers.count
        defer { pendingMembers.removeSubrange(start...) }
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object([:])
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\""), let key = string() else { return nil }
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { return nil }
            position += 1
            guard let member = value(depth: depth + 1) else { return nil }
            pendingMembers.append((key: key, value: member))
            skipWhitespace()
            guard position < bytes.count else { return nil }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            guard bytes[position] == UInt8(ascii: "}") else { return nil }
            position += 1
            return .object(JSONObject(unordered: Array(pendingMembers[start...])))
        }
    }

    private mutating func array(depth: Int) -> JSONValue? {
        position += 1
        let start = pendingItems.count
        defer { pendingItems.removeSubrange(start...) }
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array([])
        }
        while true {
            guard let item = value(depth: depth + 1) else { return nil }
            pendingItems.append(item)
            skipWhitespace()
            guard position < bytes.count else { return nil }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            guard bytes[position] == UInt8(ascii: "]") else { return nil }
            position += 1
            return .array(Array(pendingItems[start...]))
        }
    }

    /// A string starting at the opening quote; escapes decoded, raw control characters and invalid UTF-8 refused.
    private mutating func string() -> String? {
        position += 1
        var text = ""
        while position < bytes.count {
            let runStart = position
            var combined: UInt8 = 0
            while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") {
                guard bytes[position] >= 0x20 else { return nil }
                combined |= bytes[position]
                position += 1
            }
            if position > runStart {
                guard let run = Self.text(bytes[runStart..<position], isASCII: combined < 0x80) else { return nil }
                if text.isEmpty { text = run } else { text += run }
            }
            guard position < bytes.count else { return nil }
            if bytes[position] == UInt8(ascii: "\"") {
                position += 1
                return text
            }
            guard let scalar = escape() else { return nil }
            text.unicodeScalars.append(scalar)
        }
        return nil
    }

    /// The text of a run of bytes, or `nil` when they are not valid UTF-8. ASCII (most of any page) needs no
    /// validation; otherwise decoding must give back the very bytes, which it does only for valid UTF-8
    /// (invalid sequences come back as U+FFFD). Both avoid the generic validating initializer, whose
    /// unspecialized metadata lookups cost more than the decoding.
    private static func text(_ run: ArraySlice<UInt8>, isASCII: Bool) -> String? {
        run.withUnsafeBufferPointer { buffer in
            let decoded = String(decoding: buffer, as: UTF8.self)
            return isASCII || decoded.utf8.elementsEqual(buffer) ? decoded : nil
        }
    }

    /// One escape sequence starting at the backslash; a `\u` surrogate pair becomes one scalar.
    private mutating func escape() -> Unicode.Scalar? {
        guard position + 1 < bytes.count else { return nil }
        let kind = bytes[position + 1]
        position += 2
        switch kind {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            guard let unit = hex4() else { return nil }
            if (0xD800..<0xDC00).contains(unit) {
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else { return nil }
                position += 2
                guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
            }
            return Unicode.Scalar(unit)
        default: return nil
        }
    }

    private mutating func hex4() -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for byte in bytes[position..<(position + 4)] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        position += 4
        return value
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`: an integer when it has neither fraction nor
    /// exponent and fits, else a double.
    private mutating func number() -> JSONValue? {
        let start = position
        func digits() -> Int {
            let first = position
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
            return position - first
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        let integerDigits = digits()
        guard integerDigits > 0, integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else { return nil }
        var isInteger = true
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { return nil }
            isInteger = false
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { return nil }
            isInteger = false
        }
        // Up to 18 digits always fit an Int: read them straight from the bytes.
        if isInteger, integerDigits <= 18 {
            var value = 0
            for byte in bytes[integerStart..<position] { value = value * 10 + Int(byte - UInt8(ascii: "0")) }
            return .integer(bytes[start] == UInt8(ascii: "-") ? -value : value)
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if isInteger, let integer = Int(text) { return .integer(integer) }
        return Double(text).map(JSONValue.number)
    }
}
