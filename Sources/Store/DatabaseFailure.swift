import Postgres

/// What kind of database failure an error is, for callers that must tell an outage from a bug without
/// handling the database driver's own error type.
public enum DatabaseFailure {
    /// The database could not be reached or went away (connection refused, reset, shutting down): a later
    /// try may succeed, and the API answers 503.
    public static func isUnavailable(_ error: any Error) -> Bool {
        (error as? PGError)?.isDatabaseUnavailable ?? false
    }

    /// A statement ran past its statement timeout or waited past its lock timeout (SQLSTATE 57014 from the
    /// server's timer, 55P03): the database is busy, and a later try may succeed.
    public static func isTimeout(_ error: any Error) -> Bool {
        guard let error = error as? PGError, error.code != .cancelled else { return false }
        return error.sqlState == "57014" || error.sqlState == "55P03"
    }

    /// The process's pool was closed (the process is shutting down).
    public static func isPoolClosed(_ error: any Error) -> Bool {
        (error as? PGError)?.code == .poolClosed
    }

    /// The error came from the database (a statement failed, or the database could not be reached).
    public static func isDatabaseError(_ error: any Error) -> Bool {
        error is PGError
    }
}
