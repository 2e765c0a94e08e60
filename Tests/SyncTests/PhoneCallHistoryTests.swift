import Foundation
import Postgres
import Store
import TestSupport
import Testing
import ZoomSandbox

/// Zoom retired `/phone/call_logs`; calls now come from `/phone/call_history` (DESIGN §6.2, migration 0014).
@Suite("Zoom Phone call history", .enabled(if: TestDatabase.isAvailableOrRequired))
struct PhoneCallHistoryTests {
    @Test("phone_call_history stores each call of /phone/call_history field by field, both parties' numbers included; a second sync writes nothing")
    func fieldByField() async throws {
        try await withSyncHarness(sandbox: { $0.users = 40 }) { h in
            let first = try await h.sync(["phone_call_history"])
            #expect(first.status == .succeeded, "\(first.lastError ?? "") \(first.stream("phone_call_history")?.error ?? "")")
            let rows = try await h.count("SELECT count(*) FROM phone_call_history")
            #expect(rows > 0)
            #expect(rows == first.stream("phone_call_history")?.inserted)
            // Every column against the item Zoom sent (kept in `raw`): a mismatch in any field of any row counts.
            let mismatched = try await h.count(
                """
                SELECT count(*) FROM phone_call_history WHERE
                    remote_id IS DISTINCT FROM raw->>'call_history_uuid' OR call_id IS DISTINCT FROM raw->>'call_id'
                 OR direction IS DISTINCT FROM raw->>'direction' OR call_type IS DISTINCT FROM raw->>'call_type'
                 OR connect_type IS DISTINCT FROM raw->>'connect_type' OR call_result IS DISTINCT FROM raw->>'call_result'
                 OR started_at IS DISTINCT FROM (raw->>'start_time')::timestamptz OR answered_at IS DISTINCT FROM (raw->>'answer_time')::timestamptz
                 OR ended_at IS DISTINCT FROM (raw->>'end_time')::timestamptz OR duration_seconds IS DISTINCT FROM (raw->>'duration')::bigint
                 OR caller_name IS DISTINCT FROM raw->>'caller_name' OR caller_email IS DISTINCT FROM raw->>'caller_email'
                 OR caller_number IS DISTINCT FROM coalesce(raw->>'caller_did_number', raw->>'caller_ext_number')
                 OR callee_name IS DISTINCT FROM raw->>'callee_name' OR callee_email IS DISTINCT FROM raw->>'callee_email'
                 OR callee_number IS DISTINCT FROM coalesce(raw->>'callee_did_number', raw->>'callee_ext_number')
                 OR site_name IS DISTINCT FROM raw->>'site_name' OR department IS DISTINCT FROM raw->>'department'
                 OR recording_status IS DISTINCT FROM raw->>'recording_status'
                """)
            #expect(mismatched == 0)
            // Both directions, with the outside party by number and the user by extension and e-mail.
            #expect(
                try await h.count(
                    "SELECT count(*) FROM phone_call_history WHERE direction = 'outbound' AND callee_number LIKE '+%' AND caller_email IS NOT NULL")
                    > 0)
            #expect(
                try await h.count(
                    "SELECT count(*) FROM phone_call_history WHERE direction = 'inbound' AND caller_number LIKE '+%' AND callee_email IS NOT NULL")
                    > 0)
            #expect(try await h.count("SELECT count(*) FROM phone_call_history WHERE call_result = 'answered' AND answered_at IS NULL") == 0)
            let second = try await h.sync(["phone_call_history"])
            #expect(second.status == .succeeded)
            #expect(
                second.stream("phone_call_history")?.inserted == 0 && second.stream("phone_call_history")?.updated == 0, "re-reading writes nothing")
            #expect(try await h.count("SELECT count(*) FROM phone_call_history") == rows)
        }
    }

    @Test("a connection's phone_call_logs stream becomes phone_call_history at migration, keeping its interval and permission, its history reset")
    func migrationMovesTheStream() async throws {
        try await TestDatabase.withFreshDatabase { owner, _ in
            let migrations = try Migration.load(from: TestDatabase.migrationsDirectory)
            _ = try await Migrator(pool: owner, migrations: migrations.filter { $0.version <= 13 }, logger: TestDatabase.logger).migrate()
            let tenant = try await Tenants(pool: owner).create(slug: "acme", name: "Acme")
            try await owner.withConnection { sql in
                let connection = try sql.query(
                    """
                    INSERT INTO connections (tenant_id, provider, mode, status, external_account_id, client_id)
                    VALUES (\(tenant.id), 'zoom', 'platform', 'active', 'acct', 'client') RETURNING id
                    """)[0].decode(UUID.self, at: 0)
                try sql.execute(
                    """
                    INSERT INTO connection_streams (tenant_id, connection_id, name, permitted, missing_scopes, interval_seconds, watermark, state)
                    VALUES (\(tenant.id), \(connection), 'phone_call_logs', false, '{phone:read:list_call_logs:admin}', 7200, '2026-11-30', 'failed'),
                           (\(tenant.id), \(connection), 'users', true, '{}', NULL, NULL, 'succeeded')
                    """)
            }
            _ = try await Migrator(pool: owner, migrations: migrations, logger: TestDatabase.logger).migrate()
            try await owner.withConnection { sql in
                let rows = try sql.query(
                    "SELECT name, permitted, missing_scopes, interval_seconds, watermark::text, state FROM connection_streams ORDER BY name")
                #expect(try rows.map { try $0.decode(String.self, at: 0) } == ["phone_call_history", "users"])
                let (_, permitted, missing, interval, watermark, state) = try rows[0].decode((String, Bool, [String], Int?, String?, String).self)
                #expect(!permitted && missing == ["phone:read:list_call_logs:admin"] && interval == 7200)
                #expect(watermark == nil && state == "idle", "the new endpoint's history is read from the start")
            }
        }
    }
}
