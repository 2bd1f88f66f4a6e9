/// How urgently the social work team should act on a finding or an alert.
public enum Priority: String, CaseIterable, Comparable, Sendable {
    case low, medium, high, critical

    /// The syslog severity name the contract pairs with the priority.
    public var syslogSeverity: String {
        switch self {
        case .critical: "crit"
        case .high: "err"
        case .medium: "warning"
        case .low: "notice"
        }
    }

    /// The priorities most urgent first, as lists and the queue folder order them.
    public static let mostUrgentFirst: [Priority] = [.critical, .high, .medium, .low]

    /// 1 for critical … 4 for low: the order of the queue (its files' names begin with it).
    public var queueRank: Int { (Priority.mostUrgentFirst.firstIndex(of: self) ?? 3) + 1 }

    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.queueRank > rhs.queueRank }
}
