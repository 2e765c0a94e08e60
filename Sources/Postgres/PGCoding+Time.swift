public import Foundation

/// `timestamptz`: sent as ISO 8601 in UTC with microseconds; read from the ISO `DateStyle` with any
/// offset. `infinity` and `-infinity` map to `Date.distantFuture` and `Date.distantPast`.
extension Date: PGEncodable, PGDecodable {
    public var pgBind: PGBind {
        if self == .distantFuture { return PGBind(oid: PGTypeOID.timestamptz, value: .text("infinity")) }
        if self == .distantPast { return PGBind(oid: PGTypeOID.timestamptz, value: .text("-infinity")) }
        return PGBind(oid: PGTypeOID.timestamptz, value: .text(PGTimestampFormat.format(self)))
    }

    public init(pgText: String) throws {
        switch pgText {
        case "infinity": self = .distantFuture
        case "-infinity": self = .distantPast
        default: self = try PGTimestampFormat.parse(pgText)
        }
    }
}

/// A calendar day without a time zone: PostgreSQL's `date`.
public struct PGDate: Sendable, Hashable, Comparable, CustomStringConvertible, PGEncodable, PGDecodable {
    public var year: Int
    public var month: Int
    public var day: Int

    /// A day of the proleptic Gregorian calendar.
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The UTC calendar day that contains `date`.
    public init(_ date: Date) {
        let days = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        (year, month, day) = PGTimestampFormat.civil(fromDays: days)
    }

    /// Midnight UTC at the start of this day.
    public var startOfDayUTC: Date {
        Date(timeIntervalSince1970: Double(PGTimestampFormat.days(year: year, month: month, day: day)) * 86_400)
    }

    public var description: String {
        "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public var pgBind: PGBind { PGBind(oid: PGTypeOID.date, value: .text(description)) }

    public init(pgText: String) throws {
        let parts = pgText.split(separator: "-")
        guard parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1...12).contains(m), (1...31).contains(d)
        else { throw PGDecodingFailure("not a date in ISO format") }
        self.init(year: y, month: m, day: d)
    }

    public static func < (a: PGDate, b: PGDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}

/// Converts between `Date` and PostgreSQL's ISO timestamp text without `Calendar` or locale.
enum PGTimestampFormat {
    /// `2024-05-06T07:08:09.123456Z`
    static func format(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var days = micros / 86_400_000_000
        var rest = micros % 86_400_000_000
        if rest < 0 {
            rest += 86_400_000_000
            days -= 1
        }
        let (y, m, d) = civil(fromDays: Int(days))
        guard (0...9999).contains(y) else {
            return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T00:00:00Z"  // outside ISO's four digits: day precision
        }
        let seconds = Int(rest / 1_000_000)
        let fraction = Int(rest % 1_000_000)
        // Written digit by digit into the string's own storage: this runs once per timestamp in bulk loads.
        return String(unsafeUninitializedCapacity: 27) { bytes in
            func put(_ value: Int, _ width: Int, at offset: Int) {
                var value = value
                for index in stride(from: offset + width - 1, through: offset, by: -1) {
                    bytes[index] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            put(y, 4, at: 0)
            put(m, 2, at: 5)
            put(d, 2, at: 8)
            put(seconds / 3600, 2, at: 11)
            put(seconds / 60 % 60, 2, at: 14)
            put(seconds % 60, 2, at: 17)
            put(fraction, 6, at: 20)
            (bytes[4], bytes[7], bytes[10], bytes[13], bytes[16], bytes[19], bytes[26]) = (0x2D, 0x2D, 0x54, 0x3A, 0x3A, 0x2E, 0x5A)  // - - T : : . Z
            return 27
        }
    }

    /// Parses `YYYY-MM-DD HH:MM:SS[.ffffff][±HH[:MM[:SS]]|Z]`; a missing offset means UTC.
    static func parse(_ text: String) throws -> Date {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ width: Int) throws -> Int {
            guard index + width <= bytes.count else { throw PGDecodingFailure("timestamp is truncated") }
            var value = 0
            for _ in 0..<width {
                let c = bytes[index]
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else {
                    throw PGDecodingFailure("timestamp is not in ISO DateStyle")
                }
                value = value * 10 + Int(c - UInt8(ascii: "0"))
                index += 1
            }
            return value
        }
        func expect(_ characters: String) throws {
            guard index < bytes.count, characters.utf8.contains(bytes[index]) else {
                throw PGDecodingFailure("timestamp is not in ISO DateStyle")
            }
            index += 1
        }
        let year = try number(4)
        try expect("-")
        let month = try number(2)
        try expect("-")
        let day = try number(2)
        try expect(" T")
        let hour = try number(2)
        try expect(":")
        let minute = try number(2)
        try expect(":")
        let second = try number(2)
        var micros = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                if digits < 6 { micros = micros * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
                digits += 1
                index += 1
            }
            for _ in digits..<max(digits, 6) { micros *= 10 }
        }
        var offsetSeconds = 0
        if index < bytes.count {
            if bytes[index] == UInt8(ascii: "Z") {
                index += 1
            } else {
                let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
                try expect("+-")
                var offset = try number(2) * 3600
                if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
                    index += 1
                    offset += try number(2) * 60
                    if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
                        index += 1
                        offset += try number(2)
                    }
                }
                offsetSeconds = sign * offset
            }
        }
        guard index == bytes.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { throw PGDecodingFailure("timestamp is not in ISO DateStyle") }
        let days = Int64(PGTimestampFormat.days(year: year, month: month, day: day))
        let wholeSeconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        return Date(timeIntervalSince1970: Double(wholeSeconds) + Double(micros) / 1_000_000)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of ``days(year:month:day:)`` (Hinnant's `civil_from_days`).
    static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
