public import Transport

/// The libcurl client's failures are the transport's: callers catch ``HTTPTransportError`` whichever
/// transport they were given.
public typealias CurlHTTPError = HTTPTransportError
