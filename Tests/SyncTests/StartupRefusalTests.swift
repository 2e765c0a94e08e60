import Foundation
import Postgres
import TestSupport
import Testing
import Vault

/// Processes that must not start, run as an operator would run them: SECURITY.md K6 (a bad key ring) and
/// T2 (a runtime role that row-level security would not confine).
@Suite("Startup refusals", .enabled(if: TestDatabase.isAvailableOrRequired))
struct StartupRefusalTests {
    /// Runs `tether <arguments>` and returns its exit status and standard error once it has stopped.
    static func refused(_ arguments: [String], _ environment: [String: String]) async throws -> (status: Int32?, stderr: String, stdout: String) {
        let process = try TetherProcess(arguments, environment: environment)
        defer { process.killHard() }
        let status = await process.exitStatus(within: TestScale.bound(.seconds(30)))
        return (status, process.standardError, process.standardOutput)
    }

    @Test("K6: a short, non-base64 or unknown-primary key ring stops serve before it listens, and stderr shows no key bytes")
    func badKeyRing() async throws {
        try await withSyncHarness { h in
            let sentinel = "Sentinel0Key1Material2"
            let short = Base64.encode(Array(sentinel.utf8))  // 22 bytes, not 32
            let rings = [
                ("short key", "k1:\(short)"), ("not base64", "k1:\(sentinel)!!"),
                ("unknown primary", "\(h.vaultKeys)"),
            ]
            for (name, ring) in rings {
                var environment = [
                    "DATABASE_URL": h.databaseURL, "TETHER_VAULT_KEYS": ring, "TETHER_LISTEN": "127.0.0.1:0",
                    "TETHER_MIGRATIONS_DIR": TestDatabase.migrationsDirectory.path,
                ]
                if name == "unknown primary" { environment["TETHER_VAULT_PRIMARY"] = "nope" }
                let (status, stderr, stdout) = try await Self.refused(["serve"], environment)
                #expect(status != nil && status != 0, "\(name): \(stderr)")
                #expect(!stderr.contains(sentinel) && !stderr.contains(short), "\(name): the key's bytes are on stderr")
                #expect(!(stdout + stderr).contains("listening"), "\(name)")
                #expect(stderr.contains("TETHER_VAULT"), "\(name): the message names the variable: \(stderr)")
            }
        }
    }

    @Test("T2: serve and worker refuse a BYPASSRLS role, and a role that owns a tenant table, before doing anything")
    func unconfinedRoles() async throws {
        try await withSyncHarness { h in
            let suffix = UUID().uuidString.prefix(8).lowercased()
            let bypass = "t2_bypass_\(suffix)"
            let owner = "t2_owner_\(suffix)"
            try await h.owner.withConnection { sql in
                try sql.executeScript(
                    """
                    CREATE ROLE \(bypass) LOGIN NOSUPERUSER BYPASSRLS;
                    CREATE ROLE \(owner) LOGIN NOSUPERUSER NOBYPASSRLS;
                    ALTER TABLE users OWNER TO \(owner);
                    """)
            }
            for (role, reason) in [(bypass, "BYPASSRLS"), (owner, "owns")] {
                for arguments in [["serve"], ["worker"]] {
                    let environment = [
                        "DATABASE_URL": TestDatabase.asRole(h.databaseURL, role), "TETHER_VAULT_KEYS": h.vaultKeys, "TETHER_LISTEN": "127.0.0.1:0",
                        "TETHER_MIGRATIONS_DIR": TestDatabase.migrationsDirectory.path,
                    ]
                    let (status, stderr, stdout) = try await Self.refused(arguments, environment)
                    #expect(status != nil && status != 0, "\(role) \(arguments): \(stderr)")
                    #expect(stderr.contains(reason), "\(role) \(arguments): \(stderr)")
                    #expect(!(stdout + stderr).contains("listening"))
                }
            }
        }
    }

    @Test("T8: serve refuses a DATABASE_API_URL role that can read a token table, naming the tables")
    func apiRoleThatReadsSecrets() async throws {
        try await withSyncHarness { h in
            let environment = [
                "DATABASE_URL": h.databaseURL, "DATABASE_API_URL": h.databaseURL, "TETHER_VAULT_KEYS": h.vaultKeys,
                "TETHER_LISTEN": "127.0.0.1:0",
            ]
            let (status, stderr, stdout) = try await Self.refused(["serve"], environment)
            #expect(status != nil && status != 0, "\(stderr)")
            #expect(stderr.contains("DATABASE_API_URL") && stderr.contains("connection_credentials"), "\(stderr)")
            #expect(!(stdout + stderr).contains("listening"))
        }
    }
}
