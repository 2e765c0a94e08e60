public import Foundation
public import Sensitive

/// The tokens a token endpoint issued, validated (SECURITY.md O9).
public struct TokenSet: Sendable {
    public var accessToken: Secret
    /// `nil` when the response carried none (client credentials; a refresh that keeps the old one).
    public var refreshToken: Secret?
    /// Seconds the access token lives, 1...86400.
    public var expiresIn: Int
    /// The scopes granted, as the response listed them (space-separated in OAuth).
    public var scopes: [String]

    public init(accessToken: Secret, refreshToken: Secret?, expiresIn: Int, scopes: [String]) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresIn = expiresIn
        self.scopes = scopes
    }

    /// When the access token expires if it was issued at `issuedAt`.
    public func expiresAt(issuedAt: Date) -> Date {
        issuedAt.addingTimeInterval(TimeInterval(expiresIn))
    }

    /// Parses a token-endpoint body. Every field is checked, because a token endpoint is a third party:
    /// `token_type` must be bearer (any case), `access_token` a non-empty string, `expires_in` an integer in
    /// 1...86400, `refresh_token` (when present, or when `requiresRefreshToken`) a non-empty string, and
    /// `scope` a string. An `error` member, even with status 200, is a rejection.
    /// - Throws: ``OAuthError`` whose reason names the field, never its value.
    public static func parse(_ body: [UInt8], requiresRefreshToken: Bool) throws -> TokenSet {
        let raw: RawTokenResponse
        do {
            raw = try JSONDecoder().decode(RawTokenResponse.self, from: Data(body))
        } catch DecodingError.typeMismatch(_, let context) {
            throw OAuthError(.invalidResponse, "\(context.codingPath.last?.stringValue ?? "the response") has the wrong type")
        } catch {
            throw OAuthError(.invalidResponse, "the token endpoint's response is not a JSON object")
        }
        if let error = raw.error { throw OAuthError.fromProvider(error: error) }
        guard raw.token_type?.lowercased() == "bearer" else {
            throw OAuthError(.invalidResponse, "token_type is missing or not bearer")
        }
        guard let access = raw.access_token, !access.isEmpty, access.utf8.count <= 16384 else {
            throw OAuthError(.invalidResponse, "access_token is missing or empty")
        }
        guard let expiresIn = raw.expires_in, (1...86400).contains(expiresIn) else {
            throw OAuthError(.invalidResponse, "expires_in is missing or not between 1 and 86400")
        }
        if let refresh = raw.refresh_token, refresh.isEmpty || refresh.utf8.count > 16384 {
            throw OAuthError(.invalidResponse, "refresh_token is empty or too long")
        }
        if requiresRefreshToken, raw.refresh_token == nil {
            throw OAuthError(.invalidResponse, "refresh_token is missing")
        }
        let scopes = (raw.scope ?? "").split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        return TokenSet(accessToken: Secret(access), refreshToken: raw.refresh_token.map(Secret.init), expiresIn: expiresIn, scopes: scopes)
    }
}

/// The token response as sent; `JSONDecoder` refuses a string where a number belongs and vice versa.
private struct RawTokenResponse: Decodable {
    var token_type: String?
    var access_token: String?
    var expires_in: Int?
    var refresh_token: String?
    var scope: String?
    var error: String?
}
