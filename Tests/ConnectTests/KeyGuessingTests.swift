import CurlHTTP
import Foundation
import Server
import TestSupport
import Testing

/// Guessing API keys costs the guesser's address (issue 18, finding 3).
@Suite("Rate limits against key guessing", .enabled(if: TestDatabase.isAvailableOrRequired))
struct KeyGuessingTests {
    @Test("each failed authentication costs the address a token; past its burst every key it tries gets 429, however the path is spelled")
    func guessesRunOut() async throws {
        let limits = RateLimits(perAPIKey: RateLimit(perSecond: 0.01, burst: 100), perAddress: RateLimit(perSecond: 0.01, burst: 3))
        try await withHarness(rateLimits: limits) { h in
            var statuses: [Int] = []
            for guess in 0..<6 {
                statuses.append(try await h.api("GET", "/v1/tenants/acme/users", key: "tk_guess_\(guess)_\(UUID().uuidString)").status)
            }
            #expect(statuses.prefix(3).allSatisfy { $0 == 401 }, "\(statuses)")
            #expect(statuses.suffix(3).allSatisfy { $0 == 429 }, "\(statuses)")
            let spelled = try await h.http.execute(
                HTTPClientRequest(url: h.base + "//v1/tenants/acme/users", headers: [HTTPHeader("Authorization", "bearer tk_other")]))
            #expect(spelled.status == 429, "another spelling of the path is the same limit")
            Figures.count("ratelimit.bypass_attempts", statuses.count + 1)
        }
    }
}
