import Foundation
public import Logging
public import Postgres
import Store

/// Re-seals every stored secret under the vault's primary key, online: tenant by tenant, in batches, each
/// row with a compare-and-swap so a concurrent token refresh is never overwritten (the refresh writes
/// under the primary key anyway). Rerunning after a crash picks up where it stopped.
public struct KeyRotation: Sendable {
    let rows: VaultRows
    let tenants: Tenants
    let vault: CredentialVault
    let usage: VaultKeyUsage
    let logger: Logger

    public init(pool: PGPool, vault: CredentialVault, logger: Logger) {
        self.rows = VaultRows(pool: pool)
        self.tenants = Tenants(pool: pool)
        self.usage = VaultKeyUsage(pool: pool)
        self.vault = vault
        self.logger = logger
    }

    /// Sealed rows per key id, over every tenant.
    public func status() async throws -> [String: Int] {
        var total: [String: Int] = [:]
        for tenant in try await tenants.allIDs() {
            total.merge(try await rows.countsByKey(tenantID: tenant), uniquingKeysWith: +)
        }
        return total
    }

    /// Values sealed per key id since each key was first used, over every process (SECURITY.md K5).
    public func sealsPerKey() async throws -> [String: Int] {
        try await usage.totals()
    }

    /// What ``verify()`` found.
    public struct Verification: Sendable, Hashable {
        public var opened = 0
        /// Rows a value of which did not open, as "table tenant owner" (ids only, never a value).
        public var failed: [String] = []
    }

    /// Opens every stored secret with the key ring, over every tenant.
    public func verify() async throws -> Verification {
        var result = Verification()
        for tenant in try await tenants.allIDs() {
            for row in try await rows.all(tenantID: tenant) {
                if vault.opens(row) {
                    result.opened += 1
                } else {
                    result.failed.append(Self.name(row))
                }
            }
        }
        return result
    }

    /// What a rotation did.
    public struct Report: Sendable, Hashable {
        public var resealed = 0
        /// Rows a concurrent write changed first; they were re-read and re-sealed in a later batch.
        public var retried = 0
        /// Rows a value of which did not open with the key ring (ids only): left as they are, so the operator
        /// can find them; every other row is still re-sealed.
        public var failed: [String] = []
    }

    /// Re-seals every row not under the primary key.
    public func run(batchSize: Int = 100) async throws -> Report {
        let primary = vault.primaryKeyID
        var report = Report()
        for tenant in try await tenants.allIDs() {
            var unopened: Set<UUID> = []
            while true {
                let batch = try await rows.notSealedWith(primary, tenantID: tenant, limit: batchSize, skipping: unopened)
                if batch.isEmpty { break }
                for row in batch {
                    let resealed: [String: Data]
                    do {
                        resealed = try vault.resealed(row)
                    } catch {
                        unopened.insert(row.ownerID)
                        report.failed.append(Self.name(row))
                        logger.error(
                            "a stored secret does not open with the key ring; left as it is",
                            metadata: ["table": "\(row.table)", "tenant": "\(tenant)", "owner": "\(row.ownerID)"])
                        continue
                    }
                    if try await rows.replace(row, with: resealed, keyID: primary) {
                        report.resealed += 1
                    } else {
                        report.retried += 1
                    }
                }
                logger.info("vault rotation batch", metadata: ["tenant": "\(tenant)", "resealed": "\(report.resealed)"])
            }
        }
        return report
    }

    /// How a row is named to the operator: its table and ids, never a value.
    static func name(_ row: VaultRows.SealedRow) -> String {
        "\(row.table) tenant \(row.tenantID) owner \(row.ownerID)"
    }
}
