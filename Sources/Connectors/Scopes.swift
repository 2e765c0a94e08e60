/// One permission a stream needs, met by any of several scope names: a provider may offer the same access
/// under a fine-grained name and an older, broader one (Zoom's granular and classic scopes).
public struct ScopeRequirement: Sendable, Hashable {
    /// Scope names that each satisfy the requirement, the preferred one first (the one to ask an admin to add).
    public let anyOf: [String]

    public init(anyOf: [String]) {
        precondition(!anyOf.isEmpty, "a scope requirement names at least one scope")
        self.anyOf = anyOf
    }

    /// True when `granted` holds one of the scopes.
    public func isMet(by granted: Set<String>) -> Bool {
        anyOf.contains(where: granted.contains)
    }
}

/// What one scope grants, in words an admin reading the connect page understands.
public struct ScopeDescription: Sendable, Hashable {
    /// How the provider names scopes of this kind.
    public enum Kind: String, Sendable, Hashable {
        /// Fine-grained, one action on one resource (Zoom's `user:read:list_users:admin`).
        case granular
        /// Older, broader scopes (Zoom's `user:read:admin`).
        case classic
    }

    /// The scope as the provider spells it.
    public let name: String
    public let kind: Kind
    /// The data it unlocks, as a short phrase ("the list of users, with their roles and groups").
    public let unlocks: String

    public init(name: String, kind: Kind, unlocks: String) {
        self.name = name
        self.kind = kind
        self.unlocks = unlocks
    }
}

/// Every scope a connector knows, so a page or an API answer can explain a scope by name.
public struct ScopeCatalog: Sendable {
    /// The scopes, in the order they are best presented.
    public let scopes: [ScopeDescription]
    private let byName: [String: ScopeDescription]

    public init(_ scopes: [ScopeDescription]) {
        self.scopes = scopes
        self.byName = Dictionary(scopes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The description of `name`, or `nil` when the catalog does not know it.
    public func describe(_ name: String) -> ScopeDescription? { byName[name] }
}
