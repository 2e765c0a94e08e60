import Foundation

/// A Zoom group of one account.
public struct SandboxGroup: Sendable, Hashable {
    public let index: Int
    public let id: String
    public let name: String
}

/// A Zoom role of one account.
public struct SandboxRoleInfo: Sendable, Hashable {
    public let id: String
    public let name: String
    public let description: String
}

/// Roles and groups, derived like users: from the seed and the account, never stored.
enum SandboxDirectory {
    private static let groupNames = ["Engineering", "Sales", "Marketing", "Finance", "Support", "People", "Legal", "Design"]

    /// Groups in an account: one per 25 users, at least 3, at most 300. The last group has no members.
    static func groupCount(_ account: SandboxAccount) -> Int {
        min(300, max(3, account.userCount / 25))
    }

    static func group(seed: UInt64, account: SandboxAccount, index: Int) -> SandboxGroup {
        var random = SandboxRandom(seed: seed, 20, UInt64(account.index), UInt64(index))
        let name = index == groupCount(account) - 1 ? "Contractors (empty)" : "\(groupNames[index % groupNames.count]) \(index + 1)"
        return SandboxGroup(index: index, id: random.identifier(), name: name)
    }

    /// The group user `index` belongs to: every seventh user is in none, the last group is always empty.
    static func groupIndex(ofUser index: Int, account: SandboxAccount) -> Int? {
        guard index % 7 != 6 else { return nil }
        return index % (groupCount(account) - 1)
    }

    /// The account's custom role, held by every eleventh member.
    static func customRole(seed: UInt64, account: SandboxAccount) -> SandboxRoleInfo {
        var random = SandboxRandom(seed: seed, 21, UInt64(account.index))
        return SandboxRoleInfo(id: random.identifier(), name: "Billing Admin", description: "Manages billing and invoices")
    }

    /// Owner, Admin, Member and the custom role.
    static func roles(seed: UInt64, account: SandboxAccount) -> [SandboxRoleInfo] {
        SandboxRole.allCases.map { SandboxRoleInfo(id: $0.zoomRoleID, name: $0.zoomRoleName, description: "Built-in \($0.zoomRoleName) role") }
            + [customRole(seed: seed, account: account)]
    }
}
