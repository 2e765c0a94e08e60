/// PostgreSQL type OIDs that binds declare. `0` lets the server infer the type from context.
public enum PGTypeOID {
    public static let unspecified: UInt32 = 0
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let int8: UInt32 = 20
    public static let int2: UInt32 = 21
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let float8: UInt32 = 701
    public static let int8Array: UInt32 = 1016
    public static let textArray: UInt32 = 1009
    public static let date: UInt32 = 1082
    public static let timestamptz: UInt32 = 1184
    public static let numeric: UInt32 = 1700
    public static let uuid: UInt32 = 2950
    public static let uuidArray: UInt32 = 2951
    public static let jsonb: UInt32 = 3802
}

/// One bound parameter: its declared type and its value, or NULL.
public struct PGBind: Sendable {
    /// How the value travels to the server.
    public enum Value: Sendable {
        /// The type's text representation (what `psql` would print).
        case text(String)
        /// The type's binary representation, sent in binary format (`bytea`'s bytes as they are; arrays
        /// built by ``PGTextColumns``).
        case bytes([UInt8])
    }

    /// The declared parameter type.
    public var oid: UInt32
    /// The value, or `nil` for SQL NULL.
    public var value: Value?

    /// Creates a bind.
    public init(oid: UInt32, value: Value?) {
        self.oid = oid
        self.value = value
    }
}
