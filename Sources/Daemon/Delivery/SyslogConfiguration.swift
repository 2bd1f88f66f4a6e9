public import Rules

/// How the syslog sink is set up (`syslog:` in the configuration file).
public struct SyslogConfiguration: Sendable, Equatable {
    /// Where messages go.
    public enum Transport: Sendable, Equatable {
        /// A local datagram socket (`/dev/log` by default).
        case unix(String)
        /// UDP to host:port.
        case udp(String, UInt16)
        /// TCP to host:port, framed by octet counting (RFC 6587).
        case tcp(String, UInt16)
    }

    /// The message format.
    public enum Format: String, Sendable, CaseIterable {
        case rfc5424, rfc3164
    }

    /// What of an alert goes into the message.
    public enum Content: String, Sendable, CaseIterable {
        /// Ids, priority, referral, rules version, status.
        case minimal
        /// Also the unit and the summary.
        case standard
        /// The whole alert record as JSON.
        case full
    }

    public var transport: Transport = .unix("/dev/log")
    public var format: Format = .rfc5424
    /// The facility number: local0 (16) by default.
    public var facility = 16
    public var content: Content = .minimal
    /// Alerts below this priority are not sent (they are still marked delivered for this sink).
    public var minimumPriority: Priority = .low
    /// The private enterprise number in the structured-data id `riskscreen@PEN`.
    public var enterpriseNumber = "32473"
    /// Messages longer than this many bytes are cut on a UTF-8 boundary, with a marker.
    public var maximumMessageBytes = 2048

    public init() {}

    /// Facility names syslog users write.
    public static let facilities: [String: Int] = [
        "kern": 0, "user": 1, "daemon": 3, "auth": 4, "syslog": 5, "authpriv": 10, "local0": 16, "local1": 17,
        "local2": 18, "local3": 19, "local4": 20, "local5": 21, "local6": 22, "local7": 23,
    ]
}
