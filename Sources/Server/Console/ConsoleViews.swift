import Connectors
import Credentials
import Foundation
import Hummingbird
import Store

/// What each console page shows, read from the store and shaped for its template. Values go to the
/// templates as text and are escaped there; the only HTML passed through is the run chart, drawn here.
struct ConsoleViews: Sendable {
    let overview: OperatorOverview
    let connections: Connections
    let runs: SyncRuns
    let apiKeys: APIKeys
    let ledger: ActionLedger
    let registry: ConnectorRegistry

    /// How many tenants the tenant list shows, and how many runs and events the other lists show.
    static let tenantLimit = 500
    static let listLimit = 100
    static let chartRuns = 50

    func tenants(_ signedIn: ConsoleOperator) async throws -> Response {
        let health = try await overview.tenants(limit: Self.tenantLimit)
        let rows: [[String: Any]] = health.map { h in
            let (label, tone): (String, ChipTone) =
                h.connections == 0
                ? ("no connection", .neutral)
                : h.needsReauth > 0 || h.otherStatus > 0 || h.failedStreams > 0
                    ? ("needs attention", .bad) : h.blockedStreams > 0 ? ("scopes missing", .warning) : ("healthy", .good)
            return [
                "slug": h.tenant.slug, "name": h.tenant.name, "health": label, "tone": tone.rawValue, "connections": h.connections,
                "active": h.active, "needsReauth": h.needsReauth, "failedStreams": h.failedStreams, "blockedStreams": h.blockedStreams,
                "lastRun": h.lastRunAt.map(Self.when) ?? "never",
            ]
        }
        return ConsolePage(
            title: "Tenants", template: "tenants",
            values: ["tenants": rows, "has_tenants": !rows.isEmpty, "count": rows.count, "truncated": rows.count == Self.tenantLimit],
            signedIn: signedIn, section: .tenants
        ).response()
    }

    func tenant(_ tenant: Tenant, _ signedIn: ConsoleOperator, notice: String?) async throws -> Response {
        let list = try await connections.list(tenantID: tenant.id)
        let rows: [[String: Any]] = list.map { c in
            let failed = c.streams.filter { $0.state == StreamStatus.failed.rawValue }.count
            let blocked = c.streams.filter { !$0.permitted }.count
            var row = Self.describe(c)
            row["streamSummary"] = "\(c.streams.count) streams · \(failed) failed · \(blocked) without scope"
            return row
        }
        let keys: [[String: Any]] = try await apiKeys.list(tenantID: tenant.id).map { key in
            let state: (String, ChipTone) =
                key.revokedAt != nil
                ? ("revoked", .neutral) : key.expiresAt.map { $0 <= Date() } == true ? ("expired", .neutral) : ("active", .good)
            return [
                "id": key.id.json, "name": key.name, "prefix": key.prefix, "created": Self.when(key.createdAt),
                "lastUsed": key.lastUsedAt.map(Self.when) ?? "never", "expires": key.expiresAt.map(ConsoleFormat.timestamp) ?? "never",
                "state": state.0, "tone": state.1.rawValue, "revocable": state.0 == "active",
            ]
        }
        return ConsolePage(
            title: "Tenant \(tenant.slug)", template: "tenant",
            values: [
                "slug": tenant.slug, "name": tenant.name, "created": ConsoleFormat.timestamp(tenant.createdAt), "connections": rows,
                "has_connections": !rows.isEmpty, "keys": keys, "has_keys": !keys.isEmpty,
            ], signedIn: signedIn, section: .tenants, notice: notice
        ).response()
    }

