import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Vault

/// What every `/v2` endpoint does before its own work, in Zoom's order: check the bearer token and its
/// scopes, count the request against the account's rate limit, check the plan, then answer with the
/// rate-limit headers.
struct SandboxEndpoint: Sendable {
    let sandbox: ZoomSandbox
    let category: SandboxRateCategory
    let scopes: [String]
    /// Plans that have the feature; `nil` means every plan.
    let plans: Set<SandboxPlan>?

    /// The caller as the handler sees it.
    struct Caller {
        let access: SandboxAccess
        let account: SandboxAccount
    }

    func respond(_ request: Request, _ handler: (Caller) throws -> SandboxReply) async throws -> Response {
        sandbox.countRequest(request.uri.path, category: category, isWrite: request.method != .get)
        let caller = try? authenticate(request).get()
        let (fault, latency) = sandbox.faults.next(account: caller.map { sandbox.world.accounts[$0.principal.accountIndex].id })
        if latency > .zero { try await Task.sleep(for: latency) }
        switch fault {
        case .error(let status):
            return SandboxHTTP.json(HTTPResponse.Status(code: status), ["code": status, "message": "Internal Error"])
        case .rateLimited:
            return SandboxHTTP.zoomError(
                .tooManyRequests, code: 429, "You have reached the maximum per-second rate limit for this API. Try again later.",
                headers: headers(type: "QPS", limit: 0, remaining: 0).merging([.retryAfter: "1"]))
        case .none, .malformed, .truncated, .dropped:
            break
        }
        return try await answer(request, handler, fault: fault)
    }

    /// The reply as a response, broken the way `fault` says when the reply is a success.
    static func render(_ reply: SandboxReply, headers: HTTPFields, fault: SandboxFault) -> Response {
        var fields = headers
        // A write Zoom answers 204 has no body at all.
        if reply.status == .noContent { return Response(status: .noContent, headers: fields) }
        let data = SandboxHTTP.jsonData(reply.body)
        fields[.contentType] = "application/json;charset=UTF-8"
        guard reply.status == .ok else { return Response(status: reply.status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data))) }
        switch fault {
        case .malformed:
            return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(string: "{\"users\": [{\"id\": \"x\",, ]")))
        case .truncated:
            return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data.prefix(data.count / 2))))
        case .dropped:
            // Announce the whole body, send half, then fail: the server closes the connection mid-body.
            let half = Array(data.prefix(data.count / 2))
            return Response(
                status: .ok, headers: fields,
                body: .init(contentLength: data.count) { writer in
                    try await writer.write(ByteBuffer(bytes: half))
                    throw CancellationError()
                })
        default:
            return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    private func answer(_ request: Request, _ handler: (Caller) throws -> SandboxReply, fault: SandboxFault) async throws -> Response {
        let access: SandboxAccess
        switch authenticate(request) {
        case .success(let valid): access = valid
        case .failure(let rejection): return rejection.response
        }
        guard scopes.contains(where: access.scopes.contains) else {
            return SandboxHTTP.zoomError(
                .badRequest, code: 4711, "Invalid access token, does not contain scopes:[\(scopes.joined(separator: ", "))].")
        }
        let account = sandbox.world.accounts[access.principal.accountIndex]
        var rateHeaders: HTTPFields = [:]
        if sandbox.configuration.rateLimits {
            switch sandbox.rateLimiter.admit(account: account, category: category, now: sandbox.clock.now) {
            case .allowed(let limit, let remaining):
                rateHeaders = headers(type: nil, limit: limit, remaining: remaining)
            case .overRate(let limit, let retryAfter):
                var fields = headers(type: "QPS", limit: limit, remaining: 0)
                fields[.retryAfter] = String(retryAfter)
                return SandboxHTTP.zoomError(
                    .tooManyRequests, code: 429, "You have reached the maximum per-second rate limit for this API. Try again later.",
                    headers: fields)
            case .overDaily(let limit, let resetsAt):
                var fields = headers(type: "Daily-limit", limit: limit, remaining: 0)
                fields[.retryAfter] = SandboxHTTP.timestamp(resetsAt)
                return SandboxHTTP.zoomError(
                    .tooManyRequests, code: 429,
                    "You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.",
                    headers: fields)
            }
        }
        if let plans, !plans.contains(account.plan) {
            return SandboxHTTP.zoomError(.badRequest, code: 200, "No permission.")
        }
        return Self.render(try handler(Caller(access: access, account: account)), headers: rateHeaders, fault: fault)
    }

    private func headers(type: String?, limit: Int, remaining: Int) -> HTTPFields {
        var fields: HTTPFields = [
            .rateLimitCategory: category.rawValue, .rateLimitLimit: String(limit), .rateLimitRemaining: String(remaining),
        ]
        if let type { fields[.rateLimitType] = type }
        return fields
    }

    private struct Rejection: Error {
        let response: Response
    }

    /// Zoom accepts access tokens only in `Authorization: Bearer`; anything else is 401 code 124.
    private func authenticate(_ request: Request) -> Result<SandboxAccess, Rejection> {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            if request.uri.queryParameters.get("access_token") != nil {
                return .failure(
                    Rejection(
                        response: SandboxHTTP.zoomError(
                            .unauthorized, code: 124, "Invalid access token, this access token is not supported as query parameter string.")))
            }
            return .failure(Rejection(response: SandboxHTTP.zoomError(.unauthorized, code: 124, "Invalid access token.")))
        }
        switch sandbox.grants.checkAccess(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces), now: sandbox.clock.now) {
        case .invalid: return .failure(Rejection(response: SandboxHTTP.zoomError(.unauthorized, code: 124, "Invalid access token.")))
        case .expired: return .failure(Rejection(response: SandboxHTTP.zoomError(.unauthorized, code: 124, "Access token is expired.")))
        case .valid(let access): return .success(access)
        }
    }
}

