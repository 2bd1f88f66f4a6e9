import Foundation

/// HL7 v2 DTM and DT values (`YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ]`) as RFC 3339 text.
enum HL7DateTime {
    /// `20261119103000-0500` → `2026-11-19T10:30:00-05:00`. A value without an offset is local time
    /// in `zone` (the site's). At least the day must be given; missing hours and minutes are 0.
    static func rfc3339(_ text: String, zone: TimeZone) -> String? {
        let (digits, offset) = split(text)
        guard let parts = civil(digits, minimumLength: 8) else { return nil }
        let seconds: Int
        if let offset {
            seconds = offset
        } else {
            // The zone's offset at that local time (twice: the first guess may fall across a change).
            let local = epoch(parts)
            var guess = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local)))
            guess = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local - guess)))
            seconds = guess
        }
        let sign = seconds < 0 ? "-" : "+"
        let minutes = abs(seconds) / 60
        return
            "\(four(parts.year))-\(two(parts.month))-\(two(parts.day))T\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second))"
            + "\(sign)\(two(minutes / 60)):\(two(minutes % 60))"
    }

    /// `19381119` → `1938-11-19` (a DT, or the day of a DTM).
    static func date(_ text: String) -> String? {
        let (digits, _) = split(text)
        guard let parts = civil(String(digits.prefix(8)), minimumLength: 8) else { return nil }
        return "\(four(parts.year))-\(two(parts.month))-\(two(parts.day))"
    }

    private struct Civil {
        var year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0
    }

    private static func split(_ text: String) -> (String, Int?) {
        let utf8 = text.trimmedBlanks.utf8
        if let signIndex = utf8.firstIndex(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }) {
            let zone = Array(utf8[utf8.index(after: signIndex)...])
            guard zone.count == 4, zone.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return ("", nil) }
            let hhmm = zone.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            guard hhmm % 100 < 60, hhmm / 100 < 24 else { return ("", nil) }
            let seconds = (hhmm / 100 * 3600 + hhmm % 100 * 60) * (utf8[signIndex] == UInt8(ascii: "-") ? -1 : 1)
            return (String(decoding: utf8[..<signIndex], as: UTF8.self), seconds)
        }
        return (String(decoding: utf8, as: UTF8.self), nil)
    }

    private static func civil(_ text: String, minimumLength: Int) -> Civil? {
        // Fractions of a second are dropped.
        let bytes = Array(text.utf8.prefix { $0 != UInt8(ascii: ".") })
        guard bytes.count >= minimumLength, bytes.count <= 14, bytes.count % 2 == 0,
            bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return nil }
        let numbers = bytes.map { Int($0) - 48 }
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= numbers.count else { return nil }
            return numbers[from..<from + count].reduce(0) { $0 * 10 + $1 }
        }
        var parts = Civil()
        parts.year = number(0, 4) ?? 0
        parts.month = number(4, 2) ?? 1
        parts.day = number(6, 2) ?? 1
        parts.hour = number(8, 2) ?? 0
        parts.minute = number(10, 2) ?? 0
        parts.second = number(12, 2) ?? 0
        let leap = parts.year % 4 == 0 && (parts.year % 100 != 0 || parts.year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard parts.year >= 1800, (1...12).contains(parts.month), (1...days[parts.month - 1]).contains(parts.day),
            (0...23).contains(parts.hour), (0...59).contains(parts.minute), (0...59).contains(parts.second)
        else { return nil }
        return parts
    }

    /// Seconds since the epoch of the civil time read as UTC.
    private static func epoch(_ parts: Civil) -> Int {
        let y = parts.month <= 2 ? parts.year - 1 : parts.year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = parts.month > 2 ? parts.month - 3 : parts.month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + parts.day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return days * 86_400 + parts.hour * 3600 + parts.minute * 60 + parts.second
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    private static func four(_ n: Int) -> String { String(repeating: "0", count: max(0, 4 - "\(n)".count)) + "\(n)" }
}
