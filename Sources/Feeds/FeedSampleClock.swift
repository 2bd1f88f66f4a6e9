public import Events
import Foundation

/// Moves synthetic HL7 v2 and FHIR samples in time for the demonstration, as `SampleClock` does for
/// contract events: every date in a file by the same whole number of days, so that its latest event
/// happened within the day before `now` (a sample from last month would be too old to alert).
public enum FeedSampleClock {
    /// `texts` (HL7 v2 files, or FHIR bundles when `fhir`) moved together, so that the latest event
    /// of them all lies within the day before `now` and their order is kept; a text that cannot be
    /// read is moved all the same.
    public static func move(_ texts: [String], fhir: Bool, before now: Timestamp, input: FeedInput = FeedInput())
        -> [String]
    {
        var latest: Timestamp?
        for text in texts {
            let bytes = Array(text.utf8)
            for item in fhir ? [input.fhir(bytes)] : input.hl7(bytes) {
                guard case .success(.event(let event)) = item.result,
                    case .string(let occurred)? = event.json["occurred_at"],
                    let time = Timestamp(rfc3339: occurred)
                else { continue }
                if latest.map({ $0 < time }) ?? true { latest = time }
            }
        }
        guard let latest else { return texts }
        let days = Int((latest.seconds(until: now) / 86_400).rounded(.down))
        return texts.map { shift($0, days: days, fhir: fhir) }
    }

    /// Every date in `text` moved by `days`.
    static func shift(_ text: String, days: Int, fhir: Bool) -> String {
        guard days != 0 else { return text }
        // HL7: YYYYMMDD at the start of a DTM; FHIR: YYYY-MM-DD. Only this century's dates.
        let pattern =
            fhir ? #"(?<![0-9])(20[0-9]{2})-([0-9]{2})-([0-9]{2})"# : #"(?<![0-9])(20[0-9]{2})([0-9]{2})([0-9]{2})"#
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return text }
        var result = ""
        var last = text.startIndex
        for match in expression.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            guard let range = Range(match.range, in: text),
                let year = Range(match.range(at: 1), in: text).flatMap({ Int(text[$0]) }),
                let month = Range(match.range(at: 2), in: text).flatMap({ Int(text[$0]) }),
                let day = Range(match.range(at: 3), in: text).flatMap({ Int(text[$0]) }),
                let date = LocalDate(year: year, month: month, day: day)
            else { continue }
            let moved = LocalDate(daysSinceEpoch: date.daysSinceEpoch + days)
            result += text[last..<range.lowerBound]
            let two = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
            result +=
                fhir
                ? "\(moved.year)-\(two(moved.month))-\(two(moved.day))"
                : "\(moved.year)\(two(moved.month))\(two(moved.day))"
            last = range.upperBound
        }
        return result + text[last...]
    }
}
