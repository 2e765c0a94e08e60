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
    public var name: String
    public var description: String
    /// What its holders may do, by Zoom's privilege names (`User:Read`, `Group:Edit`…).
    public var privileges: [String]
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
        return SandboxRoleInfo(
            id: random.identifier(), name: "Billing Admin", description: "Manages billing and invoices",
            privileges: ["BillingSubscription:Read", "BillingSubscription:Edit", "BillingInformation:Read", "BillingInformation:Edit"])
    }

    /// The privileges a role may hold in this sandbox: a subset of Zoom's, enough to tell a change apart.
    static let privileges = [
        "User:Read", "User:Edit", "Group:Read", "Group:Edit", "Role:Read", "Role:Edit", "Room:Read", "Room:Edit", "Dashboard:Read",
        "Report:Read", "Recording:Read", "Recording:Edit", "AccountSetting:Read", "AccountSetting:Edit", "MarketPlace:Read",
        "MarketPlace:Edit", "BillingSubscription:Read", "BillingSubscription:Edit", "BillingInformation:Read", "BillingInformation:Edit",
        "PhoneAdmin:Read", "PhoneAdmin:Edit",
    ]

    /// Owner, Admin, Member and the custom role, as generated.
    static func roles(seed: UInt64, account: SandboxAccount) -> [SandboxRoleInfo] {
        SandboxRole.allCases.map { role in
            let privileges =
                switch role {
                case .owner: Self.privileges
                case .admin: Self.privileges.filter { !$0.hasPrefix("Billing") }
                case .member: [String]()
                }
            return SandboxRoleInfo(
                id: role.zoomRoleID, name: role.zoomRoleName, description: "Built-in \(role.zoomRoleName) role", privileges: privileges)
        } + [customRole(seed: seed, account: account)]
    }
}
