import Foundation
import Store

/// The chip a stream gets in the console (DESIGN §6.3): what an operator must know about it at a glance.
enum StreamHealth: String, CaseIterable, Sendable {
    case succeeded
    /// The last success is older than twice the stream's interval (and a quarter of an hour): syncs are
    /// not keeping up, whatever the last run's outcome says.
    case stale
    case failed
    case missingScope = "missing scope"
    case needsReauth = "needs re-auth"
    /// The account's plan has no such data.
    case notAvailable = "not available"
    case running
    /// Never synced successfully, and not failing either: a new connection's first sync has not finished.
    case waiting = "not yet synced"

    static func of(
        _ stream: StreamState, connectionStatus: ConnectionStatus, lastSucceeded: Date?, intervalSeconds: Int, now: Date = Date()
    ) -> StreamHealth {
        if !stream.permitted { return .missingScope }
        if connectionStatus == .needsReauth { return .needsReauth }
        switch stream.state {
        case StreamStatus.failed.rawValue: return .failed
        case StreamStatus.running.rawValue: return .running
        case StreamStatus.notAvailable.rawValue: return .notAvailable
        case StreamStatus.missingScope.rawValue: return .missingScope
        default: break
        }
        guard let lastSucceeded else { return .waiting }
        return now.timeIntervalSince(lastSucceeded) > 2 * Double(intervalSeconds) + 900 ? .stale : .succeeded
    }

    /// The chip's colour class: green, amber, red or grey (each chip also says its state in words).
    var tone: ChipTone {
        switch self {
        case .succeeded: .good
        case .stale, .missingScope, .waiting: .warning
        case .failed, .needsReauth: .bad
        case .notAvailable: .neutral
        case .running: .info
        }
    }
}

/// A chip's colour, as a CSS class of the console's style sheet.
enum ChipTone: String, Sendable {
    case good, warning, bad, neutral, info

    /// The tone of a connection's status.
    init(_ status: ConnectionStatus) {
        switch status {
        case .active: self = .good
        case .pending: self = .warning
        case .needsReauth, .error: self = .bad
        case .revoked, .disabled: self = .neutral
        }
    }
}
