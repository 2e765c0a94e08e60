public import Foundation
public import Postgres

/// Keeps keyset pages on `(updated_at, id)` exact while syncs write (issue 6: every live record exactly
/// once). `now()` is when a transaction began, so a page write that began before another but committed
/// after it would stamp its rows *behind* a reader that had already paged past the other's rows, and the
/// reader would never see them. So a writer of a tenant's rows of a table takes an exclusive lock on that
/// tenant's table before it stamps rows, stamps them with `statement_timestamp()` (later than the lock),
/// and holds the lock until it commits; a reader takes the same lock shared before the statement that
/// reads a page. Every row a reader can see was then stamped before any row still to come.
///
/// A page is read from one table (a members listing pages over the member table), so the order is kept
/// per table: a sync's streams write their tables side by side. The lock is transaction scoped (it never
/// outlives a transaction, also behind PgBouncer) and keyed in its own class of advisory locks so it
/// cannot collide with the migrator's. The event feed keeps its order the same way, tenant-wide, under
/// ``eventOrderLockClass``; a transaction takes it after any table's, never before.
extension PGConnection {
    /// The advisory lock class of a tenant's rows of one synced table ("TeRo").
    static let recordOrderLockClass: Int32 = 0x5465_526F
    /// The advisory lock class of a tenant's events ("TeCh"; migration 0006's `record_event` takes it, as
    /// 1415922536, keyed by the tenant's id alone).
    static let eventOrderLockClass: Int32 = 0x5465_4368

    /// Waits until no other transaction is stamping `tenantID`'s rows of `table`, then stops others until
    /// commit.
    public func orderChanges(of tenantID: UUID, in table: String) throws {
        try execute(
            "SELECT pg_advisory_xact_lock(\(Self.recordOrderLockClass), hashtext(\(Self.orderKey(tenantID, table))))")
    }

    /// Waits until no transaction is stamping `tenantID`'s rows of `table`; readers do not wait for each other.
    func awaitOrderedChanges(of tenantID: UUID, in table: String) throws {
        try execute(
            "SELECT pg_advisory_xact_lock_shared(\(Self.recordOrderLockClass), hashtext(\(Self.orderKey(tenantID, table))))")
    }

    /// Waits until no transaction is appending an event of `tenantID`.
    func awaitOrderedEvents(of tenantID: UUID) throws {
        try execute(
            "SELECT pg_advisory_xact_lock_shared(\(Self.eventOrderLockClass), hashtext(\(tenantID.uuidString.lowercased())))")
    }

    private static func orderKey(_ tenantID: UUID, _ table: String) -> String {
        tenantID.uuidString.lowercased() + "/" + table
    }
}
