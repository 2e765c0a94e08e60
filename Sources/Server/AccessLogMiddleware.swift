import Foundation
import HTTPTypes
public import Hummingbird
import Logging

/// Logs one line per request with the request id, method, path (never the query string, which can carry
/// OAuth codes and states, nor a connect link's token), status and duration, and returns the id in `X-Request-Id` so a caller can
/// quote it in a support request.
public struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            var response = try await next(request, context)
            response.headers[.xRequestID] = context.id
            log(request, status: response.status.code, since: started, context: context)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            log(request, status: status, since: started, context: context)
            throw error
        }
    }

    /// The path as it may be logged: a connect link's token is a credential, so it is replaced, however the
    /// path was spelled (repeated slashes, percent-escapes, letter case).
    static func loggablePath(_ path: String) -> String {
        let segments = (path.removingPercentEncoding ?? path).split(separator: "/").map { $0.lowercased() }
        guard segments.first == "connect", segments.count > 1, segments != ["connect", "result"] else { return path }
        return "/connect/{token}"
    }

    private func log(_ request: Request, status: Int, since started: ContinuousClock.Instant, context: Context) {
        let milliseconds = Double((ContinuousClock.now - started) / .microseconds(1)) / 1000
        context.logger.info(
            "request",
            metadata: [
                "method": "\(request.method.rawValue)",
                "path": "\(Self.loggablePath(request.uri.path))",
                "status": "\(status)",
                "duration_ms": "\(milliseconds)",
            ])
    }
}
