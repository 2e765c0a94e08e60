/// A connect request Tether refused, with the HTTP status to answer, a stable snake_case code and a message
/// written for the caller (never a token, code, state or secret).
public struct ConnectError: Error, Sendable, Hashable, CustomStringConvertible {
    public let status: Int
    public let code: String
    public let message: String

    public init(_ status: Int, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    static func invalid(_ message: String) -> ConnectError { ConnectError(400, "invalid_request", message) }

    public var description: String { "\(status) \(code): \(message)" }
}

/// The outcome codes a browser flow can end with (DESIGN §5). Only these ever reach a return URL or a page:
/// nothing a provider sent is reflected.
public enum ConnectOutcome: String, Sendable, CaseIterable {
    case connected
    case accessDenied = "access_denied"
    case ownerRequired = "owner_required"
    case invalidState = "invalid_state"
    case expired
    case tokenExchangeFailed = "token_exchange_failed"
    case invalidClient = "invalid_client"
    case identityFailed = "identity_failed"

    /// A sentence for the person in the browser.
    public var explanation: String {
        switch self {
        case .connected: "The account is connected."
        case .accessDenied: "The authorization was declined at the provider. Nothing was stored."
        case .ownerRequired: "Only the account owner may connect this account. Nothing was stored; ask the owner to connect it."
        case .invalidState: "This sign-in response does not belong to a connection started in this browser. Start again from the connect link."
        case .expired: "The connect link or sign-in has expired. Ask for a new connect link."
        case .tokenExchangeFailed: "The provider did not issue usable tokens. Nothing was stored; try again."
        case .invalidClient: "The provider rejected the app's client ID or secret. Check them and start again."
        case .identityFailed: "The provider did not say which account was authorized. Nothing was stored; try again."
        }
    }
}
