extension CurlHTTPClient {
    /// Client-wide settings; every field has a safe default.
    public struct Configuration: Sendable {
        /// Threads that run transfers; also the most requests in flight at once. Default 8.
        public var threads: Int = 8
        /// Time allowed for DNS, TCP and TLS setup. Default 10 s.
        public var connectTimeout: Duration = .seconds(10)
        /// Time allowed for the whole request, including reading the body. Default 30 s.
        public var totalTimeout: Duration = .seconds(30)
        /// Largest body accepted, after decompression; larger responses fail with
        /// ``CurlHTTPError/Code/responseTooLarge``. Default 16 MiB.
        public var maximumResponseBytes: Int = 16 * 1024 * 1024
        /// Sent as `User-Agent`. Default `tether`.
        public var userAgent: String = "tether"
        /// Allows plain `http://` to loopback hosts (127.0.0.0/8, `localhost`, `::1`) so local peers such
        /// as the Zoom sandbox work; every other host must use https. Default true.
        public var allowsPlainHTTPToLoopback: Bool = true
        /// Connects only to public internet addresses: every address a host resolves to is checked when the
        /// socket is opened, so the address checked is the address connected to (no second lookup a DNS
        /// rebinding could answer differently), and proxies from the environment are ignored. Requests to a
        /// host with no public address fail with ``CurlHTTPError/Code/refusedAddress`` before anything is
        /// sent. For destinations a tenant chooses (webhooks, DESIGN §6.4). Default false.
        public var publicAddressesOnly: Bool = false
        /// A PEM file of extra trusted CA certificates; `nil` uses the system store.
        public var caBundlePath: String? = nil

        /// The defaults above.
        public init() {}
    }
}
