import Connectors
import Credentials
import Foundation
import Logging
import Postgres
import Store

/// Carries out one claimed action (DESIGN §6.1): checks the connection and its scopes again, has the
/// connector plan it (targets read, guards applied, nothing written), and then, unless it is a dry run,
/// marks it as being sent, sends its requests through the account's rate limiter, and finishes it with
/// the synced rows it changed and its event, in one transaction. A taker-over of an action that may have
/// been sent asks the provider whether its effect is there before sending it again.
struct ActionExecutor {
    let action: ClaimedAction
    let dependencies: SyncDependencies

    var ledger: ActionLedger { ActionLedger(pool: dependencies.pool) }
    var configuration: SyncConfiguration { dependencies.configuration }

    func carryOut() async {
        do {
            try await attempt()
        } catch is LeaseLost {
            dependencies.logger.warning("an action's lease was lost; its taker-over decides", metadata: ["action_id": "\(action.id)"])
        } catch {
            dependencies.logger.error("an action could not be recorded", metadata: ["action_id": "\(action.id)", "error": "\(error)"])
        }
    }

    private func attempt() async throws {
        guard let connection = try await Connections(pool: dependencies.pool).find(tenantID: action.tenantID, id: action.connectionID),
            let connector = dependencies.registry.connector(connection.provider), let description = connector.action(named: action.action)
        else { return try await end(.failed, ActionError(code: "not_found", message: "the connection or its action no longer exists")) }
        guard connection.status == .active, connection.enabled else {
            let code = [.needsReauth, .error].contains(connection.status) ? "needs_reauth" : "not_available"
            return try await end(.failed, ActionError(code: code, message: "the connection is \(connection.enabled ? connection.status : .disabled)"))
        }
        let missing = description.missingScopes(granted: Set(connection.grantedScopes))
        guard missing.isEmpty else {
            return try await end(.rejected, ActionError(code: "missing_scope", message: "the connection lacks: \(missing.joined(separator: ", "))"))
        }
        let client = ProviderClient(
            connector: connector, connection: connection, tokens: dependencies.tokens, http: dependencies.http, limiter: dependencies.limiter,
            quotas: ProviderQuotas(pool: dependencies.pool), configuration: configuration)
        var planText: String?
        do {
            let secrets = try openSecrets()
            let input = try await resolve(try description.validate(Self.restoring(action.input, secrets: secrets)), description)
            // A taker-over judges the effect against the targets as the first send found them (the host's
            // meetings before one was created, the role a user held), and sends what it plans now.
            let sentTargets = action.sentAt == nil ? nil : action.sentPlan.flatMap(Self.targets(fromPlan:))
            let plan: ActionPlan
            do {
                plan = try await connector.planAction(description, input: input, api: client)
            } catch let refusal as ActionRefusal {
                // The first send can make the plan refuse now (the group it created exists, the person it
                // invited has a user): when its effect reads back, the action did what was asked.
                let sent = ActionPlan(targets: sentTargets ?? [], requests: [])
                guard sentTargets != nil, try await connector.isActionEffective(description, plan: sent, api: client) == true else { throw refusal }
                planText = action.sentPlan
                return try await succeed(description, connector, plan: sent, responses: [], confirmed: true, planText: planText, client)
            }
            planText = Self.redacting(Self.json(plan), secrets: Set(secrets.values)).canonicalText
            if action.dryRun { return try await ledger.finish(action, status: .planned, plan: planText, result: nil, error: nil) }
            let checked = ActionPlan(targets: sentTargets ?? plan.targets, requests: plan.requests)
            if action.sentAt != nil {
                switch try await connector.isActionEffective(description, plan: checked, api: client) {
                case true?:
                    return try await succeed(description, connector, plan: checked, responses: [], confirmed: true, planText: planText, client)
                case nil where !description.isIdempotent:
                    return try await end(
                        .failed,
                        ActionError(
                            code: "provider_error",
                            message:
                                "a worker stopped after the request may have reached \(connector.displayName), whose effect cannot be read back: it was not sent again"
                        ),
                        plan: planText)
                default: break
                }
            }
            try await ledger.markSending(action, plan: planText ?? "{}", lease: configuration.lease)
            var responses: [[UInt8]] = []
            for request in plan.requests { responses.append(try await client.send(request)) }
            try await succeed(description, connector, plan: plan, responses: responses, confirmed: false, planText: planText, client)
        } catch let refusal as ActionRefusal {
            try await end(.rejected, ActionError(code: refusal.code.rawValue, message: refusal.message), plan: planText)
        } catch let error as ActionInputError {
            try await end(.rejected, ActionError(code: "invalid_input", message: error.message))
        } catch let error as ConnectorError {
            try await failed(error, plan: planText)
        } catch let error as QuotaExhausted {
            try await ledger.retry(action, at: error.until, error: ActionError(code: "provider_error", message: error.description))
        } catch let error as TokenError {
            let code = error.kind == .transient ? "provider_error" : "needs_reauth"
            if error.kind == .transient, action.attempt < action.maxAttempts {
                return try await ledger.retry(action, at: retryTime(), error: ActionError(code: code, message: error.reason))
            }
            try await end(.failed, ActionError(code: code, message: error.reason), plan: planText)
        }
    }

