/// A request that did not produce a response: any transport throws it, so callers handle one error type
/// whichever transport carries their requests.
///
/// The `description` names the failure and the host, never the path, query or headers, which can carry
/// tokens and secrets.
public struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case invalidURL = "invalid_url"
            case insecureURL = "insecure_url"
            case connectFailed = "connect_failed"
            case tlsFailed = "tls_failed"
            case timedOut = "timed_out"
            case responseTooLarge = "response_too_large"
            case transport = "transport_failed"
            case clientClosed = "client_closed"
            case refusedAddress = "refused_address"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The URL could not be parsed, or has no host.
        public static let invalidURL = Code(.invalidURL)
        /// Plain `http` to a host that is not loopback, or a scheme other than http(s).
        public static let insecureURL = Code(.insecureURL)
        /// DNS or TCP connection failed.
        public static let connectFailed = Code(.connectFailed)
        /// The TLS handshake or certificate verification failed.
        public static let tlsFailed = Code(.tlsFailed)
        /// The connect or total timeout elapsed.
        public static let timedOut = Code(.timedOut)
        /// The body grew past the cap; the transfer was stopped.
        public static let responseTooLarge = Code(.responseTooLarge)
        /// Any other transport failure (reset connection, malformed response…).
        public static let transport = Code(.transport)
        /// The client was shut down.
        public static let clientClosed = Code(.clientClosed)
        /// The host resolves only to addresses the client may not reach (loopback, private, link-local…):
        /// nothing was sent.
        public static let refusedAddress = Code(.refusedAddress)

        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// The request's host, when known.
    public let host: String?
    /// A safe explanation (the transport's generic text for its failure, never the URL or headers).
    public let reason: String

    public init(_ code: Code, host: String?, reason: String) {
        self.code = code
        self.host = host
        self.reason = reason
    }

    public var description: String {
        "HTTPTransportError(\(code)\(host.map { ", host: \($0)" } ?? "")): \(reason)"
    }
}
