internal import CCurl
import Foundation
import Synchronization
import Transport

/// The state of one request while libcurl runs it. libcurl's callbacks reach it through `userdata`.
/// Only the transfer thread touches the buffers; ``cancel()`` may be called from any thread.
final class Transfer: @unchecked Sendable {
    private let request: HTTPClientRequest
    private let target: CurlHTTPClient.Target
    private let configuration: CurlHTTPClient.Configuration
    private let maximumResponseBytes: Int
    private let cancelled = Atomic<Bool>(false)

    private var body: [UInt8] = []
    private var headers: [HTTPHeader] = []
    private var exceededCap = false
    /// What the socket step refused first, and whether it approved any address
    /// (``CurlHTTPClient/Configuration/publicAddressesOnly``).
    private var refusal: String?
    private var approvedAnAddress = false

    init(request: HTTPClientRequest, target: CurlHTTPClient.Target, configuration: CurlHTTPClient.Configuration) {
        self.request = request
        self.target = target
        self.configuration = configuration
        self.maximumResponseBytes = request.maximumResponseBytes ?? configuration.maximumResponseBytes
    }

    /// Makes the progress callback abort the transfer at its next call.
    func cancel() {
        cancelled.store(true, ordering: .relaxed)
    }

    /// Runs the transfer on `handle`, blocking the calling thread until it ends.
    func perform(on handle: EasyHandle) throws -> HTTPClientResponse {
        let curl = handle.pointer
        curl_easy_reset(curl)  // clears options, keeps the connection and session caches
        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(headerList) }

