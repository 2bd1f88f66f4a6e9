import Events
import Foundation
import Presentation
import Testing

@Suite("How alerts read for people")
struct PresentationTests {
    @Test("deadlines in words, to the minute, at most two units")
    func due() throws {
        let deadline = try #require(Timestamp(rfc3339: "2026-11-30T15:00:00Z"))
        let at = Double(deadline.secondsSinceEpoch)
        #expect(Due(deadline, now: at - 45 * 60) == Due(deadline, now: at - 45 * 60 - 20))
        #expect(Due(deadline, now: at - 45 * 60).text == "in 45 min")
        #expect(Due(deadline, now: at - 45 * 60).isOverdue == false)
        #expect(Due(deadline, now: at + 2 * 3600).text == "overdue 2 h")
        #expect(Due(deadline, now: at + 2 * 3600 + 5 * 60).text == "overdue 2 h 5 min")
        #expect(Due(deadline, now: at + 3 * 86_400 + 4 * 3600 + 59).text == "overdue 3 d 4 h")
        #expect(Due(deadline, now: at - 30).text == "in < 1 min")
        #expect(Due(deadline, now: at + 1).isOverdue)
    }

    @Test("times in the site's zone with its abbreviation, winter and summer")
    func siteTime() throws {
        let newYork = try #require(SiteTime(identifier: "America/New_York"))
        let winter = try #require(Timestamp(rfc3339: "2026-11-30T09:35:00Z"))
        let summer = try #require(Timestamp(rfc3339: "2026-07-01T09:35:00+00:00"))
        #expect(newYork.dayAndTime(winter) == "2026-11-30 04:35 EST")
        #expect(newYork.dayAndTime(summer) == "2026-07-01 05:35 EDT")
        #expect(newYork.short(winter, now: Double(winter.secondsSinceEpoch) + 3600) == "Mon 04:35")
        #expect(newYork.short(winter, now: Double(winter.secondsSinceEpoch) + 30 * 86_400) == "2026-11-30 04:35")
        // The same instant sent with another offset reads the same.
        let sentLocal = try #require(Timestamp(rfc3339: "2026-11-30T04:35:00-05:00"))
        #expect(newYork.dayAndTime(sentLocal) == newYork.dayAndTime(winter))
        #expect(SiteTime(identifier: "America/New_Yrok") == nil)
    }

    @Test("local days and clock times agree with Foundation's formatter, in any zone, any year")
    func localTimeAgreesWithFormatter() throws {
        var random = SystemRandomNumberGenerator()
        for identifier in ["America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Kiritimati", "UTC"] {
            let site = try #require(SiteTime(identifier: identifier))
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = site.zone
            formatter.dateFormat = "yyyy-MM-dd HH:mm"
            let weekday = DateFormatter()
            weekday.locale = formatter.locale
            weekday.timeZone = site.zone
            weekday.dateFormat = "EEE HH:mm"
            let withZone = DateFormatter()
            withZone.locale = formatter.locale
            withZone.timeZone = site.zone
            withZone.dateFormat = "yyyy-MM-dd HH:mm zzz"
            // Leap days, the turn of a century, before 1970, and random instants.
            var instants: [Int64] = [951_782_400, 951_868_799, -86_401, 0, 4_107_542_399, 1_772_236_800]
            for _ in 0..<500 { instants.append(Int64.random(in: -2_000_000_000...5_000_000_000, using: &random)) }
            for seconds in instants {
                let time = Timestamp(secondsSinceEpoch: seconds)
                let date = Date(timeIntervalSince1970: Double(seconds))
                #expect(
                    site.short(time, now: Double(seconds) + 30 * 86_400) == formatter.string(from: date),
                    "\(identifier) \(seconds)")
                #expect(
                    site.short(time, now: Double(seconds)) == weekday.string(from: date), "\(identifier) \(seconds)")
                // (Before 1971 the formatter has no names for the zones, only offsets.)
                if seconds > 31_536_000 {
                    #expect(site.dayAndTime(time) == withZone.string(from: date), "\(identifier) \(seconds)")
                }
            }
        }
    }

    @Test("a rules version for people: sha256 and 12 hex digits")
    func rulesVersion() {
        let full = "sha256:9fc8cc473405ba09685c92e3afda9e23bc42f361e4653d346d264071d7a34218"
        #expect(RulesVersion.short(full) == "sha256:9fc8cc473405")
        #expect(RulesVersion.short("sha256:9fc8") == "sha256:9fc8")
        #expect(RulesVersion.short("local") == "local")
    }

    @Test("table columns as wide as their widest cell, headers over them, whatever the data")
    func table() {
        var table = TextTable(headers: ["PRIORITY", "DUE", "REFERRAL", "SUMMARY"])
        table.append(["critical", "overdue 16 h 32 min", "safety", "HITS total 14"])
        table.append(["high", "in 5 min", "pharmacy-financial-counseling", "Cost"])
        let lines = table.lines()
        #expect(
            lines == [
                "PRIORITY  DUE                  REFERRAL                       SUMMARY",
                "critical  overdue 16 h 32 min  safety                         HITS total 14",
                "high      in 5 min             pharmacy-financial-counseling  Cost",
            ])
        // Every column starts where its header does.
        let start = lines[0].range(of: "REFERRAL")!.lowerBound.utf16Offset(in: lines[0])
        #expect(lines[2].range(of: "pharmacy")!.lowerBound.utf16Offset(in: lines[2]) == start)
        // A style (a colour) does not move the columns.
        let coloured = table.lines { _, column, text in column == 1 ? "\u{1B}[31m" + text + "\u{1B}[0m" : text }
        #expect(
            coloured[1].replacingOccurrences(of: "\u{1B}[31m", with: "").replacingOccurrences(of: "\u{1B}[0m", with: "")
                == lines[1])
    }
}
