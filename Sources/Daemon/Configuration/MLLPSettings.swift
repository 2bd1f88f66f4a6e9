/// The MLLP listener: the configuration's `mllp:` section. Absent, there is no listener.
public struct MLLPSettings: Sendable, Equatable {
    /// Where it listens; loopback by default.
    public var host = "127.0.0.1"
    public var port = 2575
    /// A message larger than this is refused (`AR`) and the connection closed.
    public var maxMessageBytes = 1 << 20
    /// A connection silent for this long (seconds) is closed.
    public var idleTimeout: Double = 300

    public init() {}
}