extension HTTPFields {
    func merging(_ other: HTTPFields) -> HTTPFields {
        var merged = self
        for field in other { merged[field.name] = field.value }
        return merged
    }
}

extension HTTPField.Name {
    static let rateLimitCategory = HTTPField.Name("X-RateLimit-Category")!
    static let rateLimitType = HTTPField.Name("X-RateLimit-Type")!
    static let rateLimitLimit = HTTPField.Name("X-RateLimit-Limit")!
    static let rateLimitRemaining = HTTPField.Name("X-RateLimit-Remaining")!
}

/// Zoom's `next_page_token` paging. A token is valid only for the query that produced it and for 15
/// minutes: it is an HMAC over the query, the position and the issue time under a per-process key.
struct SandboxPager: Sendable {
    let sandbox: ZoomSandbox

    static let tokenLifetime: TimeInterval = 900

    struct Page {
        let size: Int
        let position: Int
        let scope: String
        /// The `next_page_token` the request came with.
        var token: String? = nil
    }

    /// Reads `page_size` (default 30 unless the endpoint says, capped at `maximum`) and `next_page_token` for
    /// a query identified by `scope`; answers Zoom's code 300 when either is invalid.
    func page(_ request: Request, scope: String, maximum: Int, defaultSize: Int = 30) -> Result<Page, SandboxHTTPError> {
        let query = request.uri.queryParameters
        var size = defaultSize
        if let text = query.get("page_size") {
            guard let value = Int(text), value > 0 else { return .failure(SandboxHTTPError(code: 300, "Invalid field: page_size.")) }
            size = min(value, maximum)
        }
        let fullScope = "\(scope)|\(size)"
        guard let token = query.get("next_page_token"), !token.isEmpty else { return .success(Page(size: size, position: 0, scope: fullScope)) }
        guard let position = read(token, scope: fullScope) else {
            return .failure(SandboxHTTPError(code: 300, "The next page token is invalid or expired."))
        }
        return .success(Page(size: size, position: position, scope: fullScope, token: token))
    }

