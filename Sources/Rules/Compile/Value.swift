public import Events

/// A value an expression produces. `missing` is a value like any other: a comparison with it is
/// false, a presence test says whether it is there, and explanations show it as "missing".
public enum Value: Sendable, Equatable, CustomStringConvertible {
    case missing
    case bool(Bool)
    case number(Double)
    case string(String)
    indirect case timestamp(Timestamp)
    indirect case date(LocalDate)
    /// A duration in seconds.
    case duration(Double)
    case list([Value])

    /// Whether the value counts as true in a condition: only `true` does; `missing` does not.
    public var isTrue: Bool {
        if case .bool(true) = self { return true }
        return false
    }

    /// The number, when this is one.
    public var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The value as an author reads it in an explanation or a reason.
    public var description: String {
        switch self {
        case .missing: "missing"
        case .bool(let flag): flag ? "true" : "false"
        case .number(let value): Value.format(value)
        case .string(let text): "\"\(text)\""
        case .timestamp(let time): time.text
        case .date(let date): date.description
        case .duration(let seconds): Value.formatDuration(seconds)
        case .list(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        }
    }

    /// The value as it reads inside a sentence (strings unquoted).
    public var text: String {
        if case .string(let text) = self { return text }
        return description
    }

    /// The value as it reads in a sentence for people (a rule's reason): true and false as yes and
    /// no, a date-time as the day and time where it happened (`2026-11-20 10:00`), a list joined
    /// with commas, missing as "unknown".
    public var prose: String {
        switch self {
        case .missing: "unknown"
        case .bool(let flag): flag ? "yes" : "no"
        case .string(let text): text
        case .timestamp(let time): Value.dayAndTime(time)
        case .list(let items): items.map(\.prose).joined(separator: ", ")
        default: text
        }
    }

    /// `YYYY-MM-DD HH:MM` in the date-time's own offset (the facility's local time).
    static func dayAndTime(_ time: Timestamp) -> String {
        let local = time.secondsSinceEpoch + Int64(time.utcOffsetMinutes) * 60
        let minuteOfDay = Int(((local % 86_400) + 86_400) % 86_400) / 60
        let hours = minuteOfDay / 60
        let minutes = minuteOfDay % 60
        return "\(time.localDate) \(hours < 10 ? "0" : "")\(hours):\(minutes < 10 ? "0" : "")\(minutes)"
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        let rounded = (value * 100).rounded() / 100
        return String(rounded)
    }

    static func formatDuration(_ seconds: Double) -> String {
        for (unit, size) in [("w", 604_800.0), ("d", 86_400), ("h", 3600), ("m", 60)]
        where seconds != 0 && seconds.truncatingRemainder(dividingBy: size) == 0 {
            return "\(Int64(seconds / size))\(unit)"
        }
        return "\(format(seconds))s"
    }
}

/// The static type of an expression, as the checker knows it before any event arrives.
enum ValueType: Equatable, CustomStringConvertible {
    case bool, number, string, timestamp, date, duration
    /// Known only at evaluation (`extensions.*`, screening answer values).
    case dynamic
    case numberList, stringList
    /// A repeating part of the event that collection functions range over.
    case collection(CollectionKind)
    /// A named list or code set: only on the right of `in`.
    case namedList

    var description: String {
        switch self {
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "text"
        case .timestamp: "a date-time"
        case .date: "a date"
        case .duration: "a duration"
        case .dynamic: "a value of any type"
        case .numberList: "a list of numbers"
        case .stringList: "a list of text"
        case .collection(let kind): "the collection \(kind.rawValue)"
        case .namedList: "a named list"
        }
    }

    /// Whether a value of this type can stand where `expected` is wanted.
    func fits(_ expected: ValueType) -> Bool { self == expected || self == .dynamic || expected == .dynamic }
}
