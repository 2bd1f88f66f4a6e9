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
    public func dayAndTime(_ time: Timestamp) -> String { format(time, "yyyy-MM-dd HH:mm zzz") }

    /// `Mon 04:35` when `time` is within a week of `now`, else `2026-11-30 04:35`: short enough for a
    /// list's column.
    public func short(_ time: Timestamp, now: Double) -> String {
        let distance = abs(Double(time.secondsSinceEpoch) - now)
        return format(time, distance < 6 * 86_400 ? "EEE HH:mm" : "yyyy-MM-dd HH:mm")
    }

    /// `time` with a `DateFormatter` pattern, in this zone, in English (the team's words are English).
    public func format(_ time: Timestamp, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = pattern
        return formatter.string(from: Date(timeIntervalSince1970: Double(time.secondsSinceEpoch)))
    }
}
