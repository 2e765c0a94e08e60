import Foundation
public import Sensitive
public import Transport
import Vault

/// Talks to one authorization server: builds authorize URLs, exchanges codes, refreshes, mints
/// client-credentials tokens and revokes. Client secrets go only in HTTP Basic; redirects are never
/// followed; every call has a total timeout and a body cap.
public struct OAuthClient: Sendable {
    public let server: AuthorizationServer
    let http: any HTTPTransport
    /// Bound on each call; a refresh runs under a row lock, so this stays below the lock's patience.
    public var timeout: Duration = .seconds(15)
    /// Token responses are small; anything larger is refused.
    public var maximumResponseBytes = 64 * 1024

    public init(server: AuthorizationServer, http: any HTTPTransport) {
        self.server = server
        self.http = http
    }

    /// The URL to send the browser to. PKCE is always S256; the verifier never appears here.
    public func authorizationURL(client: ClientCredentials, redirectURI: String, state: Secret, codeChallenge: String) -> String {
        var components = URLComponents(string: server.authorizeURL)!
        components.percentEncodedQueryItems =
            (components.percentEncodedQueryItems ?? [])
            + [
                ("response_type", "code"), ("client_id", client.clientID), ("redirect_uri", redirectURI),
                ("state", state.unsafeValue), ("code_challenge", codeChallenge), ("code_challenge_method", PKCE.method),
            ].map { URLQueryItem(name: $0.0, value: Self.formEncode($0.1)) }
        return components.string!
    }

    /// Exchanges an authorization code, repeating the exact redirect URI and the PKCE verifier.
    public func exchangeCode(_ code: Secret, redirectURI: String, verifier: Secret, client: ClientCredentials) async throws -> TokenSet {
        try await tokenRequest(
            [
                ("grant_type", "authorization_code"), ("code", code.unsafeValue), ("redirect_uri", redirectURI),
                ("code_verifier", verifier.unsafeValue),
            ],
            client: client, requiresRefreshToken: true)
    }

    /// Uses a refresh token. A response without a refresh token leaves ``TokenSet/refreshToken`` nil: keep
    /// the old one.
    public func refresh(_ refreshToken: Secret, client: ClientCredentials) async throws -> TokenSet {
        try await tokenRequest(
            [("grant_type", "refresh_token"), ("refresh_token", refreshToken.unsafeValue)], client: client, requiresRefreshToken: false)
    }

    /// A client-credentials style grant; `fields` carry the provider's grant type and parameters.
    public func clientCredentials(_ fields: [(String, String)], client: ClientCredentials) async throws -> TokenSet {
        try await tokenRequest(fields, client: client, requiresRefreshToken: false)
    }

    /// Revokes a token at the server.
    public func revoke(_ token: Secret, client: ClientCredentials) async throws {
        let response = try await post(server.revokeURL, [("token", token.unsafeValue)], client: client)
        guard (200..<300).contains(response.status) else {
            if let body = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any], let error = body["error"] as? String {
                throw OAuthError.fromProvider(error: error)
            }
            throw response.status >= 500
                ? OAuthError(.unreachable, "the revocation endpoint answered \(response.status)")
                : OAuthError(.rejected, "the revocation endpoint answered \(response.status)")
        }
    }

    // MARK: - HTTP

    private func tokenRequest(_ fields: [(String, String)], client: ClientCredentials, requiresRefreshToken: Bool) async throws -> TokenSet {
        let response = try await post(server.tokenURL, fields, client: client)
        if response.status >= 500 || response.status == 429 {
            throw OAuthError(.unreachable, "the token endpoint answered \(response.status)")
        }
        if response.status != 200 {
            // An OAuth error body names the problem; anything else (an HTML page, a redirect) breaks the protocol.
            if let body = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any], let error = body["error"] as? String {
                throw OAuthError.fromProvider(error: error)
            }
            throw OAuthError(.invalidResponse, "the token endpoint answered \(response.status) without an OAuth error")
        }
        return try TokenSet.parse(response.body, requiresRefreshToken: requiresRefreshToken)
    }

    private func post(_ url: String, _ fields: [(String, String)], client: ClientCredentials) async throws -> HTTPClientResponse {
        let basic = Base64.encode(Array("\(Self.formEncode(client.clientID)):\(Self.formEncode(client.clientSecret.unsafeValue))".utf8))
        let body = fields.map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&")
        let request = HTTPClientRequest(
            method: "POST", url: url,
            headers: [
                HTTPHeader("Authorization", "Basic \(basic)"), HTTPHeader("Content-Type", "application/x-www-form-urlencoded"),
                HTTPHeader("Accept", "application/json"),
            ],
            body: Array(body.utf8), timeout: timeout, maximumResponseBytes: maximumResponseBytes, followRedirects: false)
        do {
            return try await http.execute(request)
        } catch let error as HTTPTransportError {
            throw OAuthError(.unreachable, "the authorization server could not be reached (\(error.code))")
        }
    }

    /// `application/x-www-form-urlencoded` encoding: everything but unreserved characters is percent-encoded.
    static func formEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
