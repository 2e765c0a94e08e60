import Connectors
import CurlHTTP
import Foundation
import TestSupport
import Testing
import ZoomConnector

/// The Zoom page decoder under 100,000 generated and mutated pages (issue 7, SECURITY.md B4), fed through
/// the connector's own `readPage` as the body of Zoom's answer: reading a page never crashes; a page it
/// accepts yields records that are complete (an id, every column, raw JSON that reads back); anything else
/// is refused with a ConnectorError, which commits nothing.
@Suite("Zoom page decoder fuzzing")
struct PageDecoderFuzzTests {
    /// Cases per shard; four shards make 100,000.
    static let cases = 25_000
    static let connector = ZoomConnector(configuration: .init(), http: CurlHTTPClient())

    /// A users page with random field types where Zoom's fields go.
    static func randomPage(_ random: inout SeededRandom) -> [UInt8] {
        func field(_ random: inout SeededRandom) -> String {
            switch Int.random(in: 0..<8, using: &random) {
            case 0: return "null"
            case 1: return "\(Int.random(in: -1_000_000...1_000_000, using: &random))"
            case 2: return "\(Double(Int.random(in: -10_000...10_000, using: &random)) / 7)"
            case 3: return Bool.random(using: &random) ? "true" : "false"
            case 4: return "[\"g1\", 2, null]"
            case 5: return "{\"nested\": [1, {\"deeper\": \"x\"}]}"
            case 6: return "\"2026-11-\(Int.random(in: 1...40, using: &random))T10:00:00Z\""
            default: return "\"v\\u0000\\\"\\\\é🙂\(Int.random(in: 0...99, using: &random))\""
            }
        }
        let users = (0..<Int.random(in: 0..<6, using: &random)).map { _ in
            let id = Int.random(in: 0..<4, using: &random) == 0 ? field(&random) : "\"u\(Int.random(in: 0...999, using: &random))\""
            let fields = ["email", "first_name", "type", "status", "group_ids", "last_login_time", "role_id", "dept"]
                .map { "\"\($0)\": \(field(&random))" }.joined(separator: ", ")
            return "{\"id\": \(id), \(fields)}"
        }
        let token = Bool.random(using: &random) ? "\"next_page_token\": \"t\(Int.random(in: 0...9, using: &random))\", " : ""
        return Array("{\(token)\"page_size\": 300, \"users\": [\(users.joined(separator: ", "))]}".utf8)
    }

    /// Zoom's side of the exchange, answering every request with the page under test.
    struct Answer: ProviderAPI {
        let body: [UInt8]
        func send(_ request: APIRequest) async throws -> [UInt8] { body }
    }

    @Test("100,000 pages in 4 seeded shards: no crash, accepted pages give complete records, the rest are refused cleanly", arguments: 0..<4)
    func fuzzPages(shard: Int) async throws {
        var random = SeededRandom(seed: 0x7E7_4E12 &+ UInt64(shard))
        var accepted = 0, refused = 0, unreadable = 0
        var corpus = [Self.randomPage(&random)]
        for index in shard * Self.cases..<(shard + 1) * Self.cases {
            let bytes: [UInt8]
            if index % 1000 == 999 {
                bytes = Self.pathological[(index / 1000) % Self.pathological.count]
            } else if index % 2 == 0 {
                bytes = Self.randomPage(&random)
            } else {
                bytes = random.mutated(corpus.randomElement(using: &random)!)
            }
            // Mutants of mutants explore further; the huge pathological inputs stay out of the pool.
            if index % 1000 != 999, bytes.count <= 8192 {
                if corpus.count < 64 { corpus.append(bytes) } else { corpus[Int.random(in: 0..<64, using: &random)] = bytes }
            }
            if JSONValue.parse(bytes) == nil { unreadable += 1 }
            do {
                let page = try await Self.connector.readPage(stream: "users", cursor: nil, window: nil, api: Answer(body: bytes))
                for record in page.records {
                    #expect(!record.remoteID.isEmpty, "shard \(shard) case \(index)")
                    #expect(record.values.count == RecordTable.users.columns.count, "case \(index)")
                    #expect(JSONValue.parse(Array(record.raw.utf8)) != nil, "case \(index): raw JSON must read back")
                }
                accepted += 1
            } catch is ConnectorError {
                refused += 1
            }
        }
        #expect(accepted + refused == Self.cases)
        Figures.count("fuzz.pages", accepted + refused)
        #expect(
            accepted > Self.cases / 10 && refused > unreadable && unreadable > Self.cases / 10,
            "\(accepted) accepted, \(refused) refused (\(unreadable) not JSON)")
    }

    /// Inputs no mutation reaches quickly: nesting 10,000 deep, a 100,000-element array, invalid UTF-8,
    /// huge numbers, a lone surrogate, a NUL byte, a list that is not one.
    static let pathological: [[UInt8]] = [
        Array(String(repeating: "[", count: 10_000).utf8),
        Array(("{\"users\": [" + Array(repeating: "1", count: 100_000).joined(separator: ",") + "]}").utf8),
        Array("{\"users\": [{\"id\": \"".utf8) + [0xC3, 0x28, 0xFF] + Array("\"}]}".utf8),
        Array("{\"users\": [{\"id\": 1e999999, \"type\": 123456789012345678901234567890}]}".utf8),
        Array("{\"users\": [{\"id\": \"\\ud800\"}]}".utf8),
        Array("{\"users\": [{\"id\": \"a".utf8) + [0] + Array("b\"}]}".utf8),
        Array("{\"users\": {\"id\": \"not a list\"}}".utf8),
    ]
}
