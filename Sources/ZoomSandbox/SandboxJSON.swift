import Foundation

/// Writes the sandbox's plain values (dictionaries, arrays, strings, numbers, booleans, `NSNull`) as JSON
/// with sorted keys and unescaped slashes. Foundation's serializer took a third of a millisecond per user on
/// Linux, which made the sandbox, not Tether, the bottleneck of every large sync; this writes the same text
/// directly into bytes.
enum SandboxJSON {
    static func data(_ value: Any) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(4_096)
        write(value, into: &out)
        return Data(out)
    }

    private static func write(_ value: Any, into out: inout [UInt8]) {
        switch value {
        // Strings first: most values are, and each failed cast of an `Any` costs a runtime call.
        case let text as String: writeString(text, into: &out)
        // Exact types: a bridged NSNumber (from parsed JSON) would also cast to Bool, Int and Double.
        case let flag as Bool where type(of: value) == Bool.self: out.append(contentsOf: (flag ? "true" : "false").utf8)
        case let number as Int where type(of: value) == Int.self: out.append(contentsOf: String(number).utf8)
        case let number as Double where type(of: value) == Double.self: out.append(contentsOf: (number.isFinite ? String(number) : "0").utf8)
        case let object as [String: Any]:
            out.append(UInt8(ascii: "{"))
            for (position, member) in object.sorted(by: { $0.key < $1.key }).enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(member.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case let array as [Any]:
            out.append(UInt8(ascii: "["))
            for (position, element) in array.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case is NSNull: out.append(contentsOf: "null".utf8)
        default:
            // Anything else (NSNumber from parsed JSON, other integer widths): Foundation's own rendering.
            let wrapped = (try? JSONSerialization.data(withJSONObject: [value], options: [.withoutEscapingSlashes])) ?? Data("[null]".utf8)
            out.append(contentsOf: wrapped.dropFirst().dropLast())
        }
    }

    private static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        let verbatim = text.withUTF8 { bytes in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if verbatim {
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20: out.append(contentsOf: Array(String(format: "\\u%04x", byte).utf8))
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
