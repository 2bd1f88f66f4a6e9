/// Opens the state a home keeps. The one place that names the backend (SQLite today): everything
/// else talks to ``EventLedger``, ``Outbox``, ``AlertQueue`` and ``StateStore``.
public enum StateDatabase {
    /// Opens (creating when missing) the state at `path` for the daemon and the queue commands; a
    /// new file is created with `mode`.
    public static func open(_ path: String, mode: UInt32 = 0o600) throws -> any StateStore {
        try SQLiteStateStore(path: path, mode: mode)
    }

    /// Opens the state at `path` only to read it (`riskscreen eval --state`), never migrating or
    /// writing it, so a copy or a live daemon's file stays as it is.
    public static func openForReading(_ path: String) throws -> any EventLedger & AlertQueue {
        try SQLiteStateStore(readingFrom: path)
    }
}
