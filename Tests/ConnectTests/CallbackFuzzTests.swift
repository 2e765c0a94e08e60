import Credentials
import CurlHTTP
import Foundation
import TestSupport
import Testing
import ZoomSandbox

/// The OAuth callback's query parser under 100,000 generated queries (issue 7, SECURITY.md B1), and 1,000
/// of them sent to the running server: no crash, every refusal matches the rules, and a refused callback
/// writes no row and calls no token endpoint.
@Suite("Callback query fuzzing")
struct CallbackFuzzTests {
    static let names = ["state", "code", "error", "iss", "x", "state[]", "Code", "st%61te", "co+de", ""]

    static func randomValue(_ random: inout SeededRandom) -> String {
        let pieces = ["a", "Z", "0", "-", "_", "%20", "+", "%2B", "%zz", "%00", "%0A", "%C3%A9", "%C3%28", "%F0%9F%99%82", "%", "%E2%82", "=", "&"]
        switch Int.random(in: 0..<10, using: &random) {
        case 0: return ""
        case 1: return String(repeating: "c", count: Int.random(in: 500...530, using: &random))
        case 2: return String(repeating: "A", count: 43)
        case 3: return String(repeating: "v", count: Int.random(in: 2000...9000, using: &random))
        default: return (0..<Int.random(in: 1...12, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
        }
    }

    static func randomQuery(_ random: inout SeededRandom) -> String {
        (0..<Int.random(in: 0...5, using: &random)).map { _ in
            let name = names.randomElement(using: &random)!
            return Int.random(in: 0..<10, using: &random) == 0 ? name : "\(name)=\(randomValue(&random))"
        }.joined(separator: Bool.random(using: &random) ? "&" : "&&")
    }

    /// Decodes one query component the standard way (`+` is a space), for comparison.
    static func reference(_ component: Substring) -> String? {
        String(component).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    @Test("100,000 queries: accepted ones obey every rule, and each refusal has a reason the rules give")
    func fuzzQueries() throws {
        var random = SeededRandom(seed: 0xCA11_BAC4)
        var accepted = 0, refused = 0
        for index in 0..<100_000 {
            let raw = Self.randomQuery(&random)
            let pairs = raw.split(separator: "&").map { $0.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false) }
            let decoded = pairs.map { pair in (Self.reference(pair[0]), pair.count == 2 ? Self.reference(pair[1]) : "") }
            let wellEncoded = decoded.allSatisfy { $0.0 != nil && $0.1 != nil }
            let relevant = decoded.compactMap { pair in ["state", "code", "error", "iss"].contains(pair.0 ?? "") ? pair.0 : nil }
            do {
                let query = try CallbackQuery.parse(raw)
                accepted += 1
                #expect(raw.utf8.count <= 8192, "case \(index)")
                #expect(wellEncoded, "case \(index): accepted a query that is not valid percent-encoded UTF-8: \(raw.prefix(200))")
                #expect(Set(relevant).count == relevant.count, "case \(index): accepted a repeated parameter: \(raw.prefix(200))")
                #expect((query.code == nil) != (query.error == nil), "case \(index)")
                if let code = query.code { #expect((1...512).contains(code.utf8.count), "case \(index)") }
                for value in [query.state, query.code, query.error, query.issuer].compactMap({ $0 }) {
                    #expect(!value.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "case \(index): a control character passed")
                }
            } catch is ConnectError {
                refused += 1
            }
        }
        #expect(accepted > 1_000 && refused > 10_000, "\(accepted) accepted, \(refused) refused")
        Figures.count("fuzz.callbacks", accepted + refused)
    }

    @Test(
        "1,000 generated callbacks against the running server: never a 5xx, no row written, no token request",
        .enabled(if: TestDatabase.isAvailableOrRequired))
    func fuzzCallbacksOverHTTP() async throws {
        try await withHarness { h in
            var random = SeededRandom(seed: 0xB1_0B1)
            let tokenRequests = h.sandbox.tokenRequests
            for index in 0..<1_000 {
                let raw = Self.randomQuery(&random)
                let response = try await h.http.execute(HTTPClientRequest(url: h.base + "/oauth/callback/zoom?" + raw))
                #expect(response.status < 500, "case \(index): \(response.status) for \(raw.prefix(120))")
                #expect([303, 400, 414].contains(response.status), "case \(index): \(response.status)")
            }
            #expect(try await h.connectionRowCounts() == [0, 0, 0])
            #expect(h.sandbox.tokenRequests == tokenRequests)
            Figures.count("fuzz.callbacks_over_http", 1_000)
        }
    }
}