    func connection(_ connection: Connection, of tenant: Tenant, _ signedIn: ConsoleOperator, notice: String?) async throws -> Response {
        let lastGood = try await overview.lastSucceeded(tenantID: tenant.id, connectionID: connection.id)
        let history = try await runs.list(tenantID: tenant.id, connectionID: connection.id, limit: Self.chartRuns)
        let descriptions = registry.connector(connection.provider)?.streams ?? []
        let streams: [[String: Any]] = connection.streams.map { stream in
            let interval = stream.intervalSeconds ?? descriptions.first { $0.name == stream.name }?.defaultInterval ?? 3600
            let health = StreamHealth.of(
                stream, connectionStatus: connection.status, lastSucceeded: lastGood[stream.name], intervalSeconds: interval)
            var row: [String: Any] = [
                "name": stream.name, "health": health.rawValue, "tone": health.tone.rawValue,
                "lastGood": lastGood[stream.name].map(Self.when) ?? "never",
                "next": stream.permitted ? stream.nextSyncAt.map(Self.when) ?? "with the next run" : "—", "error": stream.lastError ?? "",
            ]
            if !stream.missingScopes.isEmpty { row["missing"] = stream.missingScopes.joined(separator: ", ") }
            return row
        }
        let runRows: [[String: Any]] = history.map { run in
            let seconds = run.startedAt.flatMap { start in run.finishedAt.map { $0.timeIntervalSince(start) } }
            return [
                "started": Self.when(run.startedAt ?? run.createdAt), "status": run.status.rawValue, "tone": RunChart.tone(run.status).rawValue,
                "trigger": run.trigger.rawValue, "records": ConsoleFormat.count(run.streams.reduce(0) { $0 + $1.fetched }),
                "duration": seconds.map(ConsoleFormat.duration) ?? "—", "error": run.lastError ?? "",
            ]
        }
        let actions: [[String: Any]] = try await ledger.list(tenantID: tenant.id, connectionID: connection.id, limit: 20, before: nil).map {
            action in
            let input = JSONValue.parse(Array(action.input.utf8))
            return [
                "created": Self.when(action.createdAt), "name": action.action, "dryRun": action.dryRun,
                "target": [input?["user"]?.string, input?["group"]?.string].compactMap { $0 }.joined(separator: " in "),
                "status": action.status.rawValue, "tone": Self.tone(action.status).rawValue, "by": action.requestedBy,
                "error": action.errorCode.map { "\($0): \(action.errorMessage ?? "")" } ?? "",
            ]
        }
        let missing = Array(Set(connection.streams.flatMap(\.missingScopes))).sorted()
        var values = Self.describe(connection)
        values.merge([
            "slug": tenant.slug,
            "authorizedBy": [connection.authorizedByEmail, connection.authorizedByRole].compactMap { $0 }.joined(separator: ", "),
            "planSource": connection.rateLimitPlanSource, "missingScopes": missing, "has_missingScopes": !missing.isEmpty,
            "canSync": connection.status == .active && connection.enabled,
            "canReauth": connection.mode.isBrowserFlow && [.needsReauth, .error].contains(connection.status),
            "streams": streams, "runs": runRows, "has_runs": !runRows.isEmpty, "runCount": runRows.count,
            "chart": RunChart(runs: history).svg, "actions": actions, "has_actions": !actions.isEmpty, "actionCount": actions.count,
        ]) { _, new in new }
        return ConsolePage(
            title: "\(connection.provider) \(connection.externalAccountID)", template: "connection", values: values, signedIn: signedIn,
            section: .tenants, notice: notice
        ).response()
    }

    func reauthLink(_ url: String, expiresAt: Date, for connection: Connection, of tenant: Tenant, _ signedIn: ConsoleOperator) -> Response {
        var values = Self.describe(connection)
        values.merge(["slug": tenant.slug, "url": url, "expires": ConsoleFormat.timestamp(expiresAt)]) { _, new in new }
        return ConsolePage(title: "Re-auth link", template: "reauth-link", values: values, signedIn: signedIn, section: .tenants).response(
            status: .created)
    }

    func queue(_ signedIn: ConsoleOperator) async throws -> Response {
        let statistics = try await runs.statistics(timeout: .seconds(5))
        let rows: [[String: Any]] = try await overview.queue(limit: Self.listLimit).map { run in
            [
                "slug": run.tenantSlug, "connection": run.connectionID.json, "status": run.status.rawValue,
                "tone": RunChart.tone(run.status).rawValue,
                "trigger": run.trigger.rawValue, "attempt": run.attempt, "due": Self.when(run.runAt),
                "worker": run.lockedBy.map { worker in "\(worker) (lease \(run.lockedUntil.map(Self.when) ?? "—"))" } ?? "—",
            ]
        }
        return ConsolePage(
            title: "Queue", template: "queue",
            values: [
                "due": statistics.due, "queued": statistics.queued, "running": statistics.running, "expired": statistics.expiredLeases,
                "oldestWait": statistics.oldestDueSeconds > 0 ? ConsoleFormat.duration(statistics.oldestDueSeconds) : "none waiting",
                "runs": rows, "has_runs": !rows.isEmpty,
            ], signedIn: signedIn, section: .queue
        ).response()
    }

