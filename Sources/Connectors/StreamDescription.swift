/// One kind of data a connector syncs (users, groups, invoices, ...) and the scopes it needs.
public struct StreamDescription: Sendable, Hashable {
    /// The stream's stable name, as the API and the CLI use it (`users`, `billing_invoices`).
    public let name: String
    /// What the stream holds, for people ("Users, with their license, role and groups").
    public let summary: String
    /// Every requirement must be met for the stream to be permitted.
    public let requirements: [ScopeRequirement]
    /// The normalized table its records land in.
    public let table: RecordTable
    /// Snapshot or windowed.
    public let kind: StreamKind
    /// Seconds between scheduled syncs unless a connection says otherwise.
    public let defaultInterval: Int
    /// The shortest interval a connection may set: an endpoint the provider answers only a few times a
    /// day must not be scheduled more often.
    public let minimumInterval: Int
    /// The provider plans that have the stream's feature (Zoom's dashboard: Business and up); `nil` for every
    /// plan. A connection whose plan is known and not among them gets `not_available` without a request.
    public let plans: Set<String>?

    /// - Parameters:
    ///   - defaultInterval: directory data changes during the day (hourly by default); reports are final
    ///     once the day is over (daily).
    ///   - minimumInterval: 60 s unless the provider's own limit for the endpoint asks for more.
    public init(
        name: String, summary: String, requirements: [ScopeRequirement], table: RecordTable, kind: StreamKind = .snapshot,
        defaultInterval: Int? = nil, minimumInterval: Int = 60, plans: Set<String>? = nil
    ) {
        self.name = name
        self.summary = summary
        self.requirements = requirements
        self.table = table
        self.kind = kind
        self.minimumInterval = minimumInterval
        self.plans = plans
        self.defaultInterval = max(minimumInterval, defaultInterval ?? (kind == .snapshot ? 3_600 : 86_400))
    }

    /// The scopes to add so that the stream is permitted: the preferred scope of each unmet requirement.
    /// Empty when `granted` already permits the stream.
    public func missingScopes(granted: Set<String>) -> [String] {
        requirements.filter { !$0.isMet(by: granted) }.map { $0.anyOf[0] }
    }

    /// True when `granted` meets every requirement.
    public func isPermitted(granted: Set<String>) -> Bool {
        requirements.allSatisfy { $0.isMet(by: granted) }
    }
}
