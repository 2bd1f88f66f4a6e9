import Events
import Foundation

/// HL7 v2 DTM and DT values (`YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ]`) as RFC 3339 text.
enum HL7DateTime {
    /// `20261119103000-0500` → `2026-11-19T10:30:00-05:00`. A value without an offset is local time
    /// in `zone` (the site's). At least the day must be given; missing hours and minutes are 0.
    static func rfc3339(_ text: String, zone: TimeZone) -> String? {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        guard write(bytes, 0..<bytes.count, zone: zone, quoted: false, to: &output) else { return nil }
        return String(decoding: output, as: UTF8.self)
    }

    /// `bytes[range]` (a DTM, blanks around it allowed) written to `output` as RFC 3339 text, in
    /// quotes when `quoted`; `false`, and nothing written, when it is not a date-time.
    static func write<Output: ByteOutput & ~Copyable>(
        _ bytes: [UInt8], _ range: Range<Int>, zone: TimeZone, quoted: Bool = true, to output: inout Output
    ) -> Bool {
        guard let (parts, offset) = read(bytes, range) else { return false }
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
        func digits(_ value: Int, _ count: Int) {
            if count == 4 {
                output.append(UInt8(48 + value / 1000 % 10))
                output.append(UInt8(48 + value / 100 % 10))
            }
            output.append(UInt8(48 + value / 10 % 10))
            output.append(UInt8(48 + value % 10))
        }
        if quoted { output.append(UInt8(ascii: "\"")) }
        digits(parts.date.year, 4)
        output.append(UInt8(ascii: "-"))
        digits(parts.date.month, 2)
        output.append(UInt8(ascii: "-"))
        digits(parts.date.day, 2)
        output.append(UInt8(ascii: "T"))
        digits(parts.hour, 2)
        output.append(UInt8(ascii: ":"))
        digits(parts.minute, 2)
        output.append(UInt8(ascii: ":"))
        digits(parts.second, 2)
        output.append(seconds < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        let minutes = abs(seconds) / 60
        digits(minutes / 60, 2)
        output.append(UInt8(ascii: ":"))
        digits(minutes % 60, 2)
        if quoted { output.append(UInt8(ascii: "\"")) }
        return true
    }

    /// Whether `bytes[range]` is a DTM (blanks around it allowed).
    static func isDateTime(_ bytes: [UInt8], _ range: Range<Int>) -> Bool { read(bytes, range) != nil }

    /// `19381119` → `1938-11-19` (a DT, or the day of a DTM).
    static func date(_ text: String) -> String? {
        var bytes = Array(text.utf8)
        // The day alone: an offset, a time and fractions are not looked at.
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        if let sign = bytes[start..<end].firstIndex(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }) {
            guard valid(offset: bytes[(sign + 1)..<end]) != nil else { return nil }
            end = sign
        }
        bytes = Array(bytes[start..<end].prefix { $0 != UInt8(ascii: ".") }.prefix(8))
        guard let parts = civil(bytes[...]) else { return nil }
        return parts.date.description
    }

    private struct Civil {
        var date: LocalDate
        var hour = 0, minute = 0, second = 0
    }

    /// The date-time and its offset in seconds (`nil`: none sent) of `bytes[range]`.
    private static func read(_ bytes: [UInt8], _ range: Range<Int>) -> (Civil, Int?)? {
        var start = range.lowerBound
        var end = range.upperBound
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        var offset: Int?
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
                guard let seconds = valid(offset: bytes[(index + 1)..<end]) else { return nil }
                offset = byte == UInt8(ascii: "-") ? -seconds : seconds
                end = index
                break
            }
            index += 1
        }
        // Fractions of a second are dropped.
        var digitsEnd = start
        while digitsEnd < end, bytes[digitsEnd] != UInt8(ascii: ".") { digitsEnd += 1 }
        guard let parts = civil(bytes[start..<digitsEnd]) else { return nil }
        return (parts, offset)
    }

    /// `HHMM` after an offset's sign, in seconds.
    private static func valid(offset zone: ArraySlice<UInt8>) -> Int? {
        guard zone.count == 4, zone.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let hhmm = zone.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        guard hhmm % 100 < 60, hhmm / 100 < 24 else { return nil }
        return hhmm / 100 * 3600 + hhmm % 100 * 60
    }

    /// `YYYYMMDD[HH[MM[SS]]]`: at least the day, at most the second, whole pairs of digits.
    private static func civil(_ bytes: ArraySlice<UInt8>) -> Civil? {
        guard bytes.count >= 8, bytes.count <= 14, bytes.count % 2 == 0,
            bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return nil }
        let base = bytes.startIndex
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= bytes.count else { return nil }
            var value = 0
            for index in base + from..<base + from + count { value = value * 10 + Int(bytes[index]) - 48 }
            return value
        }
        guard let year = number(0, 4), year >= 1800,
            let date = LocalDate(year: year, month: number(4, 2) ?? 1, day: number(6, 2) ?? 1)
        else { return nil }
        let parts = Civil(date: date, hour: number(8, 2) ?? 0, minute: number(10, 2) ?? 0, second: number(12, 2) ?? 0)
        guard (0...23).contains(parts.hour), (0...59).contains(parts.minute), (0...59).contains(parts.second)
        else { return nil }
        return parts
    }
}
