internal import CCurl
import Foundation
public import Logging
import NIOConcurrencyHelpers
import NIOPosix
public import ServiceLifecycle
@_exported public import Transport

/// An HTTP client over libcurl.
///
/// Each transfer runs `curl_easy_perform` on one of the client's own threads (never on an event loop or
/// the cooperative pool). Easy handles are kept and reused, so sequential requests to one host share a
/// keep-alive connection and TLS session. TLS peer and host verification are always on, redirects are
/// not followed unless a request asks, signals are off (`NOSIGNAL`), every request has connect and total
/// timeouts and a response-size cap, and cancelling the calling task aborts the transfer.
public final class CurlHTTPClient: HTTPTransport, Service, Sendable {
    /// Client-wide settings.
    public let configuration: Configuration
    private let threads: NIOThreadPool
    private let idleHandles = NIOLockedValueBox<[EasyHandle]>([])
    private let logger: Logger

    /// Creates a client and starts its threads.
    public init(configuration: Configuration = .init(), logger: Logger = Logger(label: "tether.http")) {
        precondition(curlIsInitialized, "curl_global_init failed")
        precondition(configuration.threads > 0, "threads must be positive")
        self.configuration = configuration
        self.logger = logger
        self.threads = NIOThreadPool(numberOfThreads: configuration.threads)
        threads.start()
    }

    /// Waits for graceful shutdown (or cancellation), then stops the threads.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Stops the threads and frees the cached connections; later requests fail with `clientClosed`.
    public func shutdown() async {
        try? await threads.shutdownGracefully()
        idleHandles.withLockedValue { $0.removeAll() }
    }

    /// Sends `request` and returns the complete response (any status code is a response, not an error).
    /// - Throws: ``CurlHTTPError`` when no response arrived; `CancellationError` when the task was cancelled.
    public func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        let target = try validate(request.url)
        try Task.checkCancellation()
        let transfer = Transfer(
            request: request, target: target, configuration: configuration)
        let handle = idleHandles.withLockedValue { $0.popLast() } ?? EasyHandle()
        do {
            let response = try await withTaskCancellationHandler {
                try await threads.runHandingOff { try transfer.perform(on: handle) }
            } onCancel: {
                transfer.cancel()
            }
            idleHandles.withLockedValue { $0.append(handle) }
            return response
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw CurlHTTPError(.clientClosed, host: target.host, reason: "the HTTP client is shut down")
        } catch {
            // A handle whose transfer failed may hold a half-used connection; let it go.
            logger.debug("HTTP request failed", metadata: ["host": "\(target.host)", "error": "\(error)"])
            throw error
        }
    }

    /// A URL's scheme and host, after checking that the client may talk to it.
    struct Target: Sendable {
        var host: String
        var allowsPlainHTTP: Bool
    }

    func validate(_ url: String) throws -> Target {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { throw CurlHTTPError(.invalidURL, host: nil, reason: "the URL is not absolute or has no host") }
        switch scheme {
        case "https":
            return Target(host: host, allowsPlainHTTP: false)
        case "http" where configuration.allowsPlainHTTPToLoopback && Self.isLoopback(host: host):
            return Target(host: host, allowsPlainHTTP: true)
        default:
            throw CurlHTTPError(.insecureURL, host: host, reason: "only https is allowed (plain http only to loopback hosts)")
        }
    }

    /// True for `localhost`, 127.0.0.0/8 and `::1`; see ``OutboundURLPolicy/isLoopback(host:)``.
    public static func isLoopback(host: String) -> Bool { OutboundURLPolicy.isLoopback(host: host) }
}

/// `curl_global_init` must run once before any handle exists; a global `let` runs it exactly once.
private let curlIsInitialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

/// One libcurl easy handle. It keeps its connection cache between transfers; only one thread uses it at
/// a time (it is either in the client's idle list or owned by exactly one transfer).
final class EasyHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer

    init() {
        guard let pointer = curl_easy_init() else { fatalError("curl_easy_init failed: out of memory") }
        self.pointer = pointer
    }

    deinit { curl_easy_cleanup(pointer) }
}
