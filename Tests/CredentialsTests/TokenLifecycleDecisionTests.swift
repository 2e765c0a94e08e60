import Foundation
import OAuth
import Store
import Testing

@testable import Credentials

/// Every branch of the token lifecycle's decision, from stored facts alone: no database, no provider.
@Suite("Token lifecycle decisions")
struct TokenLifecycleDecisionTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// A connection whose stored token is due for a refresh and that can refresh.
    func facts(_ mode: ConnectionMode = .custom, _ change: (inout TokenLifecycle.Facts) -> Void = { _ in }) -> TokenLifecycle.Facts {
        var facts = TokenLifecycle.Facts(
            provider: "zoom", status: .active, mode: mode, force: false, refreshedSinceRead: false, storedTokenNeedsRefresh: true,
            nextAttemptAt: nil, now: Self.now, hasConnector: true, platformAppMatches: true, hasClientSecret: true, hasRefreshToken: true)
        change(&facts)
        return facts
    }

    @Test("a stored token with time left is used as it is; forcing past it asks for a new one unless another caller just refreshed")
    func storedToken() {
        #expect(TokenLifecycle.step(facts { $0.storedTokenNeedsRefresh = false }) == .useStoredToken)
        #expect(
            TokenLifecycle.step(
                facts {
                    $0.storedTokenNeedsRefresh = false; $0.force = true
                }) == .request(.refreshToken))
        #expect(
            TokenLifecycle.step(
                facts {
                    $0.storedTokenNeedsRefresh = false; $0.force = true; $0.refreshedSinceRead = true
                }) == .useStoredToken)
    }

    @Test("each mode asks for its own grant: a refresh token for browser connects, account credentials for server-to-server")
    func grants() {
        #expect(TokenLifecycle.step(facts(.platform)) == .request(.refreshToken))
        #expect(TokenLifecycle.step(facts(.custom)) == .request(.refreshToken))
        #expect(TokenLifecycle.step(facts(.serverToServer) { $0.hasRefreshToken = false }) == .request(.accountCredentials))
    }

    @Test("only active, disabled and errored connections refresh; pending, revoked and needs_reauth ones are refused without a call")
    func statuses() {
        for status in ConnectionStatus.allCases {
            let step = TokenLifecycle.step(facts { $0.status = status })
            if [.active, .disabled, .error].contains(status) {
                #expect(step == .request(.refreshToken), "\(status)")
            } else {
                #expect(step == .refuse(TokenError(.unavailable, "the connection is \(status)")), "\(status)")
            }
        }
    }

    @Test("after a failed refresh, callers wait for the next attempt unless they force one")
    func backoffWindow() {
        let later = Self.now.addingTimeInterval(60)
        guard case .refuse(let error) = TokenLifecycle.step(facts { $0.nextAttemptAt = later }) else {
            Issue.record("a caller inside the backoff window was not refused")
            return
        }
        #expect(error.kind == .transient)
        #expect(
            TokenLifecycle.step(
                facts {
                    $0.nextAttemptAt = later; $0.force = true
                }) == .request(.refreshToken))
        #expect(TokenLifecycle.step(facts { $0.nextAttemptAt = Self.now.addingTimeInterval(-1) }) == .request(.refreshToken))
    }

    @Test("what can never refresh again needs re-authorization: a changed platform app, a missing secret or refresh token")
    func reauthorization() {
        let cases: [(TokenLifecycle.Facts, String)] = [
            (facts(.platform) { $0.platformAppMatches = false }, "the platform app that authorized this connection is no longer configured"),
            (facts(.custom) { $0.hasClientSecret = false }, "the client secret is missing"),
            (facts(.serverToServer) { $0.hasClientSecret = false }, "the client secret is missing"),
            (facts(.custom) { $0.hasRefreshToken = false }, "no refresh token is stored"),
        ]
        for (facts, reason) in cases {
            guard case .reauthorize(let said, let error) = TokenLifecycle.step(facts) else {
                Issue.record("\(facts.mode): not a re-authorization")
                continue
            }
            #expect(said == reason)
            #expect(error.kind == .needsReauthorization)
        }
        #expect(TokenLifecycle.step(facts(.platform) { $0.hasClientSecret = false }) == .request(.refreshToken), "platform secrets are Tether's own")
    }

    @Test("a provider without a connector is refused")
    func unknownProvider() {
        #expect(TokenLifecycle.step(facts { $0.hasConnector = false }) == .refuse(TokenError(.unavailable, "no connector for zoom")))
    }

    @Test("invalid_grant and invalid_client end in re-authorization; other failures retry later, keeping an unexpired token in use")
    func failures() {
        #expect(
            TokenLifecycle.outcome(of: .invalidGrant, refreshFailures: 0, storedTokenExpiresAt: nil, now: Self.now)
                == .reauthorize(reason: "the provider rejected the refresh token (invalid_grant); an admin must reconnect"))
        #expect(
            TokenLifecycle.outcome(of: .invalidClient, refreshFailures: 3, storedTokenExpiresAt: nil, now: Self.now)
                == .reauthorize(reason: "the provider rejected the client credentials (invalid_client); an admin must reconnect"))
        for code in [OAuthError.Code.unreachable, .rejected, .invalidResponse] {
            #expect(
                TokenLifecycle.outcome(of: code, refreshFailures: 0, storedTokenExpiresAt: Self.now.addingTimeInterval(120), now: Self.now)
                    == .retryLater(at: Self.now.addingTimeInterval(30), storedTokenUsable: true))
            #expect(
                TokenLifecycle.outcome(of: code, refreshFailures: 0, storedTokenExpiresAt: Self.now, now: Self.now)
                    == .retryLater(at: Self.now.addingTimeInterval(30), storedTokenUsable: false))
        }
    }

    @Test("retries back off from 30 s, doubling, to at most an hour")
    func retrySchedule() {
        #expect((0...9).map(TokenLifecycle.retryDelay(afterFailures:)) == [30, 60, 120, 240, 480, 960, 1_920, 3_600, 3_600, 3_600])
    }

    @Test("refresh when less than min(300 s, half the lifetime) remains; a missing token or expiry always refreshes")
    func threshold() {
        func sealed(lifetime: TimeInterval, left: TimeInterval, token: Bool = true) -> SealedCredentials {
            SealedCredentials(
                accessToken: token ? Data([1]) : nil, accessTokenExpiresAt: Self.now.addingTimeInterval(left), refreshToken: nil,
                clientSecret: nil, keyID: "k", refreshedAt: Self.now.addingTimeInterval(left - lifetime))
        }
        #expect(!TokenLifecycle.needsRefresh(sealed(lifetime: 3_600, left: 301), now: Self.now))
        #expect(TokenLifecycle.needsRefresh(sealed(lifetime: 3_600, left: 299), now: Self.now))
        #expect(!TokenLifecycle.needsRefresh(sealed(lifetime: 60, left: 31), now: Self.now), "a 60 s token lasts until half its life")
        #expect(TokenLifecycle.needsRefresh(sealed(lifetime: 60, left: 29), now: Self.now))
        #expect(TokenLifecycle.needsRefresh(sealed(lifetime: 3_600, left: 3_000, token: false), now: Self.now))
        var noExpiry = sealed(lifetime: 3_600, left: 3_000)
        noExpiry.accessTokenExpiresAt = nil
        #expect(TokenLifecycle.needsRefresh(noExpiry, now: Self.now))
    }
}
