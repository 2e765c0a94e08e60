import Connectors
import Foundation
import Testing

@Suite("Reading provider JSON")
struct JSONParserTests {
    /// A random document of plain values, as a provider might send.
    static func randomValue(_ random: inout some RandomNumberGenerator, depth: Int = 0) -> Any {
        let pick = Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &random)
        switch pick {
        case 0: return NSNull()
        case 1: return Bool.random(using: &random)
        case 2: return Int.random(in: -1_000_000_000_000...1_000_000_000_000, using: &random)
        case 3: return Double(Int.random(in: -100_000...100_000, using: &random)) / 64
        case 4:
            let alphabet = Array("aZ09 \"\\/\n\t\u{01}é李🙂-_.")
            return String((0..<Int.random(in: 0..<12, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
        case 5: return (0..<Int.random(in: 0..<5, using: &random)).map { _ in randomValue(&random, depth: depth + 1) }
        default:
            var object: [String: Any] = [:]
            for index in 0..<Int.random(in: 0..<5, using: &random) {
                object["k\(index)\(Bool.random(using: &random) ? "é" : "")"] = randomValue(&random, depth: depth + 1)
            }
            return object
        }
    }

    @Test("10,000 random documents written by Foundation read back to the same value")
    func agreesWithFoundation() throws {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            let document = ["page": Self.randomValue(&random)]
            let data = try JSONSerialization.data(withJSONObject: document, options: Bool.random() ? [.prettyPrinted] : [])
            let parsed = try #require(JSONValue.parse(Array(data)), "\(String(decoding: data, as: UTF8.self))")
            let expected = try JSONDecoder().decode(JSONValue.self, from: data)
            #expect(parsed.canonicalText == expected.canonicalText)
        }
    }

    @Test("canonical text is byte for byte what the stored hashes were made from: escapes, U+0000 dropped, every other character as it is")
    func canonicalTextIsStable() throws {
        #expect(JSONValue.string("a\"b\\c\n\r\t\u{0}\u{1}\u{1f}é李🙂/").canonicalText == #""a\"b\\c\n\r\t\u0001\u001fé李🙂/""#)
        #expect(
            JSONValue.object(["b": .array([.integer(-3), .number(2.5), .null, .bool(false)]), "a": .object([:])]).canonicalText
                == #"{"a":{},"b":[-3,2.5,null,false]}"#)
        // Against the writer it replaced, which appended one scalar at a time: a change here would make every
        // stored record look changed to the next sync.
        func reference(_ text: String) -> String {
            var output = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": output += "\\\""
                case "\\": output += "\\\\"
                case "\n": output += "\\n"
                case "\r": output += "\\r"
                case "\t": output += "\\t"
                case "\u{0}": continue
                case _ where scalar.value < 0x20:
                    output += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                default: output.unicodeScalars.append(scalar)
                }
            }
            return output + "\""
        }
        var random = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            let text = String(
                String.UnicodeScalarView(
                    (0..<Int.random(in: 0..<16, using: &random)).compactMap { _ in
                        Unicode.Scalar(
                            Bool.random(using: &random)
                                ? UInt32.random(in: 0..<0x80, using: &random) : UInt32.random(in: 0..<0x1_0000, using: &random))
                    }))
            #expect(JSONValue.string(text).canonicalText == reference(text), "\(text.debugDescription)")
        }
    }

    @Test("escapes, surrogate pairs, numbers and whitespace read as JSON defines them")
    func details() throws {
        let text = #" {"a":"\u00e9\ud83d\ude42\n\"\/","b":[0,-1,2.5,1e3,-0.5E-2,9223372036854775807,9223372036854775808],"c":true,"d":null} "#
        let value = try #require(JSONValue.parse(Array(text.utf8)))
        #expect(value["a"]?.string == "é🙂\n\"/")
        #expect(value["b"]?.array?.map(\.canonicalText) == ["0", "-1", "2.5", "1000.0", "-0.005", "9223372036854775807", "9.223372036854776e+18"])
        #expect(value["c"] == .bool(true) && value["d"] == .null)
    }

    @Test(
        "anything that is not exactly one JSON document is refused",
        arguments: [
            "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[1 2]", "01", "-", "1.", ".5", "1e", "+1", "NaN", "Infinity",
            "tru", "nul", "\"open", "\"tab\there\"", "\"\\x\"", "\"\\u12\"", "\"\\ud83d\"", "\"\\ud83d\\u0041\"", "{} {}", "[1]]", "'a'",
        ])
    func refusals(text: String) {
        #expect(JSONValue.parse(Array(text.utf8)) == nil)
    }

    @Test("a repeated key keeps its last value; integers of up to 19 digits read exactly")
    func repeatedKeysAndLongIntegers() throws {
        let value = try #require(JSONValue.parse(Array(#"{"a":1,"b":2,"a":3}"#.utf8)))
        #expect(value == .object(["a": .integer(3), "b": .integer(2)]))
        let numbers = try #require(
            JSONValue.parse(Array("[999999999999999999,-999999999999999999,1000000000000000000,-9223372036854775808,-0]".utf8)))
        #expect(
            numbers
                == .array([
                    .integer(999_999_999_999_999_999), .integer(-999_999_999_999_999_999), .integer(1_000_000_000_000_000_000), .integer(Int.min),
                    .integer(0),
                ]))
    }

    @Test("invalid UTF-8 and nesting deeper than the cap are refused without crashing")
    func hostileInput() {
        #expect(JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) == nil)
        // Overlong, an encoded surrogate, truncated, and a stray continuation byte after an escape.
        for bytes: [UInt8] in [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0x5C, 0x6E, 0x80], [0x61, 0xF4, 0x90, 0x80, 0x80]] {
            #expect(JSONValue.parse([0x22] + bytes + [0x22]) == nil, "\(bytes)")
        }
        // U+FFFD itself is valid text.
        #expect(JSONValue.parse([0x22, 0xEF, 0xBF, 0xBD, 0x22]) == .string("\u{FFFD}"))
        #expect(JSONValue.parse(Array(String(repeating: "[", count: 100_000).utf8)) == nil)
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(JSONValue.parse(Array(deep.utf8)) != nil)
    }

    @Test("provider times read by hand agree with Foundation's ISO 8601 parser, which reads every other form")
    func timesAgreeWithFoundation() throws {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            let date = Date(timeIntervalSince1970: TimeInterval(Int.random(in: -2_000_000_000...5_000_000_000, using: &random)))
            let text = date.formatted(.iso8601)
            #expect(ISO8601Time.parse(text) == (try Date(text, strategy: .iso8601)), "\(text)")
        }
        for text in ["2026-02-29T10:00:00Z", "2024-02-29T23:59:59Z", "2026-11-02T09:15:00.123Z", "2026-11-02T09:15:00+02:00", "2026-12-31T00:00:00Z"]
        {
            #expect(ISO8601Time.parse(text) == (try? Date(text, strategy: .iso8601)), "\(text)")
        }
        for text in [
            "", "2026-11-02", "2026-13-02T09:15:00Z", "2026-11-02T24:00:00Z", "2026-11-02T09:60:00Z", "2026-11-02 09:15:00Z", "２026-11-02T09:15:00Z",
            "yesterday",
        ] {
            #expect(ISO8601Time.parse(text) == (try? Date(text, strategy: .iso8601)), "\(text)")
        }
    }
}
