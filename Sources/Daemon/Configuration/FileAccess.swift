import Foundation

/// Who may read the files that carry protected health information: the state database, the
/// queue, `alerts.jsonl`, the archive and the quarantine (and the metrics beside them).
///
/// Never world-readable. The daemon also sets its umask to match, so a file some library creates
/// without an explicit mode (SQLite's WAL and shared-memory files, say) cannot be wider either.
public enum FileAccess: String, Sendable, CaseIterable {
    /// Files 0600, directories 0700: only the daemon's user (the default).
    case owner
    /// Files 0640, directories 0750, the state database 0660: the daemon's group too, for a social
    /// work team that reads the queue folder and acknowledges alerts with `riskscreen queue`.
    case group

    /// The mode of a regular file.
    public var fileMode: UInt32 { self == .owner ? 0o600 : 0o640 }
    /// The mode of the state database (the team's `queue ack` and `close` write to it).
    public var databaseMode: UInt32 { self == .owner ? 0o600 : 0o660 }
    /// The mode of a directory.
    public var directoryMode: UInt32 { self == .owner ? 0o700 : 0o750 }
    /// The process umask that keeps any other file within these modes.
    public var umask: UInt32 { self == .owner ? 0o077 : 0o007 }
}
