public import Hummingbird

/// Every response says `X-Content-Type-Options: nosniff`, so no browser reads a JSON error, a metrics page
/// or the OpenAPI document as HTML or script, whichever route or error produced it.
public struct NoSniffMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        return response
    }
}
