public import Postgres

/// A closed set of words Tether stores and serves (statuses, modes, triggers): an enum in Swift, its raw
/// value in the database and in JSON, so a misspelt status is a compile error instead of a silent mismatch.
public protocol StoredVocabulary: RawRepresentable, CaseIterable, Codable, Hashable, Sendable, PGEncodable, PGDecodable,
    CustomStringConvertible
where RawValue == String {}

extension StoredVocabulary {
    public init(pgText: String) throws {
        guard let value = Self(rawValue: pgText) else { throw PGDecodingFailure("not a known \(Self.self)") }
        self = value
    }

    public var pgBind: PGBind { rawValue.pgBind }
    public var description: String { rawValue }
}

/// A connection's state (DESIGN §5 "Connection JSON").
public enum ConnectionStatus: String, StoredVocabulary {
    /// Created, not yet authorized.
    case pending
    case active
    /// The provider refused the grant; an admin must connect again.
    case needsReauth = "needs_reauth"
    case revoked
    case disabled
    case error

    /// Whether the connection still holds credentials worth refreshing (a disabled one is re-enabled with
    /// its tokens; one in error may recover).
    public var keepsCredentialsFresh: Bool { [.active, .disabled, .error].contains(self) }
}

/// How a connection was authorized (DESIGN §1): Tether's own OAuth app, the tenant's own app, or
/// server-to-server credentials.
public enum ConnectionMode: String, StoredVocabulary {
    case platform
    case custom
    case serverToServer = "server_to_server"

    /// The modes a browser connect session can start: server-to-server has no browser step.
    public var isBrowserFlow: Bool { self != .serverToServer }
    /// Whether Tether stores the OAuth app's client secret for the connection (every mode but platform,
    /// whose secret is Tether's own configuration).
    public var storesClientSecret: Bool { self != .platform }
}

/// A sync run's status (DESIGN §5 "Syncs").
public enum RunStatus: String, StoredVocabulary {
    case queued
    case running
    case succeeded
    /// Some streams failed, some succeeded.
    case partial
    case failed

    /// Whether the run is over.
    public var isFinished: Bool { self != .queued && self != .running }
}

/// One stream's status within a run: `pending` and `running` while the run goes on, then one of the
/// outcomes DESIGN §5 lists.
public enum StreamStatus: String, StoredVocabulary {
    case pending
    case running
    case succeeded
    case failed
    /// The connection lacks a scope the stream needs (never fails a run).
    case missingScope = "missing_scope"
    /// The plan or account does not have the feature (never fails a run).
    case notAvailable = "not_available"
    /// The connection was no longer active when the stream's turn came.
    case skipped

    /// Whether the stream is done in this run.
    public var isFinished: Bool { self != .pending && self != .running }
}

/// What queued a run.
public enum RunTrigger: String, StoredVocabulary {
    /// `POST …/syncs` or `tether sync`.
    case manual
    /// A stream's interval passed.
    case schedule
    /// The first sync after a connect.
    case connect
}

/// Where an event's delivery to the tenant's webhook stands.
public enum DeliveryStatus: String, StoredVocabulary {
    /// Due now or at its next retry.
    case pending
    case delivered
    /// Given up after the retry window.
    case failed
    /// The tenant had no webhook when the event happened.
    case none
}
