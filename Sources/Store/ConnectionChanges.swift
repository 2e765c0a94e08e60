/// What an API caller may change on a connection; a `nil` field stays as it is.
public struct ConnectionChanges: Sendable, Hashable {
    public var name: String?
    public var description: String?
    public var enabled: Bool?
    /// One of the connector's rate-limit plans: the provider plan whose rate limits the connection's syncs keep to.
    public var rateLimitPlan: String?
    /// Seconds between scheduled syncs per stream name; a `nil` value goes back to the stream's default.
    public var syncIntervals: [String: Int?]

    public init(
        name: String? = nil, description: String? = nil, enabled: Bool? = nil, rateLimitPlan: String? = nil,
        syncIntervals: [String: Int?] = [:]
    ) {
        self.name = name
        self.description = description
        self.enabled = enabled
        self.rateLimitPlan = rateLimitPlan
        self.syncIntervals = syncIntervals
    }
}
