import Events
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
            let local = parts.date.daysSinceEpoch * 86_400 + parts.hour * 3600 + parts.minute * 60 + parts.second
            var guess = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local)))
            guess = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local - guess)))
            seconds = guess
        }
        let sign = seconds < 0 ? "-" : "+"
        let minutes = abs(seconds) / 60
        return "\(parts.date)T\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second))"
            + "\(sign)\(two(minutes / 60)):\(two(minutes % 60))"
    }

    /// `19381119` → `1938-11-19` (a DT, or the day of a DTM).
    static func date(_ text: String) -> String? {
        let (digits, _) = split(text)
        guard let parts = civil(String(digits.prefix(8)), minimumLength: 8) else { return nil }
        return parts.date.description
    }

    private struct Civil {
        var date: LocalDate
        var hour = 0, minute = 0, second = 0
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
        guard let year = number(0, 4), year >= 1800,
            let date = LocalDate(year: year, month: number(4, 2) ?? 1, day: number(6, 2) ?? 1)
        else { return nil }
        let parts = Civil(date: date, hour: number(8, 2) ?? 0, minute: number(10, 2) ?? 0, second: number(12, 2) ?? 0)
        guard (0...23).contains(parts.hour), (0...59).contains(parts.minute), (0...59).contains(parts.second)
        else { return nil }
        return parts
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
