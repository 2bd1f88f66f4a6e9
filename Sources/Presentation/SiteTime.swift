public import Events
public import Foundation

/// Times as the social work team reads them: in the site's time zone (the configuration's
/// `timezone`, else the system's), to the minute, with the zone's abbreviation — never UTC beside
/// an event's own offset.
public struct SiteTime: Sendable {
    /// The zone times are shown in.
    public let zone: TimeZone

    /// Times in `zone`.
    public init(zone: TimeZone) { self.zone = zone }

    /// The system's time zone (TZ, else /etc/localtime).
    public static var system: SiteTime { SiteTime(zone: .current) }

    /// The zone named `identifier` (`America/New_York`), or `nil` when there is none by that name.
    public init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.zone = zone
    }

    /// The IANA names of the time zones this machine knows, for a did-you-mean.
    public static var knownIdentifiers: [String] { TimeZone.knownTimeZoneIdentifiers }

    /// `2026-11-30 04:35 EST`.
    public func dayAndTime(_ time: Timestamp) -> String {
        let local = Local(time, in: zone)
        return "\(local.day) \(local.clock) \(abbreviation(at: time))"
    }

    /// `Mon 04:35` when `time` is within a week of `now`, else `2026-11-30 04:35`: short enough for a
    /// list's column.
    public func short(_ time: Timestamp, now: Double) -> String {
        let local = Local(time, in: zone)
        let distance = abs(Double(time.secondsSinceEpoch) - now)
        return distance < 6 * 86_400 ? "\(local.weekday) \(local.clock)" : "\(local.day) \(local.clock)"
    }

    /// The zone's abbreviation at `time` (`EST`, `EDT`), else its offset then (`GMT+5:30`).
    public func abbreviation(at time: Timestamp) -> String {
        let date = Date(timeIntervalSince1970: Double(time.secondsSinceEpoch))
        if let name = zone.localizedName(
            for: zone.isDaylightSavingTime(for: date) ? .shortDaylightSaving : .shortStandard,
            locale: Locale(identifier: "en_US")), !name.hasPrefix("GMT"), !name.hasPrefix("UTC")
        {
            return name
        }
        let offset = zone.secondsFromGMT(for: date)
        guard offset != 0 else { return "GMT" }
        let minutes = abs(offset) / 60
        let hours = "GMT\(offset < 0 ? "-" : "+")\(minutes / 60)"
        return minutes % 60 == 0 ? hours : hours + ":" + (minutes % 60 < 10 ? "0" : "") + "\(minutes % 60)"
    }

    /// The local calendar day and clock time of an instant: the zone's offset at that instant, then
    /// arithmetic (the day by `LocalDate`) — a list of hundreds of deadlines must not build a date
    /// formatter for each.
    struct Local {
        let day: String
        let clock: String
        let weekday: String

        init(_ time: Timestamp, in zone: TimeZone) {
            let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(time.secondsSinceEpoch)))
            let seconds = time.secondsSinceEpoch + Int64(offset)
            let (days, secondOfDay) = seconds.floorDivided(by: 86_400)
            func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
            day = LocalDate(daysSinceEpoch: Int(days)).description
            clock = "\(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60))"
            // 1970-01-01 was a Thursday.
            weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][Int(days.floorDivided(by: 7).remainder)]
        }
    }
}

extension Int64 {
    /// Quotient rounded down and a remainder that is never negative.
    fileprivate func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let remainder = ((self % divisor) + divisor) % divisor
        return ((self - remainder) / divisor, remainder)
    }
}