    func rateLimits(_ signedIn: ConsoleOperator) async throws -> Response {
        let use = try await overview.rateUse()
        let quotas = try await overview.quotaUseToday()
        let connected = Dictionary(grouping: try await overview.connectedAccounts()) { "\($0.provider)\u{0}\($0.accountID)" }
        let accounts: [[String: Any]] = Dictionary(grouping: use) { "\($0.provider)\u{0}\($0.accountID)" }.sorted { $0.key < $1.key }.map {
            key, categories in
            let first = categories[0]
            let tenants = connected[key] ?? []
            let plan = tenants.first?.plan ?? registry.connector(first.provider)?.defaultRateLimitPlan ?? "unknown"
            let connector = registry.connector(first.provider)
            let rows: [[String: Any]] = categories.map { category in
                let limit = connector?.rateLimit(bucket: category.category, plan: plan)
                var row: [String: Any] = [
                    "category": category.category, "requests": ConsoleFormat.count(category.requestsToday),
                    "throttled": ConsoleFormat.count(category.throttledToday), "pace": category.pace.map(ConsoleFormat.rate) ?? "—",
                    "limit": limit.map { ConsoleFormat.rate($0.perSecond) } ?? "—",
                ]
                if let limit, let daily = limit.daily {
                    let used = quotas[first.provider]?[first.accountID]?[limit.dailyQuota] ?? 0
                    row["quota"] = [
                        "name": limit.dailyQuota, "max": daily, "used": used, "maxText": ConsoleFormat.count(daily),
                        "usedText": ConsoleFormat.count(used),
                    ]
                }
                return row
            }
            return [
                "provider": first.provider, "account": first.accountID, "plan": plan, "tenants": Array(Set(tenants.map(\.tenantSlug))).sorted(),
                "categories": rows,
            ]
        }
        return ConsolePage(
            title: "Rate limits", template: "rate-limits", values: ["accounts": accounts, "has_accounts": !accounts.isEmpty], signedIn: signedIn,
            section: .rateLimits
        ).response()
    }

    func events(_ signedIn: ConsoleOperator) async throws -> Response {
        let rows: [[String: Any]] = try await overview.recentEvents(limit: Self.listLimit).map { event in
            var row: [String: Any] = [
                "when": Self.when(event.createdAt), "slug": event.tenantSlug, "type": event.type, "status": event.status ?? "",
                "delivery": event.deliveryStatus + (event.deliveryAttempts > 0 ? " (\(event.deliveryAttempts) attempts)" : ""),
            ]
            if let connection = event.connectionID { row["connection"] = connection.json }
            return row
        }
        return ConsolePage(
            title: "Events", template: "events", values: ["events": rows, "has_events": !rows.isEmpty, "count": rows.count], signedIn: signedIn,
            section: .events
        ).response()
    }

    // MARK: - Shared pieces

    /// What the tenant page and the connection page both say about a connection.
    static func describe(_ connection: Connection) -> [String: Any] {
        var values: [String: Any] = [
            "id": connection.id.json, "provider": connection.provider,
            "label": connection.name.isEmpty ? connection.externalAccountID : connection.name,
            "status": connection.status.rawValue, "tone": ChipTone(connection.status).rawValue, "account": connection.externalAccountID,
            "mode": connection.mode.rawValue, "plan": connection.rateLimitPlan,
        ]
        if let reason = connection.statusReason { values["reason"] = reason }
        return values
    }

    static func tone(_ status: ActionStatus) -> ChipTone {
        switch status {
        case .succeeded: .good
        case .planned: .neutral
        case .failed, .rejected: .bad
        case .queued, .running: .info
        }
    }

    /// `2026-12-07 03:58 UTC (5 min ago)`.
    static func when(_ date: Date) -> String { "\(ConsoleFormat.timestamp(date)) (\(ConsoleFormat.relative(date)))" }
}
