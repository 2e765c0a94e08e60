public import Foundation
public import Postgres

/// A customer of the SMP: the unit of isolation for every connection and every synced row.
public struct Tenant: Sendable, Hashable, Codable {
    public let id: UUID
    public let slug: String
    public let name: String
    public let createdAt: Date
}

/// Creates and finds tenants. The `tenants` table has no `tenant_id` column and no row-level security:
/// a tenant row is what API keys and connections point at.
public struct Tenants: Sendable {
    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    /// Slugs are what URLs and CLI flags use.
    public static func isValidSlug(_ slug: String) -> Bool {
        slug.range(of: "^[a-z0-9][a-z0-9-]{0,62}$", options: .regularExpression) != nil
    }

    /// Creates a tenant.
    /// - Throws: ``StoreError`` `invalid` for a malformed slug or name, `conflict` when the slug is taken.
    public func create(slug: String, name: String) async throws -> Tenant {
        guard Self.isValidSlug(slug) else {
            throw StoreError(.invalid, "slug must match [a-z0-9][a-z0-9-]{0,62}")
        }
        guard (1...200).contains(name.count), !name.contains("\0") else {
            throw StoreError(.invalid, "name must be 1 to 200 characters")
        }
        do {
            return try await pool.withConnection { connection in
                try connection.query(
                    "INSERT INTO tenants (slug, name) VALUES (\(slug), \(name)) RETURNING id, slug, name, created_at"
                )[0].decodeTenant()
            }
        } catch let error as PGError where error.isUniqueViolation {
            throw StoreError(.conflict, "a tenant with slug \(slug) already exists")
        }
    }

    /// The tenant whose slug or id is `reference` (the API accepts either in its paths).
    public func find(_ reference: String) async throws -> Tenant? {
        if let id = UUID(uuidString: reference) {
            return try await pool.query("SELECT id, slug, name, created_at FROM tenants WHERE id = \(id)").first?.decodeTenant()
        }
        guard Self.isValidSlug(reference) else { return nil }
        return try await pool.query("SELECT id, slug, name, created_at FROM tenants WHERE slug = \(reference)").first?.decodeTenant()
    }

    /// Every tenant, by slug.
    public func all() async throws -> [Tenant] {
        try await pool.query("SELECT id, slug, name, created_at FROM tenants ORDER BY slug").map { try $0.decodeTenant() }
    }

    /// Every tenant id, for maintenance passes that visit each tenant's rows in turn (row-level security
    /// shows one tenant per transaction).
    public func allIDs() async throws -> [UUID] {
        try await pool.query("SELECT id FROM tenants ORDER BY id").map { try $0.decode(UUID.self, at: 0) }
    }
}

extension PGRow {
    func decodeTenant() throws -> Tenant {
        let (id, slug, name, createdAt) = try decode((UUID, String, String, Date).self)
        return Tenant(id: id, slug: slug, name: name, createdAt: createdAt)
    }
}
