public import Hummingbird
import Logging
import Store

/// Turns every error into Tether's JSON error body. Hummingbird's own errors (unknown route, wrong method,
/// undecodable body) keep their status with a snake_case code; anything unexpected becomes a generic 500
/// whose cause is logged, never sent.
public struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError {
            return try APIError(error.status, code: Self.code(for: error.status), message: Self.message(for: error))
                .response(from: request, context: context)
        } catch let error where DatabaseFailure.isUnavailable(error) || DatabaseFailure.isPoolClosed(error) {
            // The database is down or saturated: say so at once (the caller may retry), rather than a 500.
            context.logger.warning("database unavailable", metadata: ["error": "\(error)"])
            return try APIError(
                .serviceUnavailable, code: "database_unavailable", message: "the database is not reachable; retry shortly",
                headers: [.retryAfter: "5"]
            ).response(from: request, context: context)
        } catch let error where DatabaseFailure.isTimeout(error) {
            // A read waited too long for a tenant's writers or ran too long: busy, not broken.
            context.logger.warning("database busy", metadata: ["error": "\(error)"])
            return try APIError(
                .serviceUnavailable, code: "database_busy", message: "the database did not answer in time; retry shortly",
                headers: [.retryAfter: "1"]
            ).response(from: request, context: context)
        } catch let error as any HTTPResponseError where error.status.code < 500 {
            return try APIError(error.status, code: Self.code(for: error.status), message: error.status.reasonPhrase)
                .response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            return try APIError.internalError.response(from: request, context: context)
        }
    }

    /// `Method Not Allowed` → `method_not_allowed`.
    static func code(for status: HTTPResponse.Status) -> String {
        status.reasonPhrase.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }.reduce(into: "") { $0.append($1) }
    }

    private static func message(for error: HTTPError) -> String {
        // Hummingbird's messages describe the request (never secrets); 5xx details stay in the logs.
        guard error.status.code < 500, let body = error.body else { return error.status.reasonPhrase }
        return body
    }
}
