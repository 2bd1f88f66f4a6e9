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

    private var rank: Int { Priority.allCases.firstIndex(of: self) ?? 0 }

    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rank < rhs.rank }
}
