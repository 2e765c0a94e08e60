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
    let logger: Logger

    public init(pool: PGPool, vault: CredentialVault, logger: Logger) {
        self.rows = VaultRows(pool: pool)
        self.tenants = Tenants(pool: pool)
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
                    result.failed.append("\(row.table) tenant \(row.tenantID) owner \(row.ownerID)")
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
    }

    /// Re-seals every row not under the primary key.
    public func run(batchSize: Int = 100) async throws -> Report {
        let primary = vault.primaryKeyID
        var report = Report()
        for tenant in try await tenants.allIDs() {
            while true {
                let batch = try await rows.notSealedWith(primary, tenantID: tenant, limit: batchSize)
                if batch.isEmpty { break }
                for row in batch {
                    if try await rows.replace(row, with: try vault.resealed(row), keyID: primary) {
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
}
