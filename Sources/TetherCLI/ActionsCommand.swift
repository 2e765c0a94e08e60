import ArgumentParser
import Connectors
import Credentials
import Foundation
import Store
import TetherApp

/// `tether actions list|run`: the action ledger from the command line (DESIGN §6.1). `run` records an
/// action exactly as the API does; workers (`tether serve` or `tether worker`) carry it out.
struct ActionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "actions", abstract: "List a tenant's actions, or ask a connection for one.", subcommands: [List.self, Run.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List actions, newest first: id, connection, action, status, error, requested by, created, finished.")

        @Option(help: "The tenant (slug or id).")
        var tenant: String

        @Option(help: "Only this connection (id); default: every connection of the tenant.")
        var connection: String?

        @Option(help: "Actions per connection (1 to 100).")
        var limit = 20

        func validate() throws {
            guard (1...100).contains(limit) else { throw ValidationError("--limit must be from 1 to 100") }
        }

        func run() async throws {
            let settings = try Runtime.loadSettings()
            let formatter = ISO8601DateFormatter()
            try await Runtime.withPool(settings, logger: Runtime.makeLogger(settings)) { pool in
                guard let tenant = try await Tenants(pool: pool).find(self.tenant) else { throw ValidationError("no tenant \(self.tenant)") }
                let connections = try await Connections(pool: pool).list(tenantID: tenant.id).filter {
                    connection == nil || $0.id.uuidString.lowercased() == connection?.lowercased()
                }
                for connection in connections {
                    let actions = try await ActionLedger(pool: pool).list(tenantID: tenant.id, connectionID: connection.id, limit: limit, before: nil)
                    for action in actions {
                        print(
                            [
                                action.id.uuidString.lowercased(), connection.id.uuidString.lowercased(), action.action,
                                action.status.rawValue + (action.dryRun ? " (dry run)" : ""),
                                action.errorCode.map { "\($0): \(action.errorMessage ?? "")" } ?? "-", action.requestedBy,
                                formatter.string(from: action.createdAt), action.finishedAt.map(formatter.string(from:)) ?? "-",
                            ].joined(separator: "\t"))
                    }
                }
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask a connection for an action; print it as JSON.",
            discussion: """
                The input is checked as the API checks it, and an idempotency key works the same way. With --wait, waits up to \
                30 s for a worker to end it. Exit status: 0 when it succeeded or was planned (or is still queued without --wait), \
                1 when it failed or was rejected.
                """)

        @Option(help: "The tenant (slug or id).")
        var tenant: String

        @Option(help: "The connection (id).")
        var connection: String

        @Argument(help: "The action's name, e.g. user.deactivate (see GET /v1/providers/zoom/actions).")
        var action: String

        @Option(help: "The input, a JSON object, e.g. '{\"user\": \"jane@example.com\"}'.")
        var input = "{}"

        @Option(help: "An idempotency key: asking again with the same key and input returns the first action.")
        var idempotencyKey: String?

        @Flag(help: "Plan only: read and check everything, send nothing that changes the account.")
        var dryRun = false

        @Flag(help: "Wait up to 30 s for the action to end.")
        var wait = false

        func run() async throws {
            let settings = try Runtime.loadSettings()
            let logger = Runtime.makeLogger(settings)
            guard let input = JSONValue.parse(Array(self.input.utf8)), input.object != nil else {
                throw ValidationError("--input must be a JSON object")
            }
            let record = try await Runtime.withComponents(settings, logger: logger) { components in
                let pool = components.pool
                guard let tenant = try await Tenants(pool: pool).find(self.tenant) else { throw ValidationError("no tenant \(self.tenant)") }
                guard let id = UUID(uuidString: connection), let connection = try await Connections(pool: pool).find(tenantID: tenant.id, id: id)
                else { throw ValidationError("tenant \(tenant.slug) has no connection \(self.connection)") }
                guard let description = components.connect.registry.connector(connection.provider)?.action(named: action) else {
                    throw ValidationError("\(connection.provider) has no action \(action)")
                }
                let ledger = ActionLedger(pool: pool)
                var record: ActionRecord
                do {
                    record = try await ledger.ask(
                        description, input: input, of: connection, dryRun: dryRun, idempotencyKey: idempotencyKey, requestedBy: "tether actions run"
                    ) { id, secrets in try components.connect.vault.sealActionSecrets(secrets, tenantID: tenant.id, actionID: id) }.action
                } catch let error as ActionInputError {
                    throw ValidationError("invalid input: \(error.message)")
                } catch let error as StoreError {
                    throw ValidationError(error.message)
                }
                let deadline = ContinuousClock.now + .seconds(30)
                while wait, !record.status.isTerminal, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(200))
                    record = try await ledger.find(tenantID: tenant.id, id: record.id) ?? record
                }
                return record
            }
            print(Self.describe(record))
            if [.failed, .rejected].contains(record.status) { throw ExitCode(1) }
        }

        /// The action as one JSON line: id, action, status, error, result and plan.
        static func describe(_ record: ActionRecord) -> String {
            var shown: JSONObject = [
                "id": .string(record.id.uuidString.lowercased()), "action": .string(record.action), "status": .string(record.status.rawValue),
            ]
            if let code = record.errorCode { shown["error"] = .object(["code": .string(code), "message": .string(record.errorMessage ?? "")]) }
            if let result = record.result.flatMap({ JSONValue.parse(Array($0.utf8)) }) { shown["result"] = result }
            if let plan = record.plan.flatMap({ JSONValue.parse(Array($0.utf8)) }) { shown["plan"] = plan }
            return JSONValue.object(shown).canonicalText
        }
    }
}
