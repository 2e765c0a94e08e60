public import Foundation
public import Postgres

/// Keeps keyset pages on `(updated_at, id)` exact while syncs write (issue 6: every live record exactly
/// once). `now()` is when a transaction began, so a page write that began before another but committed
/// after it would stamp its rows *behind* a reader that had already paged past the other's rows, and the
/// reader would never see them. So a writer of a tenant's synced rows takes an exclusive per-tenant lock
/// before it stamps rows, stamps them with `statement_timestamp()` (later than the lock), and holds the
/// lock until it commits; a reader takes the same lock shared before the statement that reads a page.
/// Every row a reader can see was then stamped before any row still to come. The lock is transaction
/// scoped (it never outlives a transaction, also behind PgBouncer) and keyed in its own class of advisory
/// locks so it cannot collide with the migrator's.
extension PGConnection {
    /// The advisory lock class of tenant change ordering ("TeCh"; migration 0006's `record_event` takes the
    /// same lock, as 1415922536).
    static let changeOrderLockClass: Int32 = 0x5465_4368

    /// Waits until no other transaction is stamping `tenantID`'s rows, then stops others until commit.
    public func orderChanges(of tenantID: UUID) throws {
        try execute(
            "SELECT pg_advisory_xact_lock(\(Self.changeOrderLockClass), hashtext(\(tenantID.uuidString.lowercased())))")
    }

    /// Waits until no transaction is stamping `tenantID`'s rows; readers do not wait for each other.
    func awaitOrderedChanges(of tenantID: UUID) throws {
        try execute(
            "SELECT pg_advisory_xact_lock_shared(\(Self.changeOrderLockClass), hashtext(\(tenantID.uuidString.lowercased())))")
    }
}
