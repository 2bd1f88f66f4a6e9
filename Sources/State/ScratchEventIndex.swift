import GRDB

/// Where an archive's events are and in what order a replay reads them — one row per event and
/// per file — kept in a temporary SQLite database that SQLite deletes when it is closed (see
/// ``ScratchTable``), so an archive of any size is indexed in the same memory.
///
/// Rows are added in batches; ``removeDuplicates()`` keeps the first event of each id (in time,
/// then file, then message); ``places(after:limit:)`` reads them back in that order, a page at a time.
public final class ScratchEventIndex {
    /// One event's place: when it happened, and its message in its file.
    public struct Place: Sendable, Equatable {
        public var seconds: Int64
        public var nanoseconds: Int32
        /// The file, by its number (``addFile(_:)``), and its path.
        public var file: Int
        public var path: String
        /// The message in that file (1-based).
        public var message: Int
    }

    private let database: DatabaseQueue
    private var pendingFiles: [(number: Int, path: String)] = []
    private var pendingEvents: [(seconds: Int64, nanoseconds: Int32, file: Int, message: Int, eventID: String)] = []
    private var files = 0
    /// Events indexed (less the duplicates once removed).
    public private(set) var count = 0

    /// Opens an empty index.
    public init() throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = OFF")
            try db.execute(sql: "PRAGMA synchronous = OFF")
        }
        // An empty path: SQLite's own temporary database, deleted when closed.
        database = try DatabaseQueue(path: "", configuration: configuration)
        try database.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE files (number INTEGER PRIMARY KEY, path TEXT NOT NULL);
                    CREATE TABLE events (seconds INTEGER NOT NULL, nanoseconds INTEGER NOT NULL,
                        file INTEGER NOT NULL, message INTEGER NOT NULL, event_id TEXT NOT NULL);
                    """)
        }
    }

    /// Adds a file; its number names it in ``add(seconds:nanoseconds:file:message:eventID:)``.
    public func addFile(_ path: String) throws -> Int {
        files += 1
        pendingFiles.append((files, path))
        if pendingFiles.count >= 4096 { try flush() }
        return files
    }

    /// Adds an event of file `file`.
    public func add(seconds: Int64, nanoseconds: Int32, file: Int, message: Int, eventID: String) throws {
        pendingEvents.append((seconds, nanoseconds, file, message, eventID))
        count += 1
        if pendingEvents.count >= 4096 { try flush() }
    }

    /// Removes every event seen again under an id already indexed, keeping the first in replay
    /// order; returns how many were removed. Call once, after the last event is added.
    public func removeDuplicates() throws -> Int {
        try flush()
        let removed = try database.write { db in
            try db.execute(
                sql: """
                    DELETE FROM events WHERE rowid IN (
                        SELECT rowid FROM (
                            SELECT rowid, ROW_NUMBER() OVER (
                                PARTITION BY event_id ORDER BY seconds, nanoseconds, file, message) AS n
                            FROM events)
                        WHERE n > 1)
                    """)
            let removed = db.changesCount
            try db.execute(sql: "CREATE INDEX events_order ON events (seconds, nanoseconds, file, message)")
            return removed
        }
        count -= removed
        return removed
    }

    /// Up to `limit` places after `place` (from the first when `nil`), in replay order.
    public func places(after place: Place?, limit: Int) throws -> [Place] {
        try flush()
        return try database.inDatabase { db in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT e.seconds, e.nanoseconds, e.file, f.path, e.message FROM events e
                    JOIN files f ON f.number = e.file
                    WHERE (e.seconds, e.nanoseconds, e.file, e.message) > (?, ?, ?, ?)
                    ORDER BY e.seconds, e.nanoseconds, e.file, e.message LIMIT ?
                    """)
            let start: [Int64] =
                place.map { [$0.seconds, Int64($0.nanoseconds), Int64($0.file), Int64($0.message)] } ?? [
                    Int64.min, 0, 0, 0,
                ]
            return try Row.fetchAll(statement, arguments: StatementArguments(start + [Int64(limit)])).map { row in
                Place(seconds: row[0], nanoseconds: row[1], file: row[2], path: row[3], message: row[4])
            }
        }
    }

    private func flush() throws {
        guard !pendingFiles.isEmpty || !pendingEvents.isEmpty else { return }
        let files = pendingFiles
        let events = pendingEvents
        try database.write { db in
            let file = try db.cachedStatement(sql: "INSERT INTO files (number, path) VALUES (?, ?)")
            for row in files { try file.execute(arguments: [row.number, row.path]) }
            let event = try db.cachedStatement(
                sql: "INSERT INTO events (seconds, nanoseconds, file, message, event_id) VALUES (?, ?, ?, ?, ?)")
            for row in events {
                try event.execute(arguments: [row.seconds, row.nanoseconds, row.file, row.message, row.eventID])
            }
        }
        pendingFiles.removeAll(keepingCapacity: true)
        pendingEvents.removeAll(keepingCapacity: true)
    }
}
