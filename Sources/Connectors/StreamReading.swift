import Foundation

/// How a stream is fetched, which decides how the sync engine keeps it fresh.
public enum StreamKind: Sendable, Hashable {
    /// The provider lists every current record: a complete pass is a snapshot, and a record missing from a
    /// complete snapshot has been deleted.
    case snapshot
    /// The provider answers per date window (reports, call logs): the engine keeps a watermark, backfills
    /// `backfillDays` on the first sync, asks for calendar-month windows no longer than the provider allows,
    /// and re-fetches `trailingDays` before the watermark for data that arrives late.
    case windowed(backfillDays: Int, trailingDays: Int)
}

/// The days a windowed request covers, both inclusive, as `yyyy-mm-dd` in UTC.
public struct DateWindow: Sendable, Hashable, CustomStringConvertible {
    public let from: String
    public let to: String

    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }

    public var description: String { "\(from)..\(to)" }
}

/// One page of a stream.
public struct StreamPage: Sendable {
    public let records: [SyncedRecord]
    /// Where the next page starts (opaque to the engine), or `nil` when the stream (or window) is complete.
    public let next: String?
    /// Items the provider could not return (a user deleted between two calls, say), skipped and counted.
    public let skipped: Int
    /// The listing this page belongs to and the total the provider reported for it, when it reports one.
    public let progress: ListingProgress?

    public init(records: [SyncedRecord], next: String?, skipped: Int = 0, progress: ListingProgress? = nil) {
        self.records = records
        self.next = next
        self.skipped = skipped
        self.progress = progress
    }
}

/// A GET the connector wants made against its provider's REST API. The sync engine adds the bearer token,
/// waits for the account's rate limit, and retries what is worth retrying.
public struct APIRequest: Sendable, Hashable {
    /// `GET` for reads; an action's writes use `POST`, `PUT`, `PATCH` or `DELETE`.
    public let method: String
    /// The path below the API base (`/users`), already percent-encoded.
    public let path: String
    /// Query parameters, unencoded.
    public let query: [Query]
    /// The rate-limit bucket the call counts against (the provider's category, e.g. `Medium`).
    public let bucket: String
    /// A JSON body (writes only).
    public let body: JSONValue?

    public struct Query: Sendable, Hashable {
        public let name: String
        public let value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(_ method: String = "GET", path: String, query: [Query] = [], bucket: String, body: JSONValue? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.bucket = bucket
        self.body = body
    }

    /// What a dry run shows of the request.
    public var summary: JSONValue {
        var shown: JSONObject = ["method": .string(method), "path": .string(path)]
        if !query.isEmpty {
            shown["query"] = .object(JSONObject(Dictionary(query.map { ($0.name, JSONValue.string($0.value)) }) { first, _ in first }))
        }
        if let body { shown["body"] = body }
        return .object(shown)
    }
}

/// The provider's API as a connector reads a stream: authenticated, rate-limited, retried. Implemented by
/// the sync engine; a connector only describes requests and interprets answers.
public protocol ProviderAPI: Sendable {
    /// Performs `request` and returns the body of a successful (2xx) answer.
    /// - Throws: ``ConnectorError`` for answers that stayed unsuccessful after the retries worth making.
    func send(_ request: APIRequest) async throws -> [UInt8]
}

extension ProviderAPI {
    /// Performs a read; the same as ``send(_:)``, named for what streams do.
    public func get(_ request: APIRequest) async throws -> [UInt8] { try await send(request) }
}

/// How fast one rate-limit bucket of a provider account may be called.
public struct RateLimit: Sendable, Hashable {
    /// Requests per second (a per-minute limit is expressed as a fraction).
    public let perSecond: Double
    /// Requests per UTC day, when the plan caps them.
    public let daily: Int?
    /// Buckets that share one daily quota carry the same name here.
    public let dailyQuota: String

    public init(perSecond: Double, daily: Int?, dailyQuota: String) {
        self.perSecond = perSecond
        self.daily = daily
        self.dailyQuota = dailyQuota
    }
}
