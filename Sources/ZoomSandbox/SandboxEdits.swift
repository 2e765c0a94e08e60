import Foundation
import NIOConcurrencyHelpers

/// Changes made through the control API on top of the generated world: added, removed and modified
/// users (which carries group and role membership). Everything else stays generated.
final class SandboxEdits: Sendable {
    private struct AccountEdits {
        var removed: Set<Int> = []
        var modified: [Int: SandboxUser] = [:]
        var added: [SandboxUser] = []
        var addedGroups: [SandboxGroup] = []
        var removedGroups: Set<String> = []
        /// Group id → the ids of its admins, in the order they were added.
        var groupAdmins: [String: [String]] = [:]
        /// Roles as `PATCH /roles/{id}` left them, by id.
        var changedRoles: [String: SandboxRoleInfo] = [:]
    }

    private let state = NIOLockedValueBox<[Int: AccountEdits]>([:])

    /// Users the account has now, including added ones (removed ones leave gaps in the index space).
    func userCount(_ account: SandboxAccount) -> Int {
        account.userCount + state.withLockedValue { $0[account.index]?.added.count ?? 0 }
    }

    /// User `index` as it is now, or `nil` when it was removed or never existed.
    func user(_ account: SandboxAccount, index: Int, world: SandboxWorld) -> SandboxUser? {
        let (removed, modified, added) = state.withLockedValue { state -> (Bool, SandboxUser?, SandboxUser?) in
            let edits = state[account.index]
            let addedIndex = index - account.userCount
            let added = edits.flatMap { addedIndex >= 0 && addedIndex < $0.added.count ? $0.added[addedIndex] : nil }
            return (edits?.removed.contains(index) ?? false, edits?.modified[index], added)
        }
        if removed || index < 0 { return nil }
        guard var user = index >= account.userCount ? added : (modified ?? world.user(of: account, index: index)) else { return nil }
        user.groupIDs.removeAll { isGroupRemoved(account, id: $0) }
        return user
    }

    /// Whether the control API changed or removed user `index` of `account`.
    func isEdited(_ account: SandboxAccount, index: Int) -> Bool {
        state.withLockedValue { state in
            guard let edits = state[account.index] else { return false }
            return edits.modified[index] != nil || edits.removed.contains(index)
        }
    }

    /// Indices of the users the control API added or changed.
    func editedIndices(_ account: SandboxAccount) -> [Int] {
        state.withLockedValue { state in
            guard let edits = state[account.index] else { return [] }
            return Array(edits.modified.keys) + (account.userCount..<(account.userCount + edits.added.count))
        }
    }

    /// Adds a user generated for the next index, after `edit` adjusts it.
    func add(_ account: SandboxAccount, world: SandboxWorld, _ edit: (inout SandboxUser) -> Void) -> SandboxUser {
        state.withLockedValue { state in
            var edits = state[account.index] ?? AccountEdits()
            var user = SandboxUser(seed: world.seed, account: account, index: account.userCount + edits.added.count)
            edit(&user)
            edits.added.append(user)
            state[account.index] = edits
            return user
        }
    }

    func replace(_ account: SandboxAccount, _ user: SandboxUser) {
        state.withLockedValue { state in
            var edits = state[account.index] ?? AccountEdits()
            if user.index >= account.userCount {
                edits.added[user.index - account.userCount] = user
            } else {
                edits.modified[user.index] = user
            }
            state[account.index] = edits
        }
    }

    func remove(_ account: SandboxAccount, index: Int) {
        state.withLockedValue { state in
            var edits = state[account.index] ?? AccountEdits()
            edits.removed.insert(index)
            state[account.index] = edits
        }
    }

    /// The account's groups now: generated ones not removed, then added ones.
    func groups(_ account: SandboxAccount, world: SandboxWorld) -> [SandboxGroup] {
        let (added, removed) = state.withLockedValue { ($0[account.index]?.addedGroups ?? [], $0[account.index]?.removedGroups ?? []) }
        let generated = (0..<SandboxDirectory.groupCount(account)).map { SandboxDirectory.group(seed: world.seed, account: account, index: $0) }
        return (generated + added).filter { !removed.contains($0.id) }
    }

    func addGroup(_ account: SandboxAccount, name: String, world: SandboxWorld) -> SandboxGroup {
        state.withLockedValue { state in
            var edits = state[account.index] ?? AccountEdits()
            let index = SandboxDirectory.groupCount(account) + edits.addedGroups.count
            var random = SandboxRandom(seed: world.seed, 22, UInt64(account.index), UInt64(index))
            let group = SandboxGroup(index: index, id: random.identifier(), name: name)
            edits.addedGroups.append(group)
            state[account.index] = edits
            return group
        }
    }

    /// Removes a group; its members keep their other groups, as when a Zoom admin deletes a group.
    func removeGroup(_ account: SandboxAccount, id: String) {
        state.withLockedValue { state in
            var edits = state[account.index] ?? AccountEdits()
            edits.removedGroups.insert(id)
            state[account.index] = edits
        }
    }

    /// True when group `id` was removed.
    func isGroupRemoved(_ account: SandboxAccount, id: String) -> Bool {
        state.withLockedValue { $0[account.index]?.removedGroups.contains(id) ?? false }
    }

    /// The admins of group `id`: the users added as such, while they are still users of the account.
    func groupAdmins(_ account: SandboxAccount, group id: String) -> [String] {
        state.withLockedValue { $0[account.index]?.groupAdmins[id] ?? [] }
    }

    func addGroupAdmins(_ account: SandboxAccount, group id: String, users: [String]) {
        state.withLockedValue { state in
            var edits = state[account.index] ?? AccountEdits()
            var admins = edits.groupAdmins[id] ?? []
            admins += users.filter { !admins.contains($0) }
            edits.groupAdmins[id] = admins
            state[account.index] = edits
        }
    }

    /// The account's roles now: generated ones, as changed.
    func roles(_ account: SandboxAccount, world: SandboxWorld) -> [SandboxRoleInfo] {
        let changed = state.withLockedValue { $0[account.index]?.changedRoles ?? [:] }
        return SandboxDirectory.roles(seed: world.seed, account: account).map { changed[$0.id] ?? $0 }
    }

    func changeRole(_ account: SandboxAccount, _ role: SandboxRoleInfo) {
        state.withLockedValue { state in
            var edits = state[account.index] ?? AccountEdits()
            edits.changedRoles[role.id] = role
            state[account.index] = edits
        }
    }
}
