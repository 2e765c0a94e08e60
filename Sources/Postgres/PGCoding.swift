/// A Swift value that can be sent to PostgreSQL as a bind or a COPY field.
public protocol PGEncodable: Sendable {
    /// The value's bind: declared type plus text or binary representation (or NULL).
    var pgBind: PGBind { get }
}

/// A Swift value that can be read from a column in PostgreSQL's text output format.
public protocol PGDecodable: Sendable {
    /// Parses the column's text representation.
    /// - Throws: ``PGDecodingFailure`` when the text is not a valid value of this type.
    init(pgText: String) throws

    /// The value for SQL NULL; non-optional types throw.
    static func pgNull() throws -> Self
}

extension PGDecodable {
    public static func pgNull() throws -> Self {
        throw PGDecodingFailure("NULL where \(Self.self) was expected")
    }
}

/// Why a column's text could not become the requested type. It never contains the text itself, which
/// could be a secret.
public struct PGDecodingFailure: Error, Sendable {
    /// What did not fit.
    public let reason: String

    /// Creates a failure; `reason` must not contain the value.
    public init(_ reason: String) { self.reason = reason }
}

extension Optional: PGEncodable where Wrapped: PGEncodable {
    public var pgBind: PGBind {
        switch self {
        case .some(let value): value.pgBind
        case .none: PGBind(oid: PGTypeOID.unspecified, value: nil)
        }
    }
}

extension Optional: PGDecodable where Wrapped: PGDecodable {
    public init(pgText: String) throws { self = .some(try Wrapped(pgText: pgText)) }
    public static func pgNull() throws -> Self { nil }
}