    /// Finishes the action as succeeded with what the connector reads back, the synced rows it changed
    /// written in the same transaction; `confirmed` when a taker-over found the effect in place.
    private func succeed(
        _ description: ActionDescription, _ connector: any Connector, plan: ActionPlan, responses: [[UInt8]], confirmed: Bool, planText: String?,
        _ client: ProviderClient
    ) async throws {
        let outcome = try await connector.actionOutcome(description, plan: plan, responses: responses, api: client)
        var result = outcome.result
        if confirmed, case .object(var members) = result {
            members["confirmed_after_takeover"] = .bool(true)
            result = .object(members)
        }
        try await ledger.finish(action, status: .succeeded, plan: planText, result: result.canonicalText, error: nil) { [action] sql in
            try SyncedRecords.writeThrough(
                sql, tenantID: action.tenantID, connectionID: action.connectionID, upserts: outcome.upserts, deletions: outcome.deletions)
        }
    }

    /// A provider error: 429s and 5xx that outlasted the call's retries come back later while attempts
    /// remain; any other refusal ends the action.
    private func failed(_ error: ConnectorError, plan: String?) async throws {
        switch error.kind {
        case .rateLimited where action.attempt < action.maxAttempts, .unavailable where action.attempt < action.maxAttempts:
            try await ledger.retry(action, at: retryTime(), error: ActionError(code: "provider_error", message: error.reason))
        case .missingScope: try await end(.failed, ActionError(code: "missing_scope", message: error.reason), plan: plan)
        case .notFound: try await end(.failed, ActionError(code: "not_found", message: error.reason), plan: plan)
        case .notAvailable: try await end(.failed, ActionError(code: "not_available", message: error.reason), plan: plan)
        case .unauthorized: try await end(.failed, ActionError(code: "needs_reauth", message: error.reason), plan: plan)
        default: try await end(.failed, ActionError(code: "provider_error", message: error.reason), plan: plan)
        }
    }

    private func end(_ status: ActionStatus, _ error: ActionError, plan: String? = nil) async throws {
        try await ledger.finish(action, status: status, plan: plan, result: nil, error: error)
    }

    /// The action's secret inputs, opened with the vault (none for most actions).
    private func openSecrets() throws -> [String: String] {
        guard let sealed = action.sealedSecrets else { return [:] }
        let text = try dependencies.tokens.vault.openActionSecrets(sealed, tenantID: action.tenantID, actionID: action.id)
        return (JSONValue.parse(Array(text.utf8))?.object ?? [:]).compactMapValues(\.string)
    }

    /// The stored input with its secrets put back in place of their markers.
    static func restoring(_ stored: String, secrets: [String: String]) -> JSONValue {
        guard case .object(var values) = JSONValue.parse(Array(stored.utf8)) ?? .null else { return .null }
        for (name, value) in secrets { values[name] = .string(value) }
        return .object(values)
    }

    /// `value` with every string that is one of `secrets` replaced by the marker: a plan shows the request
    /// it sends, never the password in its body.
    static func redacting(_ value: JSONValue, secrets: Set<String>) -> JSONValue {
        guard !secrets.isEmpty else { return value }
        switch value {
        case .string(let text) where secrets.contains(text): return .string(ActionInput.sealedMarker)
        case .array(let items): return .array(items.map { redacting($0, secrets: secrets) })
        case .object(let members): return .object(members.mapValues { redacting($0, secrets: secrets) })
        default: return value
        }
    }

    private func retryTime() -> Date { Date().addingTimeInterval(configuration.runBackoff(action.attempt).seconds) }

    /// Turns Tether's ids in reference fields into the provider's (a user, group or role synced for this
    /// connection); other values are the provider's ids or emails already.
    private func resolve(_ input: ActionInput, _ description: ActionDescription) async throws -> ActionInput {
        var resolved = input
        for field in description.fields {
            guard case .reference(let table) = field.kind, let value = input.text(field.name), let id = UUID(uuidString: value) else { continue }
            let remote = try await dependencies.pool.withTenant(action.tenantID) { [action] sql in
                try SyncedRecords.remoteID(sql, tenantID: action.tenantID, connectionID: action.connectionID, table: table, id: id)
            }
            guard let remote else { throw ActionRefusal(.notFound, "no synced \(table.name) record has the id \(value)") }
            resolved.values[field.name] = .string(remote)
        }
        return resolved
    }

    /// The targets of a plan the ledger kept (``json(_:)``).
    static func targets(fromPlan text: String) -> [ActionTarget]? {
        guard let targets = JSONValue.parse(Array(text.utf8))?["targets"]?.array else { return nil }
        return targets.compactMap { target in
            guard let kind = target["kind"]?.string, let remoteID = target["remote_id"]?.string else { return nil }
            return ActionTarget(
                kind: kind, remoteID: remoteID, label: target["label"]?.string ?? remoteID,
                privilege: target["privilege"]?.string.flatMap(ActionTarget.Privilege.init(rawValue:)))
        }
    }

    /// The plan as the ledger keeps it and a dry run shows it.
    static func json(_ plan: ActionPlan) -> JSONValue {
        .object([
            "targets": .array(
                plan.targets.map { target in
                    var shown: JSONObject = [
                        "kind": .string(target.kind), "remote_id": .string(target.remoteID), "label": .string(target.label),
                    ]
                    if let privilege = target.privilege { shown["privilege"] = .string(privilege.rawValue) }
                    return .object(shown)
                }),
            "requests": .array(plan.requests.map(\.summary)),
        ])
    }
}
