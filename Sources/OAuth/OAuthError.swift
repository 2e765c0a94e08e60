/// Why a call to an authorization server failed. The reason is safe to log and to show: it names what was
/// wrong, never a token, code, verifier or secret.
public struct OAuthError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String {
            case invalidGrant = "invalid_grant"
            case invalidClient = "invalid_client"
            case rejected
            case invalidResponse = "invalid_response"
            case unreachable
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The grant (code or refresh token) is invalid, expired, used or revoked: retrying cannot help.
        public static let invalidGrant = Code(.invalidGrant)
        /// The client id or secret is wrong.
        public static let invalidClient = Code(.invalidClient)
        /// Any other OAuth error the server returned (`unsupported_grant_type`, `invalid_request`, ...).
        public static let rejected = Code(.rejected)
        /// The response broke the protocol (not JSON, a missing or ill-typed field, an HTML error page).
        public static let invalidResponse = Code(.invalidResponse)
        /// No usable response: a timeout, a refused connection, a TLS failure, a 5xx.
        public static let unreachable = Code(.unreachable)

        public var description: String { base.rawValue }
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// True when trying again later may succeed.
    public var isTransient: Bool { code == .unreachable }

    /// The error for an OAuth `error` value; only well-known codes are echoed.
    static func fromProvider(error: String) -> OAuthError {
        switch error {
        case "invalid_grant": return OAuthError(.invalidGrant, "the authorization server answered invalid_grant")
        case "invalid_client", "unauthorized_client": return OAuthError(.invalidClient, "the authorization server rejected the client credentials")
        default:
            let known = ["invalid_request", "unsupported_grant_type", "invalid_scope", "access_denied", "server_error", "temporarily_unavailable"]
            return OAuthError(.rejected, "the authorization server answered \(known.contains(error) ? error : "an error")")
        }
    }

    public var description: String { "\(code): \(reason)" }
}
