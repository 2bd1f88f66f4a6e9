import Foundation
import GRDB

/// A key → bytes table for work bigger than memory (a replay's patients' states), in a temporary
/// SQLite database that SQLite deletes when it is closed: a file in `SQLITE_TMPDIR` or `TMPDIR`
/// (else /var/tmp or /tmp), held in SQLite's page cache until it grows, never a home's state.
///
/// Nothing in it needs to survive a crash, so it is written without a journal or syncs.
public final class ScratchTable {
    private let database: DatabaseQueue

    /// Opens an empty table.
    public init() throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = OFF")
            try db.execute(sql: "PRAGMA synchronous = OFF")
        }
        // An empty path: SQLite's own temporary database, deleted when closed.
        database = try DatabaseQueue(path: "", configuration: configuration)
        try database.write { db in
            try db.execute(sql: "CREATE TABLE scratch (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID")
        }
    }

    /// Stores `rows`, each replacing what its key held, in one transaction.
    public func write<Rows: Sequence<(key: String, value: [UInt8])>>(_ rows: Rows) throws {
        try database.write { db in
            let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO scratch (key, value) VALUES (?, ?)")
            for row in rows {
                try statement.execute(arguments: [row.key, Data(row.value)])
            }
        }
    }

    /// What `key` holds, if anything.
    public func value(for key: String) throws -> [UInt8]? {
        try database.inDatabase { db in
            let statement = try db.cachedStatement(sql: "SELECT value FROM scratch WHERE key = ?")
            return try Data.fetchOne(statement, arguments: [key]).map { [UInt8]($0) }
        }
    }

    /// Every key and what it holds, one at a time (in key order).
    public func forEach(_ body: (String, [UInt8]) throws -> Void) throws {
        try database.inDatabase { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT key, value FROM scratch ORDER BY key")
            while let row = try rows.next() {
                let value: Data = row[1]
                try body(row[0], [UInt8](value))
            }
        }
    }
}
