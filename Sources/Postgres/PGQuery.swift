/// A SQL statement whose interpolated values become `$n` placeholders with separate binds, so that a
/// value can never change the statement's structure:
///
/// ```swift
/// let query: PGQuery = "SELECT id FROM tenants WHERE slug = \(slug)"   // sql: "... slug = $1"
/// ```
///
/// SQL text that is not a value goes in through ``appendInterpolation(identifier:)`` (quoted) or
/// ``appendInterpolation(unescaped:)``, whose name marks it for review.
public struct PGQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The statement text with `$1…$n` placeholders.
    public private(set) var sql: String
    /// The values for the placeholders, in order.
    public private(set) var binds: [PGBind]

    /// A statement with no binds. The text is trusted: never build it from user input.
    public init(unsafeSQL sql: String) {
        self.sql = sql
        self.binds = []
    }

    /// Trusted statement text that already holds `$1…$n` placeholders, with their values: for statements
    /// whose identifiers (a table name from a fixed list) are chosen at run time.
    public init(unsafeSQL sql: String, binding values: [any PGEncodable]) {
        self.sql = sql
        self.binds = values.map(\.pgBind)
    }

    /// The same, with binds built beforehand (``PGTextColumns``' arrays).
    public init(unsafeSQL sql: String, binds: [PGBind]) {
        self.sql = sql
        self.binds = binds
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.sql = stringInterpolation.sql
        self.binds = stringInterpolation.binds
    }

    /// Appends trusted SQL text.
    public mutating func appendSQL(_ text: String) {
        sql += text
    }

    /// Appends a placeholder for `value`.
    public mutating func appendBind(_ value: some PGEncodable) {
        binds.append(value.pgBind)
        sql += "$\(binds.count)"
    }

    /// The statement text only; binds are never printed.
    public var description: String { sql }

    /// Builds a ``PGQuery`` from an interpolated string literal.
    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var binds: [PGBind] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// A value: becomes `$n` and a bind.
        public mutating func appendInterpolation(_ value: some PGEncodable) {
            binds.append(value.pgBind)
            sql += "$\(binds.count)"
        }

        /// An optional value: `nil` becomes a NULL bind.
        public mutating func appendInterpolation<Value: PGEncodable>(_ value: Value?) {
            binds.append(value.pgBind)
            sql += "$\(binds.count)"
        }

        /// An identifier (schema, table, column), double-quoted so it cannot break out.
        public mutating func appendInterpolation(identifier: String) {
            sql += PGQuery.quoteIdentifier(identifier)
        }

        /// Trusted SQL text, inserted as is. Never pass user input.
        public mutating func appendInterpolation(unescaped text: String) {
            sql += text
        }
    }

    /// Double-quotes an identifier, doubling embedded quotes (PostgreSQL's `quote_ident`).
    public static func quoteIdentifier(_ identifier: String) -> String {
        "\"" + identifier.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
