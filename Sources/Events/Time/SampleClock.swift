/// Moves synthetic events in time, so that dated samples show what they were written to show
/// whatever today's date is: a demonstration next month, or a test run next year, sees events that
/// just happened rather than a backlog too old to raise an alert.
///
/// Dates move by whole days on the local date written in each string: the time of day and the UTC
/// offset stay as written, so lengths of stay, ages and every score stay the same.
public enum SampleClock {
    /// `text` with every date (`2026-11-24`) and date-time (`2026-11-24T11:05:00-05:00`) string
    /// moved by `days` days. Strings that merely contain a date (an id such as `NF-2026-11-24-0002`)
    /// are left alone.
    public static func shift(_ text: String, days: Int) -> String {
        guard days != 0 else { return text }
        var bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "\""), let end = dateStringEnd(bytes, from: index + 1) else {
                index += 1
                continue
            }
            let start = index + 1
            let old = String(decoding: bytes[start..<start + 10], as: UTF8.self)
            if let date = LocalDate(rfc3339: old) {
                let moved = LocalDate(daysSinceEpoch: date.daysSinceEpoch + days).description
                bytes.replaceSubrange(start..<start + 10, with: Array(moved.utf8))
            }
            index = end + 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Where the string starting at `start` ends (its closing quote), when all of it is a date or
    /// a date-time; `nil` otherwise.
    private static func dateStringEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        func isDigit(_ offset: Int) -> Bool {
            start + offset < bytes.count && bytes[start + offset] >= 48 && bytes[start + offset] <= 57
        }
        guard (0..<4).allSatisfy(isDigit), start + 10 < bytes.count, bytes[start + 4] == UInt8(ascii: "-"),
            isDigit(5), isDigit(6), bytes[start + 7] == UInt8(ascii: "-"), isDigit(8), isDigit(9)
        else { return nil }
        if bytes[start + 10] == UInt8(ascii: "\"") { return start + 10 }
        guard bytes[start + 10] == UInt8(ascii: "T") else { return nil }
        var index = start + 11
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
            guard "0123456789:.+-Z".utf8.contains(bytes[index]) else { return nil }
            index += 1
        }
        return index < bytes.count ? index : nil
    }

    /// `texts` (event files) moved so that each patient's latest event happened less than a day
    /// before `now`, each patient's events by the same number of days (an admission and its
    /// discharge keep their distance). Texts that are not valid events are returned as they are.
    public static func move(_ texts: [String], before now: Timestamp) -> [String] {
        let decoder = EventDecoder()
        let events = texts.map { try? decoder.decode(Array($0.utf8)) }
        var latest: [String: Timestamp] = [:]
        for case let event? in events {
            let patient = event.patient.id
            if latest[patient].map({ $0 < event.occurredAt }) ?? true { latest[patient] = event.occurredAt }
        }
        return zip(texts, events).map { text, event in
            guard let event, let last = latest[event.patient.id] else { return text }
            let days = Int((last.seconds(until: now) / 86_400).rounded(.down))
            return shift(text, days: days)
        }
    }
}
