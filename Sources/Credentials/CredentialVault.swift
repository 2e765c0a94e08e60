public import Foundation
public import Sensitive
public import Store
public import Vault

/// Seals and opens the secrets Tether stores, each bound (as associated data) to its table, column,
/// tenant and connection or flow: a value copied to another row or column does not open.
public struct CredentialVault: Sendable {
    public let sealer: Sealer

    /// - Parameter tally: counts what this vault seals per key, for ``VaultKeyUsageRecorder``.
    public init(keyRing: KeyRing, tally: SealTally? = nil) {
        self.sealer = Sealer(keyRing: keyRing, tally: tally)
    }

    /// The key new values are sealed with.
    public var primaryKeyID: String { sealer.keyRing.primaryID }

    /// Seals a connection's tokens, client secret and (custom mode) webhook secret token for storage.
    public func seal(
        tenantID: UUID, connectionID: UUID, accessToken: Secret?, expiresAt: Date?, refreshToken: Secret?, clientSecret: Secret?,
        webhookSecret: Secret? = nil
    ) throws -> SealedCredentials {
        func seal(_ value: Secret?, _ column: String) throws -> Data? {
            try value.map { Data(try sealer.seal($0.unsafeValue, for: Self.credentialContext(column, tenantID, connectionID))) }
        }
        return SealedCredentials(
            accessToken: try seal(accessToken, "access_token"), accessTokenExpiresAt: expiresAt,
            refreshToken: try seal(refreshToken, "refresh_token"), clientSecret: try seal(clientSecret, "client_secret"),
            webhookSecret: try seal(webhookSecret, "webhook_secret"), keyID: primaryKeyID)
    }

    /// Opens one sealed credential column (`access_token`, `refresh_token`, `client_secret` or `webhook_secret`).
    public func open(_ sealed: Data?, column: String, tenantID: UUID, connectionID: UUID) throws -> Secret? {
        try sealed.map { Secret(try sealer.openString(Array($0), for: Self.credentialContext(column, tenantID, connectionID))) }
    }

    /// Seals a flow's PKCE verifier and (custom mode) the app's client secret and webhook secret token.
    public func sealFlow(
        tenantID: UUID, flowID: UUID, verifier: Secret, clientSecret: Secret?, webhookSecret: Secret? = nil
    ) throws -> SealedFlowSecrets {
        func seal(_ value: Secret?, _ column: String) throws -> Data? {
            try value.map { Data(try sealer.seal($0.unsafeValue, for: Self.flowContext(column, tenantID, flowID))) }
        }
        return SealedFlowSecrets(
            verifier: Data(try sealer.seal(verifier.unsafeValue, for: Self.flowContext("code_verifier", tenantID, flowID))),
            clientSecret: try seal(clientSecret, "client_secret"), webhookSecret: try seal(webhookSecret, "webhook_secret"),
            keyID: primaryKeyID)
    }

    /// Opens a flow's sealed column (`code_verifier`, `client_secret` or `webhook_secret`).
    public func openFlow(_ sealed: Data, column: String, tenantID: UUID, flowID: UUID) throws -> Secret {
        Secret(try sealer.openString(Array(sealed), for: Self.flowContext(column, tenantID, flowID)))
    }

    /// A row's sealed values re-sealed under the primary key (the plaintext never leaves this function).
    public func resealed(_ row: VaultRows.SealedRow) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for (column, value) in row.values {
            let context = SealContext(table: row.table, column: column, tenantID: row.tenantID, connectionID: row.ownerID)
            out[column] = Data(try sealer.resealed(Array(value), for: context) ?? Array(value))
        }
        return out
    }

    /// Whether every value of `row` opens with the key ring (the plaintext is discarded at once): what an
    /// operator checks before removing an old key.
    public func opens(_ row: VaultRows.SealedRow) -> Bool {
        row.values.allSatisfy { column, value in
            let context = SealContext(table: row.table, column: column, tenantID: row.tenantID, connectionID: row.ownerID)
            return (try? sealer.open(Array(value), for: context)) != nil
        }
    }

    /// Seals an action's secret inputs (a JSON object), bound to the action.
    public func sealActionSecrets(_ json: String, tenantID: UUID, actionID: UUID) throws -> (sealed: Data, keyID: String) {
        (Data(try sealer.seal(json, for: Self.actionContext(tenantID, actionID))), primaryKeyID)
    }

    /// Opens what ``sealActionSecrets(_:tenantID:actionID:)`` sealed.
    public func openActionSecrets(_ sealed: Data, tenantID: UUID, actionID: UUID) throws -> String {
        try sealer.openString(Array(sealed), for: Self.actionContext(tenantID, actionID))
    }

    static func actionContext(_ tenantID: UUID, _ actionID: UUID) -> SealContext {
        SealContext(table: "actions", column: "sealed_input", tenantID: tenantID, connectionID: actionID)
    }

    /// Seals a tenant's webhook signing secret, bound to the tenant.
    public func sealWebhookSecret(_ secret: Secret, tenantID: UUID) throws -> (sealed: Data, keyID: String) {
        (Data(try sealer.seal(secret.unsafeValue, for: Self.webhookContext(tenantID))), primaryKeyID)
    }

    /// Opens what ``sealWebhookSecret(_:tenantID:)`` sealed.
    public func openWebhookSecret(_ sealed: Data, tenantID: UUID) throws -> Secret {
        Secret(try sealer.openString(Array(sealed), for: Self.webhookContext(tenantID)))
    }

    static func webhookContext(_ tenantID: UUID) -> SealContext {
        // A webhook secret belongs to the tenant alone: the tenant id stands in for the owning row.
        SealContext(table: "tenant_webhooks", column: "secret", tenantID: tenantID, connectionID: tenantID)
    }

    static func credentialContext(_ column: String, _ tenantID: UUID, _ connectionID: UUID) -> SealContext {
        SealContext(table: "connection_credentials", column: column, tenantID: tenantID, connectionID: connectionID)
    }

    static func flowContext(_ column: String, _ tenantID: UUID, _ flowID: UUID) -> SealContext {
        SealContext(table: "oauth_flows", column: column, tenantID: tenantID, connectionID: flowID)
    }
}