        let protocols = target.allowsPlainHTTP ? "http,https" : "https"
        try set(curl, CURLOPT_URL, request.url)
        try set(curl, CURLOPT_PROTOCOLS_STR, protocols)
        try set(curl, CURLOPT_REDIR_PROTOCOLS_STR, protocols)
        try set(curl, CURLOPT_NOSIGNAL, 1)
        try set(curl, CURLOPT_SSL_VERIFYPEER, 1)
        try set(curl, CURLOPT_SSL_VERIFYHOST, 2)
        try set(curl, CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2))
        if let caBundle = configuration.caBundlePath { try set(curl, CURLOPT_CAINFO, caBundle) }
        try set(curl, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(configuration.connectTimeout))
        try set(curl, CURLOPT_TIMEOUT_MS, milliseconds(request.timeout ?? configuration.totalTimeout))
        try set(curl, CURLOPT_USERAGENT, configuration.userAgent)
        try set(curl, CURLOPT_ACCEPT_ENCODING, "")
        try set(curl, CURLOPT_TCP_KEEPALIVE, 1)
        try set(curl, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0)
        if request.followRedirects { try set(curl, CURLOPT_MAXREDIRS, 5) }
        try check(ccurl_setopt_off_t(curl, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(maximumResponseBytes)))

        let method = request.method.uppercased()
        switch method {
        case "GET" where request.body == nil:
            try set(curl, CURLOPT_HTTPGET, 1)
        case "HEAD":
            try set(curl, CURLOPT_NOBODY, 1)
        default:
            if method == "POST" { try set(curl, CURLOPT_POST, 1) } else { try set(curl, CURLOPT_CUSTOMREQUEST, method) }
            let body = request.body ?? []
            try check(ccurl_setopt_off_t(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
            // COPYPOSTFIELDS copies the bytes into the handle, so no Swift buffer has to outlive this call.
            if body.isEmpty {
                try set(curl, CURLOPT_COPYPOSTFIELDS, "")
            } else {
                try body.withUnsafeBufferPointer { buffer in
                    try check(ccurl_setopt_pointer(curl, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress!)))
                }
            }
        }

        // No "Expect: 100-continue" round trip for larger bodies.
        for header in request.headers + [HTTPHeader("Expect", "")] {
            // Bytes, not Characters: "\r\n" is one Character and would slip past a Character test.
            guard !header.name.isEmpty, !header.name.utf8.contains(where: { $0 == UInt8(ascii: ":") || $0 < 0x21 || $0 == 0x7f }),
                !header.value.utf8.contains(where: { $0 == 0x0d || $0 == 0x0a || $0 == 0 })
            else {
                throw CurlHTTPError(.invalidURL, host: target.host, reason: "a header name or value contains a line break")
            }
            let line = header.value.isEmpty ? "\(header.name):" : "\(header.name): \(header.value)"
            headerList = curl_slist_append(headerList, line)
        }
        try check(ccurl_setopt_slist(curl, CURLOPT_HTTPHEADER, headerList))

        let userdata = Unmanaged.passUnretained(self).toOpaque()
        try check(ccurl_setopt_pointer(curl, CURLOPT_WRITEDATA, userdata))
        try check(
            ccurl_setopt_data_callback(curl, CURLOPT_WRITEFUNCTION) { pointer, size, count, userdata in
                let transfer = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
                return transfer.receiveBody(pointer, size * count)
            })
        try check(ccurl_setopt_pointer(curl, CURLOPT_HEADERDATA, userdata))
        try check(
            ccurl_setopt_data_callback(curl, CURLOPT_HEADERFUNCTION) { pointer, size, count, userdata in
                let transfer = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
                return transfer.receiveHeader(pointer, size * count)
            })
        if configuration.publicAddressesOnly {
            try set(curl, CURLOPT_PROXY, "")  // an explicit empty proxy: none, whatever the environment says
            try check(ccurl_setopt_pointer(curl, CURLOPT_OPENSOCKETDATA, userdata))
            try check(
                ccurl_setopt_opensocket_callback(curl, CURLOPT_OPENSOCKETFUNCTION) { userdata, _, address in
                    let transfer = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
                    guard let address else { return CURL_SOCKET_BAD }
                    return transfer.approve(address) ? ccurl_open_socket(address) : CURL_SOCKET_BAD
                })
        }
        try set(curl, CURLOPT_NOPROGRESS, 0)
        try check(ccurl_setopt_pointer(curl, CURLOPT_XFERINFODATA, userdata))
        try check(
            ccurl_setopt_xferinfo_callback(curl, CURLOPT_XFERINFOFUNCTION) { userdata, _, _, _, _ in
                let transfer = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
                return transfer.cancelled.load(ordering: .relaxed) ? 1 : 0
            })

        let result = withExtendedLifetime(self) { curl_easy_perform(curl) }
        guard result == CURLE_OK else { throw error(for: result) }
        var status = 0
        _ = ccurl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
        return HTTPClientResponse(status: status, headers: headers, body: body)
    }

    /// Whether the socket step may connect to `address`: only public addresses; remembers the first refusal.
    private func approve(_ address: UnsafeMutablePointer<curl_sockaddr>) -> Bool {
        var raw = [UInt8](repeating: 0, count: 16)
        let count = Int(ccurl_sockaddr_address(address, &raw))
        guard let checked = NetworkAddress(bytes: Array(raw.prefix(count))) else {
            refusal = refusal ?? "an address that is neither IPv4 nor IPv6"
            return false
        }
        guard checked.scope.isPublic else {
            refusal = refusal ?? "a \(checked.scope.rawValue) address"  // which one stays private: a tenant reads this
            return false
        }
        approvedAnAddress = true
        return true
    }

    private func receiveBody(_ pointer: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard body.count + count <= maximumResponseBytes else {
            exceededCap = true
            return 0  // anything but `count` makes libcurl stop with CURLE_WRITE_ERROR
        }
        if let pointer, count > 0 {
            body.append(contentsOf: UnsafeRawBufferPointer(start: pointer, count: count))
        }
        return count
    }

    private func receiveHeader(_ pointer: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard let pointer, count > 0 else { return count }
        let line = String(decoding: UnsafeRawBufferPointer(start: pointer, count: count), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            headers = []  // a new response (after 1xx or a followed redirect) starts
        } else if let colon = line.firstIndex(of: ":") {
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: [" ", "\t", "\r", "\n"])
            headers.append(HTTPHeader(name, value))
        }
        return count
    }

    private func error(for code: CURLcode) -> any Error {
        if code == CURLE_ABORTED_BY_CALLBACK && cancelled.load(ordering: .relaxed) { return CancellationError() }
        if let refusal, !approvedAnAddress, code == CURLE_COULDNT_CONNECT {
            return CurlHTTPError(.refusedAddress, host: target.host, reason: "the host resolves to \(refusal); only public addresses may be reached")
        }
        if exceededCap || code == CURLE_FILESIZE_EXCEEDED {
            return CurlHTTPError(.responseTooLarge, host: target.host, reason: "the response is larger than \(maximumResponseBytes) bytes")
        }
        let reason = String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return CurlHTTPError(.timedOut, host: target.host, reason: reason)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_PROXY:
            return CurlHTTPError(.connectFailed, host: target.host, reason: reason)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS:
            return CurlHTTPError(.tlsFailed, host: target.host, reason: reason)
        case CURLE_UNSUPPORTED_PROTOCOL:
            return CurlHTTPError(.insecureURL, host: target.host, reason: reason)
        default:
            return CurlHTTPError(.transport, host: target.host, reason: reason)
        }
    }

    private func set(_ curl: UnsafeMutableRawPointer, _ option: CURLoption, _ value: Int) throws {
        try check(ccurl_setopt_long(curl, option, value))
    }

    private func set(_ curl: UnsafeMutableRawPointer, _ option: CURLoption, _ value: String) throws {
        try check(ccurl_setopt_string(curl, option, value))
    }

    private func check(_ code: CURLcode) throws {
        guard code == CURLE_OK else {
            throw CurlHTTPError(.transport, host: target.host, reason: "libcurl rejected an option: \(String(cString: curl_easy_strerror(code)))")
        }
    }

    private func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
