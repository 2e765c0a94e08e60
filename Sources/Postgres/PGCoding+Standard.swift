public import Foundation

// MARK: - Text

extension String: PGEncodable, PGDecodable {
    /// Strings are sent untyped so the server coerces them to the column's type (text, varchar, enum…).
    public var pgBind: PGBind { PGBind(oid: PGTypeOID.unspecified, value: .text(self)) }
    public init(pgText: String) { self = pgText }
}

extension Substring: PGEncodable {
    public var pgBind: PGBind { String(self).pgBind }
}

// MARK: - Integers

extension Int: PGEncodable, PGDecodable {
    public var pgBind: PGBind { PGBind(oid: PGTypeOID.int8, value: .text(String(self))) }
    public init(pgText: String) throws { self = try parseInteger(pgText) }
}

extension Int64: PGEncodable, PGDecodable {
    public var pgBind: PGBind { PGBind(oid: PGTypeOID.int8, value: .text(String(self))) }
    public init(pgText: String) throws { self = try parseInteger(pgText) }
}

extension Int32: PGEncodable, PGDecodable {
    public var pgBind: PGBind { PGBind(oid: PGTypeOID.int4, value: .text(String(self))) }
    public init(pgText: String) throws { self = try parseInteger(pgText) }
}

extension Int16: PGEncodable, PGDecodable {
    public var pgBind: PGBind { PGBind(oid: PGTypeOID.int2, value: .text(String(self))) }
    public init(pgText: String) throws { self = try parseInteger(pgText) }
}

private func parseInteger<T: FixedWidthInteger>(_ text: String) throws -> T {
    guard let value = T(text) else { throw PGDecodingFailure("not an integer that fits \(T.self)") }
    return value
}

// MARK: - Bool and Double

extension Bool: PGEncodable, PGDecodable {
    public var pgBind: PGBind { PGBind(oid: PGTypeOID.bool, value: .text(self ? "t" : "f")) }
    public init(pgText: String) throws {
        switch pgText {
        case "t": self = true
        case "f": self = false
        default: throw PGDecodingFailure("not a boolean")
        }
    }
}

extension Double: PGEncodable, PGDecodable {
    public var pgBind: PGBind {
        let text: String =
            if isNaN { "NaN" } else if self == .infinity { "Infinity" } else if self == -.infinity { "-Infinity" } else {
                description
            }
        return PGBind(oid: PGTypeOID.float8, value: .text(text))
    }
    public init(pgText: String) throws {
        switch pgText {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(pgText) else { throw PGDecodingFailure("not a floating-point number") }
            self = value
        }
    }
}

// MARK: - UUID

extension UUID: PGEncodable, PGDecodable {
    public var pgBind: PGBind { PGBind(oid: PGTypeOID.uuid, value: .text(uuidString.lowercased())) }
    public init(pgText: String) throws {
        guard let value = UUID(uuidString: pgText) else { throw PGDecodingFailure("not a UUID") }
        self = value
    }
}

// MARK: - Bytes

extension Data: PGEncodable, PGDecodable {
    /// `bytea`, sent in binary format.
    public var pgBind: PGBind { PGBind(oid: PGTypeOID.bytea, value: .bytes(Array(self))) }

    /// Parses `bytea` in the default `hex` output format (`\x0a1b…`).
    public init(pgText: String) throws {
        let utf8 = Array(pgText.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            throw PGDecodingFailure("bytea is not in hex output format (set bytea_output = hex)")
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            guard let high = hexNibble(utf8[index]), let low = hexNibble(utf8[index + 1]) else {
                throw PGDecodingFailure("bytea contains a non-hex digit")
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        self = Data(bytes)
    }
}

private func hexNibble(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
    default: nil
    }
}

// MARK: - Numbers with exact decimal digits

extension Decimal: PGEncodable, PGDecodable {
    public var pgBind: PGBind { PGBind(oid: PGTypeOID.numeric, value: .text(description)) }
    public init(pgText: String) throws {
        guard pgText != "NaN", let value = Decimal(string: pgText, locale: Locale(identifier: "en_US_POSIX")) else {
            throw PGDecodingFailure("not a finite numeric")
        }
        self = value
    }
}
