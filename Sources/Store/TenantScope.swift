public import Foundation
public import Postgres
import Vault

/// Row-level security needs every transaction on tenant data to say whose data it is. These helpers set
/// it per transaction (`set_config(…, true)`), never per session, so a pooled connection (or PgBouncer in
/// transaction mode) cannot carry one tenant's scope into another's request.
extension PGConnection {
    /// Makes the current transaction see only `tenantID`'s rows.
    public func scope(to tenantID: UUID) throws {
        try execute("SELECT set_config('app.tenant_id', \(tenantID.uuidString.lowercased()), true)")
    }

    /// Lets the current transaction find the one row whose stored hash is SHA-256(`secret`) (see
    /// migration 0002: API keys, connect links and OAuth states are found before their tenant is known).
    func allowLookup(bySecret secret: String) throws {
        try execute("SELECT set_config('app.lookup_hash', \(SHA256Digest.hexHash(secret)), true)")
    }
}

extension PGPool {
    /// Runs `body` in a transaction scoped to `tenantID`.
    @discardableResult
    public func withTenant<Result: Sendable>(
        _ tenantID: UUID,
        _ options: PGTransactionOptions = .init(),
        _ body: @escaping @Sendable (PGConnection) throws -> Result
    ) async throws -> Result {
        try await withTransaction(options) { connection in
            try connection.scope(to: tenantID)
            return try body(connection)
        }
    }
}

/// SHA-256 of a secret, as the tables store it.
func secretHash(_ secret: String) -> Data {
    Data(SHA256Digest.hash(Array(secret.utf8)))
}

extension PGTransactionOptions {
    /// Reads for the data API and the event feed: they wait for a tenant's writers to commit (the change
    /// order), but never longer than a client would wait, and no read runs away with a connection.
    static let apiRead = PGTransactionOptions(statementTimeout: .seconds(15), lockTimeout: .seconds(5))
    /// A page of a sync with its progress: a worker stalled in the middle of a statement (a COPY whose
    /// data stopped coming) gives up its tenant's locks after this, as an idle one does after the pool's
    /// idle timeout.
    static let pageWrite = PGTransactionOptions(statementTimeout: .seconds(60))
}
