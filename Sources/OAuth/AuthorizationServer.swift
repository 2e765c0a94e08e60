public import Sensitive

/// Where an OAuth authorization server lives. Each provider has one; the callback compares `issuer` with
/// the one stored for the flow (mix-up defence, RFC 9207), and the token endpoint always comes from here,
/// never from a request.
public struct AuthorizationServer: Sendable, Hashable {
    /// The issuer identifier, compared by exact string match.
    public var issuer: String
    /// The browser-facing authorization endpoint.
    public var authorizeURL: String
    /// The token endpoint (code exchange, refresh, client credentials).
    public var tokenURL: String
    /// The revocation endpoint.
    public var revokeURL: String

    public init(issuer: String, authorizeURL: String, tokenURL: String, revokeURL: String) {
        self.issuer = issuer
        self.authorizeURL = authorizeURL
        self.tokenURL = tokenURL
        self.revokeURL = revokeURL
    }
}

/// An OAuth client (an app at the provider). The secret only ever travels in HTTP Basic to the token and
/// revocation endpoints.
public struct ClientCredentials: Sendable, Hashable {
    public var clientID: String
    public var clientSecret: Secret

    public init(clientID: String, clientSecret: Secret) {
        self.clientID = clientID
        self.clientSecret = clientSecret
    }
}
