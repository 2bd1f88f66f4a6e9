/// A calendar date with no time and no zone: a birth date, or the local date of a timestamp.
///
/// Day counts in RiskScreen (age, length of stay) are differences of local dates, as the event
/// contract says: admitted 23:00 and discharged 09:00 the next day is one day.
public struct LocalDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The year (proleptic Gregorian).
    public let year: Int
    /// The month, 1–12.
    public let month: Int
    /// The day of the month, 1–31.
    public let day: Int

    /// Creates a date when the three numbers name a real day, else `nil`.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= LocalDate.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses an RFC 3339 `full-date`: `YYYY-MM-DD`.
    public init?(rfc3339 text: String) {
        var copy = text
        guard let date = copy.withUTF8({ $0.count == 10 ? LocalDate.parse($0, at: 0) : nil }) else { return nil }
        self = date
    }

    /// Parses the UTF-8 bytes of an RFC 3339 `full-date`, as ``init(rfc3339:)`` reads its text.
    public init?(rfc3339 bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count == 10, let date = LocalDate.parse(bytes, at: 0) else { return nil }
        self = date
    }

    /// Days since 1970-01-01 (negative before it).
    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The number of days from `self` to `other` (positive when `other` is later).
    public func days(until other: LocalDate) -> Int { other.daysSinceEpoch - daysSinceEpoch }

    /// Whole years from `self` to `other`: the age on `other` of someone born on `self`.
    ///
    /// Someone born on 29 February turns a year older on 1 March in common years.
    public func wholeYears(until other: LocalDate) -> Int {
        var years = other.year - year
        if (other.month, other.day) < (month, day) { years -= 1 }
        return years
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Parses `YYYY-MM-DD` at `offset`.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> LocalDate? {
        guard offset + 10 <= bytes.count, bytes[offset + 4] == UInt8(ascii: "-"),
            bytes[offset + 7] == UInt8(ascii: "-"),
            let year = digits(bytes, offset, 4), let month = digits(bytes, offset + 5, 2),
            let day = digits(bytes, offset + 8, 2)
        else { return nil }
        return LocalDate(year: year, month: month, day: day)
    }

    /// The value of `count` decimal digits at `offset`, or `nil` if any is not a digit.
    @inline(__always)
    static func digits(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int, _ count: Int) -> Int? {
        var value = 0
        for index in offset..<offset + count {
            let byte = bytes[index]
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }
}
