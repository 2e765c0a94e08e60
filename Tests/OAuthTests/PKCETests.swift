import OAuth
import Sensitive
import TestSupport
import Testing

@Suite struct PKCETests {
    /// RFC 7636 Appendix B.
    @Test func challenge_matches_the_rfc7636_appendix_b_vector() {
        let verifier = Secret("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        #expect(PKCE.challenge(for: verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        Figures.record("pkce.rfc7636_appendix_b", "pass")
    }

    @Test func verifiers_are_43_unreserved_characters_and_never_repeat() throws {
        var seen: Set<String> = []
        for _ in 0..<1000 {
            let verifier = try PKCE.makeVerifier().unsafeValue
            #expect(verifier.count == 43)
            #expect(verifier.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) })
            seen.insert(verifier)
        }
        #expect(seen.count == 1000)
    }
}
