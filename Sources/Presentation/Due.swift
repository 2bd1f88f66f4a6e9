public import Events

/// How long until an alert's deadline, or how long it is overdue, in the words a worklist uses:
/// "in 45 min", "overdue 2 h 5 min", "overdue 3 d 4 h".
public struct Due: Sendable, Equatable {
    /// The words.
    public let text: String
    /// Whether the deadline has passed.
    public let isOverdue: Bool

    /// The deadline `respondBy` seen at `now` (seconds since the epoch).
    public init(_ respondBy: Timestamp, now: Double) {
        let seconds = Double(respondBy.secondsSinceEpoch) - now
        isOverdue = seconds < 0
        text = (isOverdue ? "overdue " : "in ") + Due.span(abs(seconds))
    }

    /// A span of time to the minute, at most two units: `45 min`, `2 h 5 min`, `3 d 4 h`; under a
    /// minute, `< 1 min`.
    public static func span(_ seconds: Double) -> String {
        let minutes = Int(seconds / 60)
        if minutes < 1 { return "< 1 min" }
        if minutes < 60 { return "\(minutes) min" }
        let hours = minutes / 60
        if hours < 24 { return minutes % 60 == 0 ? "\(hours) h" : "\(hours) h \(minutes % 60) min" }
        return hours % 24 == 0 ? "\(hours / 24) d" : "\(hours / 24) d \(hours % 24) h"
    }
}
