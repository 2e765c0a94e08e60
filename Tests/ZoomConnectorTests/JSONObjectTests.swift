import Connectors
import Testing

@Suite("JSON objects kept sorted by key")
struct JSONObjectTests {
    /// Keys that sort differently by bytes and by Swift's string order, and two spellings of "é".
    static let keyAlphabet = ["a", "b", "Z", "_", "é", "e\u{301}", "李", "🙂", "a1", "ab", "", " ", "A"]

    /// One to three pieces of the alphabet. A plain loop: under ThreadSanitizer, a closure that captured the
    /// generator `inout` crashed the sanitizer itself (SEGV in its access hook).
    static func randomKey(_ random: inout SystemRandomNumberGenerator) -> String {
        var key = ""
        for _ in 0..<Int.random(in: 1...3, using: &random) { key += keyAlphabet[Int.random(in: 0..<keyAlphabet.count, using: &random)] }
        return key
    }

    @Test("5,000 random objects parsed in any key order agree with a map keyed by bytes: lookups, last of a repeated key, canonical text")
    func agreesWithByteKeyedMap() throws {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            var members: [(String, Int)] = []
            for index in 0..<Int.random(in: 0..<12, using: &random) { members.append((Self.randomKey(&random), index)) }
            let text = "{" + members.map { "\(JSONValue.string($0.0).canonicalText):\($0.1)" }.joined(separator: ",") + "}"
            let parsed = try #require(JSONValue.parse(Array(text.utf8)), "\(text)")
            let reference = Dictionary(members.map { (Array($0.0.utf8), $0.1) }, uniquingKeysWith: { _, last in last })
            let object = try #require(parsed.object)
            #expect(object.count == reference.count, "\(text)")
            for (key, value) in reference {
                #expect(parsed[String(decoding: key, as: UTF8.self)] == .integer(value), "\(key) in \(text)")
            }
            #expect(parsed[Self.randomKey(&random) + "?"] == nil)
            let sorted = reference.sorted { $0.key.lexicographicallyPrecedes($1.key) }
            let written = sorted.map { "\(JSONValue.string(String(decoding: $0.key, as: UTF8.self)).canonicalText):\($0.value)" }
            #expect(parsed.canonicalText == "{" + written.joined(separator: ",") + "}", "\(text)")
            // The writer this replaced sorted a dictionary's keys with Swift's `<`: for composed keys, the same order.
            let keys = sorted.map { String(decoding: $0.key, as: UTF8.self) }
            if !text.contains("e\u{301}") { #expect(keys == keys.sorted(), "\(text)") }
        }
    }

    @Test("two spellings of one accented key stay two members, as PostgreSQL's jsonb keeps them")
    func equivalentSpellingsStayApart() throws {
        let parsed = try #require(JSONValue.parse(Array(#"{"\#u{e9}":1,"e\#u{301}":2}"#.utf8)))
        #expect(parsed.object?.count == 2)
        #expect(parsed["\u{e9}"] == .integer(1) && parsed["e\u{301}"] == .integer(2))
        #expect(parsed.canonicalText == "{\"e\u{301}\":2,\"\u{e9}\":1}")
    }

    @Test("setting, replacing and removing members keeps the object sorted and equal to one built at once")
    func editsKeepOrder() {
        var object: JSONObject = [:]
        for key in ["m", "c", "x", "a", "c"] { object[key] = .string(key + "!") }
        object["x"] = nil
        object["missing"] = nil
        #expect(object.keys == ["a", "c", "m"])
        #expect(object == ["m": .string("m!"), "a": .string("a!"), "c": .string("c!")])
        #expect(object.hashValue == JSONObject(["c": .string("c!"), "a": .string("a!"), "m": .string("m!")]).hashValue)
        #expect(JSONValue.object(object).canonicalText == #"{"a":"a!","c":"c!","m":"m!"}"#)
        #expect(object.filter { $0.key != "c" }.keys == ["a", "m"])
        #expect(object.mapValues { _ in .null }["m"] == .null)
        #expect(object != object.mapValues { _ in .null })
    }

    @Test("an object of 200,000 keys in reverse order parses, each key found once")
    func largeUnorderedObject() throws {
        let count = 200_000
        let text = "{" + (0..<count).reversed().map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k7\":-7}"
        let object = try #require(JSONValue.parse(Array(text.utf8))?.object)
        #expect(object.count == count)
        #expect(object["k7"] == .integer(-7) && object["k199999"] == .integer(199_999) && object["k200000"] == nil)
    }
}