    /// The token for the page starting at `position`, or "" when there is no further page.
    func token(for page: Page, next position: Int?) -> String {
        let endless = sandbox.faultPlan.endlessPages
        guard let position = position ?? (endless ? 0 : nil) else { return "" }
        if sandbox.faultPlan.repeatPageTokens, let repeated = page.token { return repeated }
        // A third field makes every token of an endless listing new, though it points at a page seen before.
        let payload = "\(position).\(Int(sandbox.clock.now.timeIntervalSince1970))" + (endless ? ".\(UInt32.random(in: 0...UInt32.max))" : "")
        let mac = HMACSHA256.authenticationCode(key: sandbox.pageTokenKey, message: Array("\(page.scope)|\(payload)".utf8))
        return Base64URL.encode(Array(payload.utf8)) + "." + Base64URL.encode(mac.prefix(16))
    }

    private func read(_ token: String, scope: String) -> Int? {
        let parts = token.split(separator: ".")
        guard parts.count == 2, let payloadBytes = try? Base64URL.decode(String(parts[0])),
            let mac = try? Base64URL.decode(String(parts[1])), let payload = String(bytes: payloadBytes, encoding: .utf8)
        else { return nil }
        let expected = HMACSHA256.authenticationCode(key: sandbox.pageTokenKey, message: Array("\(scope)|\(payload)".utf8))
        guard ConstantTime.equals(mac, Array(expected.prefix(16))) else { return nil }
        let fields = payload.split(separator: ".")
        guard fields.count == 2 || fields.count == 3, let position = Int(fields[0]), let issued = Double(fields[1]),
            sandbox.clock.now.timeIntervalSince1970 - issued < Self.tokenLifetime
        else { return nil }
        return position
    }

    /// Scans forward from the page's position, keeping what `include` returns, until the page is full.
    /// Returns the items and where the next page starts (`nil` at the end).
    func scan(_ page: Page, count: Int, _ include: (Int) -> [String: Any]?) -> (items: [[String: Any]], next: Int?) {
        scan(page, candidates: 0..<count, include)
    }

    /// The same over `candidates`, the ascending user indices that can match (a group's members, say), so
    /// a listing costs its candidates, not the whole account.
    func scan<Candidates: RandomAccessCollection<Int>>(
        _ page: Page, candidates: Candidates, _ include: (Int) -> [String: Any]?
    ) -> (items: [[String: Any]], next: Int?) where Candidates.Index == Int {
        var low = candidates.startIndex, high = candidates.endIndex
        while low < high {
            let middle = (low + high) / 2
            if candidates[middle] < page.position { low = middle + 1 } else { high = middle }
        }
        var items: [[String: Any]] = []
        var cursor = low
        while cursor < candidates.endIndex, items.count < page.size {
            if let item = include(candidates[cursor]) { items.append(item) }
            cursor += 1
        }
        // Look ahead so the last page says "" instead of handing out a token to an empty page.
        var probe = cursor
        while probe < candidates.endIndex, include(candidates[probe]) == nil { probe += 1 }
        return (items, probe < candidates.endIndex ? candidates[cursor] : nil)
    }
}

/// A Zoom REST error as a value, for helpers that return rather than respond.
struct SandboxHTTPError: Error {
    let code: Int
    let message: String
    init(code: Int, _ message: String) {
        self.code = code
        self.message = message
    }
    var reply: SandboxReply { SandboxReply.error(.badRequest, code: code, message) }
}

/// What an endpoint answers before it is rendered (and, under fault injection, damaged).
struct SandboxReply {
    let status: HTTPResponse.Status
    let body: Any

    init(_ status: HTTPResponse.Status, _ body: Any) {
        self.status = status
        self.body = body
    }

    /// Zoom's REST error body.
    static func error(_ status: HTTPResponse.Status, code: Int, _ message: String) -> SandboxReply {
        SandboxReply(status, ["code": code, "message": message])
    }
}
