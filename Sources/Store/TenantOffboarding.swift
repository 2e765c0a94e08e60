public import Foundation
public import Postgres

/// Deletes a tenant and every row it owns, in every table with a `tenant_id` (DESIGN §6.3, offboarding):
/// connections and their sealed credentials, synced records, runs, events, webhooks, API keys, connect
/// links and flows. Accounts' rate budgets and quotas belong to the provider account, not the tenant,
/// and stay.
public struct TenantOffboarding: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// Deletes everything of `tenantID` in one transaction and returns the rows deleted per table (the
    /// tenant's own row under `tenants`). Tables are emptied children first, whatever their foreign keys.
    public func purge(tenantID: UUID) async throws -> [String: Int] {
        try await pool.withTenant(tenantID) { connection in
            let tables = try connection.query(
                """
                SELECT c.relname::text FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
                WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace AND NOT a.attisdropped
                ORDER BY 1
                """
            ).map { try $0.decode(String.self, at: 0) }
            // Counted first: a delete that cascades would hide the rows it took from the tables below.
            var deleted: [String: Int] = [:]
            for table in tables {
                deleted[table] = try connection.query(
                    PGQuery(unsafeSQL: "SELECT count(*) FROM \(PGQuery.quoteIdentifier(table)) WHERE tenant_id = $1", binding: [tenantID])
                )[0].decode(Int.self, at: 0)
            }
            var remaining = tables
            // A table still referenced by rows of another refuses its delete (unless the key cascades); each
            // pass empties what it can, under a savepoint, until every table is done.
            while !remaining.isEmpty {
                var refused: [String] = []
                for table in remaining {
                    try connection.execute("SAVEPOINT offboard")
                    do {
                        try connection.execute(
                            PGQuery(unsafeSQL: "DELETE FROM \(PGQuery.quoteIdentifier(table)) WHERE tenant_id = $1", binding: [tenantID]))
                        try connection.execute("RELEASE SAVEPOINT offboard")
                    } catch let error as PGError where error.sqlState == "23503" {  // foreign_key_violation
                        try connection.execute("ROLLBACK TO SAVEPOINT offboard")
                        refused.append(table)
                    }
                }
                guard refused.count < remaining.count else {
                    throw StoreError(.conflict, "rows of \(refused.joined(separator: ", ")) are still referenced")
                }
                remaining = refused
            }
            deleted["tenants"] = try connection.execute("DELETE FROM tenants WHERE id = \(tenantID)")
            return deleted.filter { $0.value > 0 || $0.key == "tenants" }
        }
    }
}
