import Foundation
import Postgres

/// A bare active Zoom connection row for store tests that write synced records: a page write locks its
/// connection's row, and nothing else of a connection matters to them.
func insertTestConnection(_ owner: PGPool, tenant: UUID, id: UUID, account: String) async throws {
    try await owner.withConnection { sql in
        try sql.execute(
            """
            INSERT INTO connections (tenant_id, id, provider, mode, status, external_account_id, client_id)
            VALUES (\(tenant), \(id), 'zoom', 'server_to_server', 'active', \(account), 'client')
            """)
    }
}
