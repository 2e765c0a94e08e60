import Connectors
import Foundation
import Store

/// `{data, next_cursor}`: every list in the API has this shape.
struct ListJSON<Item: Encodable & Sendable>: Encodable, Sendable {
    let data: [Item]
    let next_cursor: Nullable<String>
}

/// An optional that is encoded as `null` rather than left out, so every documented key is always present.
struct Nullable<Value: Encodable & Sendable>: Encodable, Sendable {
    let value: Value?

    init(_ value: Value?) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value { try container.encode(value) } else { try container.encodeNil() }
    }
}

extension UUID {
    /// Ids appear in JSON and URLs in lowercase.
    var json: String { uuidString.lowercased() }
}

struct TenantJSON: Encodable, Sendable {
    let id: String
    let slug: String
    let name: String
    let created_at: Date

    init(_ tenant: Tenant) {
        id = tenant.id.json
        slug = tenant.slug
        name = tenant.name
        created_at = tenant.createdAt
    }
}

/// A connection as the API shows it (DESIGN §5). It has no field for a token or a secret, so none can
/// be sent by mistake (SECURITY.md K9).
struct ConnectionJSON: Encodable, Sendable {
    struct AuthorizedBy: Encodable, Sendable {
        let email: Nullable<String>
        let remote_user_id: Nullable<String>
        let role: Nullable<String>
    }

    struct Stream: Encodable, Sendable {
        let name: String
        let state: String
        let permitted: Bool
        let missing_scopes: [String]
        let last_run_at: Nullable<Date>
        let next_sync_at: Nullable<Date>
        /// Set per connection with PATCH; null means the stream's default (hourly, daily for reports).
        let interval_seconds: Nullable<Int>
        /// Windowed streams: the last day fetched completely.
        let watermark: Nullable<String>
        let last_error: Nullable<String>
    }

    let id: String
    let tenant_id: String
    let provider: String
    let mode: ConnectionMode
    let status: ConnectionStatus
    let status_reason: Nullable<String>
    let name: String
    let description: String
    let enabled: Bool
    let external_account_id: String
    let authorized_by: AuthorizedBy
    let granted_scopes: [String]
    let rate_limit_plan: String
    let rate_limit_plan_source: String
    let streams: [Stream]
    /// Each action of the provider's catalogue, and whether the connection's grant permits it.
    let actions: [ActionPermission]
    let created_at: Date
    let updated_at: Date

    struct ActionPermission: Encodable, Sendable {
        let name: String
        let permitted: Bool
        let missing_scopes: [String]
    }

    init(_ connection: Connection, actions catalogue: [ActionDescription]) {
        id = connection.id.json
        tenant_id = connection.tenantID.json
        provider = connection.provider
        mode = connection.mode
        status = connection.status
        status_reason = Nullable(connection.statusReason)
        name = connection.name
        description = connection.description
        enabled = connection.enabled
        external_account_id = connection.externalAccountID
        authorized_by = AuthorizedBy(
            email: Nullable(connection.authorizedByEmail), remote_user_id: Nullable(connection.authorizedByRemoteUserID),
            role: Nullable(connection.authorizedByRole))
        granted_scopes = connection.grantedScopes
        rate_limit_plan = connection.rateLimitPlan
        rate_limit_plan_source = connection.rateLimitPlanSource
        streams = connection.streams.map {
            Stream(
                name: $0.name, state: $0.state, permitted: $0.permitted, missing_scopes: $0.missingScopes,
                last_run_at: Nullable($0.lastRunAt), next_sync_at: Nullable($0.nextSyncAt), interval_seconds: Nullable($0.intervalSeconds),
                watermark: Nullable($0.watermark), last_error: Nullable($0.lastError))
        }
        let granted = Set(connection.grantedScopes)
        actions = catalogue.map { action in
            let missing = action.missingScopes(granted: granted)
            return ActionPermission(name: action.name, permitted: missing.isEmpty, missing_scopes: missing)
        }
        created_at = connection.createdAt
        updated_at = connection.updatedAt
    }
}
