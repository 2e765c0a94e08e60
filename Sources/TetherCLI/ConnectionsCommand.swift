import ArgumentParser
import Foundation
import Store

/// `tether connections list [--tenant SLUG]`.
struct ConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "connections", abstract: "Inspect connections.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List connections: id, tenant, provider, mode, status, account, rate-limit plan, streams failing or not permitted.")

        @Option(help: "Only this tenant (slug or id); default: every tenant.")
        var tenant: String?

        func run() async throws {
            let settings = try Runtime.loadSettings()
            try await Runtime.withPool(settings, logger: Runtime.makeLogger(settings)) { pool in
                for tenant in try await Runtime.tenants(tenant, pool: pool) {
                    for connection in try await Connections(pool: pool).list(tenantID: tenant.id) {
                        let failing = connection.streams.filter { $0.state == "failed" }.count
                        let blocked = connection.streams.filter { !$0.permitted }.count
                        print(
                            [
                                connection.id.uuidString.lowercased(), tenant.slug, connection.provider, connection.mode.rawValue,
                                connection.status.rawValue + (connection.statusReason.map { " (\($0))" } ?? ""), connection.externalAccountID,
                                connection.rateLimitPlan, "\(connection.streams.count) streams, \(failing) failed, \(blocked) not permitted",
                            ].joined(separator: "\t"))
                    }
                }
            }
        }
    }
}

/// `tether runs list [--tenant SLUG] [--limit N]`.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "Inspect sync runs.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List each tenant's newest sync runs: id, tenant, connection, status, trigger, attempt, created, finished, error.")

        @Option(help: "Only this tenant (slug or id); default: every tenant.")
        var tenant: String?

        @Option(help: "Runs per tenant, newest first (1 to 1000).")
        var limit = 20

        func validate() throws {
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be from 1 to 1000") }
        }

        func run() async throws {
            let settings = try Runtime.loadSettings()
            let formatter = ISO8601DateFormatter()
            try await Runtime.withPool(settings, logger: Runtime.makeLogger(settings)) { pool in
                for tenant in try await Runtime.tenants(tenant, pool: pool) {
                    for run in try await SyncRuns(pool: pool).recent(tenantID: tenant.id, limit: limit) {
                        print(
                            [
                                run.id.uuidString.lowercased(), tenant.slug, run.connectionID.uuidString.lowercased(), run.status.rawValue,
                                run.trigger.rawValue, "attempt \(run.attempt)", formatter.string(from: run.createdAt),
                                run.finishedAt.map(formatter.string(from:)) ?? "-", run.lastError ?? "",
                            ].joined(separator: "\t"))
                    }
                }
            }
        }
    }
}
