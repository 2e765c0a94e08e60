/// Sends one HTTP request and returns the complete response.
///
/// Everything that talks to a provider, an authorization server or a webhook endpoint depends on this
/// protocol, not on a concrete client: production passes the libcurl client (`CurlHTTPClient`), and unit
/// tests pass a transport that hands requests to the Zoom sandbox in process, so OAuth, refresh, paging,
/// rate limiting and windows can be tested without sockets.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns the complete response; any status code is a response, not an error.
    /// - Throws: ``HTTPTransportError`` when no response arrived; `CancellationError` when the task was
    ///   cancelled.
    func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse
}

/// Which URLs an outbound request may use, shared by every transport and by configuration checks.
public enum OutboundURLPolicy {
    /// True for `localhost`, 127.0.0.0/8 and `::1` (bracketed or not): the only hosts plain http may reach
    /// (DESIGN §5 "Loopback http").
    public static func isLoopback(host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare.lowercased() == "localhost" || bare == "::1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
