import Foundation
public import HTTPTypes

extension HTTPClientRequest {
    /// The request in swift-http-types' vocabulary (method, scheme, authority, path with its query, header
    /// fields), for a transport that hands it to a server framework instead of a socket.
    /// - Throws: ``HTTPTransportError`` with ``HTTPTransportError/Code/invalidURL`` when the URL is not
    ///   absolute, the method or a header name is not a valid token.
    public func httpRequest() throws -> HTTPRequest {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.percentEncodedHost,
            !host.isEmpty
        else { throw HTTPTransportError(.invalidURL, host: nil, reason: "the URL is not absolute or has no host") }
        guard let method = HTTPRequest.Method(method) else {
            throw HTTPTransportError(.invalidURL, host: host, reason: "the method is not an HTTP token")
        }
        var fields = HTTPFields()
        for header in headers {
            guard let name = HTTPField.Name(header.name) else {
                throw HTTPTransportError(.invalidURL, host: host, reason: "a header name is not an HTTP token")
            }
            fields.append(HTTPField(name: name, value: header.value))
        }
        let path =
            (components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath)
            + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        return HTTPRequest(
            method: method, scheme: scheme, authority: components.port.map { "\(host):\($0)" } ?? host, path: path, headerFields: fields)
    }
}

extension HTTPClientResponse {
    /// A complete response from swift-http-types' head and the collected body.
    public init(_ head: HTTPResponse, body: [UInt8]) {
        self.init(status: head.status.code, headers: head.headerFields.map { HTTPHeader($0.name.rawName, $0.value) }, body: body)
    }
}
