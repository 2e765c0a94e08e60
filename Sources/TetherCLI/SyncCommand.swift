import ArgumentParser
import Foundation
import Postgres
import Store

/// `tether sync --tenant SLUG [--connection ID] [--stream S]... [--full] [--wait]`: queues a sync of a tenant's
/// connections now, as `POST …/syncs` does, and with `--wait` follows it stream by stream until it ends.
/// Workers (`tether serve` or `tether worker`) do the syncing; this command only queues and watches.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Queue a sync of a tenant's connections now; with --wait, show each stream's progress until it ends.",
        discussion: """
            Exit status with --wait: 0 when every run succeeded, 2 when one ended partial (some streams failed), 1 when \
            one failed.
            """)

    @Option(help: "The tenant (slug or id).")
    var tenant: String

    @Option(help: "Only this connection (id); default: every active connection of the tenant.")
    var connection: String?

    @Option(name: .customLong("stream"), help: "Only this stream (repeatable); default: every stream.")
    var streams: [String] = []

    @Flag(help: "Forget the streams' watermarks first, so windowed streams (reports, logs) read their whole history again.")
    var full = false

    @Flag(help: "Follow the runs until they end, printing each stream's progress.")
    var wait = false

    func run() async throws {
        let settings = try Runtime.loadSettings()
        let logger = Runtime.makeLogger(settings)
        let outcome = try await Runtime.withPool(settings, logger: logger) { pool in
            let runs = SyncRuns(pool: pool)
            let queued = try await queue(pool: pool, runs: runs)
            return wait ? try await follow(queued, runs: runs) : .succeeded
        }
        switch outcome {
        case .succeeded: return
        case .partial: throw ExitCode(2)
        default: throw ExitCode(1)
        }
    }

    /// Queues one run per chosen connection and prints their ids.
    private func queue(pool: PGPool, runs: SyncRuns) async throws -> [(tenantID: UUID, runID: UUID)] {
        guard let tenant = try await Tenants(pool: pool).find(self.tenant) else { throw ValidationError("no tenant \(self.tenant)") }
        var chosen = try await Connections(pool: pool).list(tenantID: tenant.id)
        if let connection {
            chosen = chosen.filter { $0.id.uuidString.lowercased() == connection.lowercased() }
            guard !chosen.isEmpty else { throw ValidationError("tenant \(tenant.slug) has no connection \(connection)") }
        } else {
            chosen = chosen.filter { $0.status == .active && $0.enabled }
            guard !chosen.isEmpty else { throw ValidationError("tenant \(tenant.slug) has no active connection") }
        }
        var queued: [(tenantID: UUID, runID: UUID)] = []
        for connection in chosen {
            if full {
                let forgotten = try await Connections(pool: pool).forgetWatermarks(
                    tenantID: tenant.id, connectionID: connection.id, streams: streams)
                print("forgot \(forgotten) watermark(s) of connection \(connection.id.lowercasedString)")
            }
            do {
                let (id, created) = try await runs.request(connection: connection, streams: streams.isEmpty ? nil : streams, trigger: .manual)
                let name = connection.name.isEmpty ? "" : " (\(connection.name))"
                print(
                    "\(created ? "queued" : "already queued or running:") run \(id.lowercasedString) for connection \(connection.id.lowercasedString)\(name)"
                )
                queued.append((tenant.id, id))
            } catch let error as StoreError {
                throw ValidationError("connection \(connection.id.lowercasedString): \(error.message)")
            }
        }
        if wait { print("waiting for a worker (tether serve or tether worker) to run it; Ctrl-C stops watching, not the sync") }
        return queued
    }

    /// Polls the runs once a second, printing a line whenever a run's status or a stream's progress changes.
    /// - Returns: the worst outcome: `failed`, else `partial`, else `succeeded`.
    private func follow(_ queued: [(tenantID: UUID, runID: UUID)], runs: SyncRuns) async throws -> RunStatus {
        var shown: [String: String] = [:]
        var finished: [SyncRun] = []
        var pending = queued
        while !pending.isEmpty {
            for (tenantID, runID) in pending {
                guard let run = try await runs.find(tenantID: tenantID, id: runID) else {
                    throw ValidationError("run \(runID.lowercasedString) vanished")
                }
                let prefix = queued.count > 1 ? "\(run.id.lowercasedString.prefix(8)) " : ""
                let lines =
                    [("\(run.id)", "run status: \(run.status)\(run.lastError.map { ": \($0)" } ?? "")")]
                    + run.streams.filter { $0.status != .pending }.map { ("\(run.id)/\($0.name)", Self.progress($0)) }
                for (key, line) in lines where shown[key] != line {
                    print(prefix + line)
                    shown[key] = line
                }
                if run.status.isFinished { finished.append(run) }
            }
            pending.removeAll { queued in finished.contains { $0.id == queued.runID } }
            if !pending.isEmpty { try await Task.sleep(for: .seconds(1)) }
        }
        for run in finished {
            let seconds = run.finishedAt.flatMap { end in run.startedAt.map { end.timeIntervalSince($0) } } ?? 0
            print("run \(run.id.lowercasedString) \(run.status) in \(String(format: "%.1f", seconds)) s")
        }
        let statuses = finished.map(\.status)
        return statuses.contains(.failed) ? .failed : statuses.contains(.partial) ? .partial : .succeeded
    }

    /// One stream's progress: status, pages, records and how they landed, 429s and retries, and any error.
    static func progress(_ stream: SyncRunStream) -> String {
        let name = stream.name.padding(toLength: 22, withPad: " ", startingAt: 0)
        let status = stream.status.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)
        var line = """
            \(name)\(status)pages \(stream.pages)  fetched \(stream.fetched)  inserted \(stream.inserted)  updated \(stream.updated)  \
            unchanged \(stream.unchanged)  deleted \(stream.deleted)  429s \(stream.rateLimited)  retries \(stream.retries)
            """
        if let error = stream.error { line += "  error: \(error)" }
        return line
    }
}

extension UUID {
    /// The id as the API writes it.
    fileprivate var lowercasedString: String { uuidString.lowercased() }
}
