/// One kind of data a connector syncs (users, groups, invoices, ...) and the scopes it needs.
public struct StreamDescription: Sendable, Hashable {
    /// The stream's stable name, as the API and the CLI use it (`users`, `billing_invoices`).
    public let name: String
    /// What the stream holds, for people ("Users, with their license, role and groups").
    public let summary: String
    /// Every requirement must be met for the stream to be permitted.
    public let requirements: [ScopeRequirement]

    public init(name: String, summary: String, requirements: [ScopeRequirement]) {
        self.name = name
        self.summary = summary
        self.requirements = requirements
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
