/// Where the daemon delivers alerts; the outbox keeps one row per sink, alert and kind.
public enum SinkName: String, CaseIterable, Sendable, Comparable {
    /// `alerts/`: one file per open alert, the team's queue on disk.
    case queue
    /// `alerts.jsonl`: every alert record, appended, for log shippers.
    case jsonl
    /// Syslog (RFC 5424 or 3164), over a local socket, UDP or TCP.
    case syslog

    public static func < (lhs: SinkName, rhs: SinkName) -> Bool { lhs.rawValue < rhs.rawValue }
}
