import Foundation
import Synchronization

/// Changes made through the control API on top of the generated world: added, removed and modified
/// users (which carries group and role membership). Everything else stays generated.
final class SandboxEdits: Sendable {
    private struct AccountEdits {
        var removed: Set<Int> = []
        var modified: [Int: SandboxUser] = [:]
        var added: [SandboxUser] = []
    }

    private let state = Mutex<[Int: AccountEdits]>([:])

    /// Users the account has now, including added ones (removed ones leave gaps in the index space).
    func userCount(_ account: SandboxAccount) -> Int {
        account.userCount + state.withLock { $0[account.index]?.added.count ?? 0 }
    }

    /// User `index` as it is now, or `nil` when it was removed or never existed.
    func user(_ account: SandboxAccount, index: Int, world: SandboxWorld) -> SandboxUser? {
        let (removed, modified, added) = state.withLock { state -> (Bool, SandboxUser?, SandboxUser?) in
            let edits = state[account.index]
            let addedIndex = index - account.userCount
            let added = edits.flatMap { addedIndex >= 0 && addedIndex < $0.added.count ? $0.added[addedIndex] : nil }
            return (edits?.removed.contains(index) ?? false, edits?.modified[index], added)
        }
        if removed || index < 0 { return nil }
        if index >= account.userCount { return added }
        return modified ?? world.user(of: account, index: index)
    }

    /// Adds a user generated for the next index, after `edit` adjusts it.
    func add(_ account: SandboxAccount, world: SandboxWorld, _ edit: (inout SandboxUser) -> Void) -> SandboxUser {
        state.withLock { state in
            var edits = state[account.index] ?? AccountEdits()
            var user = SandboxUser(seed: world.seed, account: account, index: account.userCount + edits.added.count)
            edit(&user)
            edits.added.append(user)
            state[account.index] = edits
            return user
        }
    }

    func replace(_ account: SandboxAccount, _ user: SandboxUser) {
        state.withLock { state in
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
        state.withLock { state in
            var edits = state[account.index] ?? AccountEdits()
            edits.removed.insert(index)
            state[account.index] = edits
        }
    }
}
