/// An RFC 3339 date-time as the feed sent it: an instant, and the local UTC offset it was written in.
///
/// The offset matters clinically: calendar-day counts use the local date in the offset the feed
/// sent, so a patient admitted at 23:00 local time was admitted on that local day, whatever UTC says.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    public let secondsSinceEpoch: Int64
    /// The fraction of the second, in nanoseconds (0–999,999,999).
    public let nanoseconds: Int32
    /// The UTC offset the text was written in, in minutes east of UTC (`-05:00` is -300).
    public let utcOffsetMinutes: Int
    /// The date on the local calendar of that offset.
    public let localDate: LocalDate
    /// How the text was written (see ``Style``), when it can be written again from the instant and
    /// the offset; most texts can, so decoding an event makes no `String` of its times.
    private let style: Style
    /// The text as received, when it was received as a `String` or cannot be written again from
    /// the parts (a leap second, more than nine digits of fraction).
    private let original: String?

    /// The text exactly as received.
    public var text: String { original ?? style.write(self) }

    /// Parses an RFC 3339 `date-time` (`2026-11-22T10:15:00-05:00`, `…T15:15:00.250Z`); `nil` if it is not one.
    ///
    /// `T` and `Z` may be lower case, as RFC 3339 allows; a leap second (`:60`) is accepted and
    /// counted as the following second.
    public init?(rfc3339 text: String) {
        var copy = text
        guard let parsed = copy.withUTF8({ Timestamp.parse($0) }) else { return nil }
        self.init(parsed, original: text)
    }

    /// Parses the UTF-8 bytes of an RFC 3339 `date-time`, as ``init(rfc3339:)`` reads its text,
    /// without making a `String` of them (its ``text`` is written again when asked for).
    public init?(rfc3339 bytes: UnsafeBufferPointer<UInt8>) {
        guard let parsed = Timestamp.parse(bytes) else { return nil }
        self.init(
            parsed,
            original: parsed.style.isExact ? nil : String(decoding: bytes, as: UTF8.self))
    }

    private init(_ parsed: Parsed, original: String?) {
        secondsSinceEpoch = parsed.seconds
        nanoseconds = parsed.nanoseconds
        utcOffsetMinutes = parsed.offset
        localDate = parsed.date
        style = parsed.style
        self.original = original
    }

    /// Whether `bytes` are an RFC 3339 `date-time` (as ``init(rfc3339:)`` reads them), without
    /// making a `Timestamp`.
    public static func isRFC3339(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool { parse(bytes) != nil }

    /// The number of local calendar days from `self` to `later`, each date in its own offset.
    public func calendarDays(until later: Timestamp) -> Int { localDate.days(until: later.localDate) }

    /// Seconds from `self` to `other` (positive when `other` is later), as a `Double`.
    public func seconds(until other: Timestamp) -> Double {
        Double(other.secondsSinceEpoch - secondsSinceEpoch) + Double(other.nanoseconds - nanoseconds) / 1e9
    }

    /// The text as received.
    public var description: String { text }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        (lhs.secondsSinceEpoch, lhs.nanoseconds) < (rhs.secondsSinceEpoch, rhs.nanoseconds)
    }

    /// Two timestamps are equal when they name the same instant, whatever offset each was written in.
    public static func == (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.secondsSinceEpoch == rhs.secondsSinceEpoch && lhs.nanoseconds == rhs.nanoseconds
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(secondsSinceEpoch)
        hasher.combine(nanoseconds)
    }

    /// The parts of a parsed text.
    private typealias Parsed = (seconds: Int64, nanoseconds: Int32, offset: Int, date: LocalDate, style: Style)

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Parsed? {
        // YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)
        guard bytes.count >= 20, let date = LocalDate.parse(bytes, at: 0) else { return nil }
        let separator = bytes[10]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t"), bytes[13] == UInt8(ascii: ":"),
            bytes[16] == UInt8(ascii: ":"), let hour = LocalDate.digits(bytes, 11, 2),
            let minute = LocalDate.digits(bytes, 14, 2), let second = LocalDate.digits(bytes, 17, 2),
            hour <= 23, minute <= 59, second <= 60
        else { return nil }
        var index = 19
        var nanoseconds: Int32 = 0
        var fractionDigits = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                if digits < 9 { nanoseconds = nanoseconds * 10 + Int32(bytes[index] - 0x30) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 9) { nanoseconds *= 10 }
            fractionDigits = digits
        }
        guard index < bytes.count else { return nil }
        var offset = 0
        let zone = bytes[index]
        switch zone {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.count, bytes[index + 3] == UInt8(ascii: ":"),
                let offsetHours = LocalDate.digits(bytes, index + 1, 2),
                let offsetMinutes = LocalDate.digits(bytes, index + 4, 2), offsetHours <= 23, offsetMinutes <= 59
            else { return nil }
            offset = (offsetHours * 60 + offsetMinutes) * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        default:
            return nil
        }
        guard index == bytes.count else { return nil }
        let localSeconds = Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        let style = Style(
            fractionDigits: fractionDigits, lowercaseT: separator == UInt8(ascii: "t"), zone: zone,
            exact: second != 60 && fractionDigits <= 9)
        return (localSeconds - Int64(offset * 60), nanoseconds, offset, date, style)
    }

    /// How an RFC 3339 text was written, beyond the instant and the offset: the digits of its
    /// fraction, `T` or `t`, and `Z`, `z`, `+` or `-` before the offset (`-00:00` is not `Z`).
    /// With these, the text is written again byte for byte — unless it was a leap second (counted
    /// as the next second) or had more than nine digits of fraction (``isExact`` is false: the
    /// text is kept as received).
    struct Style: Sendable {
        private let bits: UInt16

        init(fractionDigits: Int, lowercaseT: Bool, zone: UInt8, exact: Bool) {
            bits =
                UInt16(min(fractionDigits, 15)) | (lowercaseT ? 0x10 : 0) | UInt16(zone) << 8
                | (exact ? 0x20 : 0)
        }

        var isExact: Bool { bits & 0x20 != 0 }
        private var fractionDigits: Int { Int(bits & 0x0F) }
        private var zone: UInt8 { UInt8(bits >> 8) }

        /// The text of `time`, as it was written.
        func write(_ time: Timestamp) -> String {
            let local = time.secondsSinceEpoch + Int64(time.utcOffsetMinutes * 60)
            let days = Int(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
            let secondOfDay = Int(local - Int64(days) * 86_400)
            let date = time.localDate
            var bytes: [UInt8] = []
            bytes.reserveCapacity(35)
            func digits(_ value: Int, _ count: Int) {
                var divisor = 1
                for _ in 1..<count { divisor *= 10 }
                var rest = value
                for _ in 0..<count {
                    bytes.append(UInt8(0x30 + rest / divisor % 10))
                    rest %= divisor
                    divisor /= 10
                }
            }
            if (0...9999).contains(date.year) {
                digits(date.year, 4)
            } else {
                // Beyond four digits (an instant far from any event), as `LocalDate` writes it.
                bytes.append(contentsOf: date.description.utf8.dropLast(6))  // its "-MM-DD" dropped
            }
            bytes.append(UInt8(ascii: "-"))
            digits(date.month, 2)
            bytes.append(UInt8(ascii: "-"))
            digits(date.day, 2)
            bytes.append(bits & 0x10 != 0 ? UInt8(ascii: "t") : UInt8(ascii: "T"))
            digits(secondOfDay / 3600, 2)
            bytes.append(UInt8(ascii: ":"))
            digits(secondOfDay % 3600 / 60, 2)
            bytes.append(UInt8(ascii: ":"))
            digits(secondOfDay % 60, 2)
            if fractionDigits > 0 {
                bytes.append(UInt8(ascii: "."))
                var fraction = Int(time.nanoseconds)
                for _ in fractionDigits..<9 { fraction /= 10 }
                digits(fraction, fractionDigits)
            }
            bytes.append(zone)
            if zone == UInt8(ascii: "+") || zone == UInt8(ascii: "-") {
                let minutes = abs(time.utcOffsetMinutes)
                digits(minutes / 60, 2)
                bytes.append(UInt8(ascii: ":"))
                digits(minutes % 60, 2)
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}

extension Timestamp {
    /// The instant `secondsSinceEpoch` (+ `nanoseconds`), written in UTC: `2026-11-22T15:15:00Z`
    /// (with milliseconds when there is a fraction).
    public init(secondsSinceEpoch: Int64, nanoseconds: Int32 = 0) {
        let days = Int(secondsSinceEpoch >= 0 ? secondsSinceEpoch / 86_400 : (secondsSinceEpoch - 86_399) / 86_400)
        self.secondsSinceEpoch = secondsSinceEpoch
        self.nanoseconds = nanoseconds
        utcOffsetMinutes = 0
        localDate = LocalDate(daysSinceEpoch: days)
        // Milliseconds when there is a fraction (the text is written when asked for).
        style = Style(fractionDigits: nanoseconds != 0 ? 3 : 0, lowercaseT: false, zone: UInt8(ascii: "Z"), exact: true)
        original = nil
    }

    /// This instant moved by `seconds`, written in UTC.
    public func adding(seconds: Double) -> Timestamp {
        let total = Double(secondsSinceEpoch) + Double(nanoseconds) / 1e9 + seconds
        let whole = total.rounded(.down)
        return Timestamp(
            secondsSinceEpoch: Int64(whole), nanoseconds: Int32(((total - whole) * 1e9).rounded()) % 1_000_000_000)
    }

    /// The same instant written in UTC.
    public var utc: Timestamp { Timestamp(secondsSinceEpoch: secondsSinceEpoch, nanoseconds: nanoseconds) }
}

extension LocalDate {
    /// The date `days` days after 1970-01-01 (Howard Hinnant's civil_from_days).
    public init(daysSinceEpoch days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        // Every day count names a real date, so this cannot fail.
        self = LocalDate(year: year, month: month, day: day) ?? LocalDate.epoch
    }

    static let epoch = LocalDate(uncheckedYear: 1970, month: 1, day: 1)

    private init(uncheckedYear year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }
}
