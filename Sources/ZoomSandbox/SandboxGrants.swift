import Foundation
import NIOConcurrencyHelpers
import Vault

/// Who a token speaks for.
struct SandboxPrincipal: Sendable, Hashable {
    let clientID: String
    let accountIndex: Int
    /// The signed-in user; for server-to-server tokens, the account owner.
    let userIndex: Int
}

/// What a valid access token carries.
struct SandboxAccess: Sendable {
    let principal: SandboxPrincipal
    let scopes: [String]
}

/// Everything the OAuth side of the sandbox remembers: consent requests, codes, tokens and counters.
/// Tokens are random; only this state knows what they mean, as with Zoom.
final class SandboxGrants: Sendable {
    struct PendingConsent: Sendable {
        let clientID: String
        let redirectURI: String
        let state: String?
        let challenge: String?
        let challengeMethod: String
        let expiresAt: Date
    }

    struct Code: Sendable {
        let principal: SandboxPrincipal
        let redirectURI: String
        let challenge: String?
        let challengeMethod: String
        let expiresAt: Date
        var used: Bool
    }

    struct AccessRecord: Sendable {
        let principal: SandboxPrincipal
        let scopes: [String]
        let expiresAt: Date
        let generation: Int
    }

    struct RefreshRecord: Sendable {
        let principal: SandboxPrincipal
        let scopes: [String]
        let generation: Int
    }

    /// Counters tests and benchmarks read to assert what a client did.
    struct Counters: Sendable, Codable {
        var tokenRequests = 0
        var authorizationCodesExchanged = 0
        var refreshes = 0
        var accountCredentialTokens = 0
        var revocations = 0
        var rejectedTokenRequests = 0
    }

    private struct State {
        var consents: [String: PendingConsent] = [:]
        var codes: [String: Code] = [:]
        var access: [String: AccessRecord] = [:]
        var refresh: [String: RefreshRecord] = [:]
        /// The newest authorization per app and user: tokens of older generations stop working
        /// (re-authorizing revokes earlier tokens; Zoom's "last issued wins").
        var generations: [SandboxPrincipal: Int] = [:]
        var counters = Counters()
    }

    private let state = NIOLockedValueBox(State())

    /// Remembers an authorization request awaiting the person's decision; returns its id.
    func addConsent(_ consent: PendingConsent) throws -> String {
        let id = try SecureRandom.token(byteCount: 16)
        state.withLockedValue { $0.consents[id] = consent }
        return id
    }

    /// Takes (and forgets) a pending consent; `nil` when unknown or expired.
    func takeConsent(_ id: String, now: Date) -> PendingConsent? {
        state.withLockedValue { state in
            guard let consent = state.consents.removeValue(forKey: id), consent.expiresAt > now else { return nil }
            return consent
        }
    }

    func issueCode(_ code: Code) throws -> String {
        let value = try SecureRandom.token(byteCount: 24)
        state.withLockedValue { $0.codes[value] = code }
        return value
    }

    /// Marks a code used and returns it as it was before; `nil` when unknown.
    func redeemCode(_ value: String) -> Code? {
        state.withLockedValue { state in
            guard var code = state.codes[value] else { return nil }
            let before = code
            code.used = true
            state.codes[value] = code
            return before
        }
    }

    /// Issues an access token (and a refresh token unless `withRefresh` is false). A new authorization
    /// (`newGeneration`) invalidates every earlier token of the same app and user.
    func issueTokens(
        for principal: SandboxPrincipal, scopes: [String], lifetime: TimeInterval, now: Date, withRefresh: Bool, newGeneration: Bool
    ) throws -> (access: String, refresh: String?) {
        let access = "sbx." + (try SecureRandom.token())
        let refresh = withRefresh ? "sbxr." + (try SecureRandom.token()) : nil
        state.withLockedValue { state in
            var generation = state.generations[principal] ?? 0
            if newGeneration {
                generation += 1
                state.generations[principal] = generation
            }
            state.access[access] = AccessRecord(
                principal: principal, scopes: scopes, expiresAt: now.addingTimeInterval(lifetime), generation: generation)
            if let refresh { state.refresh[refresh] = RefreshRecord(principal: principal, scopes: scopes, generation: generation) }
        }
        return (access, refresh)
    }

    /// Consumes a refresh token: it works once, and only while its authorization is the newest.
    func consumeRefresh(_ token: String, clientID: String) -> RefreshRecord? {
        state.withLockedValue { state in
            guard let record = state.refresh[token], record.principal.clientID == clientID,
                record.generation == state.generations[record.principal]
            else { return nil }
            state.refresh.removeValue(forKey: token)
            return record
        }
    }

    enum AccessCheck {
        case valid(SandboxAccess)
        case expired
        case invalid
    }

    func checkAccess(_ token: String, now: Date) -> AccessCheck {
        state.withLockedValue { state in
            guard let record = state.access[token] else { return .invalid }
            if let current = state.generations[record.principal], current != record.generation { return .invalid }
            guard record.expiresAt > now else { return .expired }
            return .valid(SandboxAccess(principal: record.principal, scopes: record.scopes))
        }
    }

    /// Revokes the authorization a token belongs to (its access and refresh tokens), if the token is the
    /// client's own. Returns true when something was revoked.
    @discardableResult
    func revoke(token: String, clientID: String) -> Bool {
        state.withLockedValue { state in
            let principal = state.access[token]?.principal ?? state.refresh[token]?.principal
            guard let principal, principal.clientID == clientID else { return false }
            state.access = state.access.filter { $0.value.principal != principal }
            state.refresh = state.refresh.filter { $0.value.principal != principal }
            state.counters.revocations += 1
            return true
        }
    }

    /// Revokes every token of an app in an account (what removing the app from the account does).
    func revokeAll(clientID: String, accountIndex: Int) {
        state.withLockedValue { state in
            let matches: (SandboxPrincipal) -> Bool = { $0.clientID == clientID && $0.accountIndex == accountIndex }
            state.access = state.access.filter { !matches($0.value.principal) }
            state.refresh = state.refresh.filter { !matches($0.value.principal) }
        }
    }

    func count(_ update: (inout Counters) -> Void) {
        state.withLockedValue { update(&$0.counters) }
    }

    var counters: Counters { state.withLockedValue { $0.counters } }
}
