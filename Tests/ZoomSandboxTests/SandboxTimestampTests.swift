import Foundation
import Testing

@testable import ZoomSandbox

@Suite("Zoom sandbox: timestamps")
struct SandboxTimestampTests {
    @Test("timestamps are Zoom's UTC ISO 8601 form, equal to Foundation's formatter across eras, leap days and before 1970")
    func matchesFoundation() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var random = SystemRandomNumberGenerator()
        let fixed: [Double] = [0, -1, 951_782_400, 951_868_799, 1_709_164_800, 4_107_542_399, -2_208_988_800, 1_767_225_599.9]
        let randomSeconds = (0..<2_000).map { _ in Double(Int64.random(in: -5_000_000_000...8_000_000_000, using: &random)) }
        for seconds in fixed + randomSeconds {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(SandboxHTTP.timestamp(date) == formatter.string(from: date), "\(seconds)")
        }
    }
}

@Suite("Zoom sandbox: JSON")
struct SandboxJSONTests {
    @Test("the sandbox's JSON reads back as what was written: escapes, other scripts, nesting, numbers, null")
    func roundTrips() throws {
        let value: [String: Any] = [
            "text": "quote \" backslash \\ slash / newline \n tab \t bell \u{07} Łukasz 李 🙂", "int": -42, "double": 14.99,
            "flag": true, "none": NSNull(), "list": [1, "two", ["three": 3]], "empty": [String: Any](), "nested": ["z": 1, "a": [Int]()],
        ]
        let data = SandboxJSON.data(value)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasPrefix(#"{"double":14.99,"empty":{},"flag":true,"int":-42,"list":[1,"two",{"three":3}],"nested":{"a":[],"z":1}"#))
        #expect(text.contains(#"slash / newline \n tab \t bell \u0007"#))
        let back = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(back["text"] as? String == value["text"] as? String)
        #expect(back["none"] is NSNull)
        #expect((back["double"] as? Double) == 14.99)
        // Values parsed from JSON (NSNumber) keep their kind.
        #expect(String(decoding: SandboxJSON.data(back["list"]!), as: UTF8.self) == #"[1,"two",{"three":3}]"#)
        #expect(String(decoding: SandboxJSON.data([back["flag"]!, back["int"]!]), as: UTF8.self) == "[true,-42]")
    }
}
