/// One header line. Names compare case-insensitively through ``HTTPClientResponse/header(_:)``.
public struct HTTPHeader: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// An outgoing request.
public struct HTTPClientRequest: Sendable {
    /// `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD`…
    public var method: String
    /// An absolute `https://` URL (plain `http://` only to loopback hosts).
    public var url: String
    /// Request headers, sent in order.
    public var headers: [HTTPHeader]
    /// The request body, if any.
    public var body: [UInt8]?
    /// Overrides the client's total timeout for this request.
    public var timeout: Duration?
    /// Overrides the client's response-size cap for this request.
    public var maximumResponseBytes: Int?
    /// Follow 3xx redirects (at most 5, never to another protocol). Default false: OAuth token endpoints
    /// must not be redirected.
    public var followRedirects: Bool

    /// Creates a request.
    public init(
        method: String = "GET",
        url: String,
        headers: [HTTPHeader] = [],
        body: [UInt8]? = nil,
        timeout: Duration? = nil,
        maximumResponseBytes: Int? = nil,
        followRedirects: Bool = false
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maximumResponseBytes = maximumResponseBytes
        self.followRedirects = followRedirects
    }
}

/// A complete response: status, headers of the final response, and the whole body.
public struct HTTPClientResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// The final response's headers in the order received.
    public var headers: [HTTPHeader]
    /// The body, already decompressed if the server compressed it.
    public var body: [UInt8]

    public init(status: Int, headers: [HTTPHeader], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header called `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }

    /// The body decoded as UTF-8 (invalid sequences replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
