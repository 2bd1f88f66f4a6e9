public import Alerts
public import Events
import Foundation
import GRDB

/// The state store in one SQLite file (through GRDB), in WAL mode with `synchronous=FULL`, created
/// owner-only (0600), with versioned migrations.
public final class SQLiteStateStore: StateStore {
    /// Why the store could not be opened or written.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private let pool: DatabasePool
    /// The database file.
    public let path: String

    /// Opens (creating when needed) the state database at `path`.
    public init(path: String) throws {
        self.path = path
        // Create the file owner-only before SQLite does: its WAL and shared-memory files take the
        // database file's permissions.
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw Failure(description: "cannot create the state database \(path): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
    }

    /// The schema, one migration per version; never edit a shipped migration, add one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1: ledger, alerts, outbox") { db in
            try db.create(table: "events") { table in
                table.primaryKey("event_id", .text)
                table.column("digest", .text).notNull()
                table.column("outcome", .text).notNull()
                table.column("recorded_at", .text).notNull()
                table.column("recorded_at_epoch", .integer).notNull()
                table.column("file_name", .text).notNull()
                table.column("rules_version", .text).notNull()
                table.column("reason", .text)
                table.column("duplicates", .integer).notNull().defaults(to: 0)
            }
            try db.create(table: "alerts") { table in
                table.primaryKey("alert_id", .text)
                table.column("event_id", .text).notNull().references("events", onDelete: .restrict)
                table.column("patient_id", .text).notNull()
                table.column("encounter_id", .text).notNull()
                table.column("priority", .text).notNull()
                table.column("referral", .text).notNull()
                table.column("status", .text).notNull()
                table.column("created_at", .text).notNull()
                table.column("respond_by", .text).notNull()
                table.column("record", .text).notNull()
            }
            try db.create(table: "outbox") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("sink", .text).notNull()
                table.column("alert_id", .text).notNull().references("alerts", onDelete: .restrict)
                table.column("payload", .text).notNull()
                table.column("attempts", .integer).notNull().defaults(to: 0)
                table.column("delivered_at", .text)
                table.uniqueKey(["sink", "alert_id"])
            }
            try db.create(index: "outbox_pending", on: "outbox", columns: ["sink", "delivered_at", "id"])
        }
        migrator.registerMigration("2: alert actions (the social work team's audit trail)") { db in
            try db.create(table: "alert_actions") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("alert_id", .text).notNull().references("alerts", onDelete: .restrict)
                table.column("action", .text).notNull()
                table.column("by", .text).notNull()
                table.column("outcome", .text)
                table.column("note", .text)
                table.column("at", .text).notNull()
            }
        }
        return migrator
    }

    public func record(_ entry: LedgerEntry, alerts: [Alert], sinks: [String]) throws -> RecordResult {
        try pool.write { db in
            if let existing = try Self.entry(db, eventID: entry.eventID) {
                guard existing.digest == entry.digest else { return .conflict(existing) }
                try db.execute(
                    sql: "UPDATE events SET duplicates = duplicates + 1 WHERE event_id = ?", arguments: [entry.eventID])
                return .duplicate(existing)
            }
            try db.execute(
                sql: """
                    INSERT INTO events (event_id, digest, outcome, recorded_at, recorded_at_epoch, file_name, rules_version, reason)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    entry.eventID, entry.digest, entry.outcome.rawValue, entry.recordedAt.text,
                    entry.recordedAt.secondsSinceEpoch, entry.fileName, entry.rulesVersion, entry.reason,
                ])
            for alert in alerts {
                let payload = alert.json.serialized
                try db.execute(
                    sql: """
                        INSERT INTO alerts (alert_id, event_id, patient_id, encounter_id, priority, referral, status, created_at, respond_by, record)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        alert.alertID, alert.eventID, alert.patientID, alert.encounterID, alert.priority.rawValue,
                        alert.referral, alert.status.rawValue, alert.createdAt.text, alert.respondBy.text, payload,
                    ])
                for sink in sinks {
                    try db.execute(
                        sql: "INSERT INTO outbox (sink, alert_id, payload) VALUES (?, ?, ?)",
                        arguments: [sink, alert.alertID, payload])
                }
            }
            return .recorded
        }
    }

    public func ledgerEntry(eventID: String) throws -> LedgerEntry? {
        try pool.read { db in try Self.entry(db, eventID: eventID) }
    }

    public func pendingDeliveries(sink: String, limit: Int) throws -> [Delivery] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT o.id, o.sink, o.alert_id, o.payload, o.attempts, a.priority, a.created_at
                    FROM outbox o JOIN alerts a ON a.alert_id = o.alert_id
                    WHERE o.sink = ? AND o.delivered_at IS NULL ORDER BY o.id LIMIT ?
                    """,
                arguments: [sink, limit]
            ).map { row in
                Delivery(
                    id: row["id"], sink: row["sink"], alertID: row["alert_id"], payload: row["payload"],
                    attempts: row["attempts"], priority: row["priority"], createdAt: row["created_at"])
            }
        }
    }

    public func markDelivered(_ ids: [Int64], at time: Timestamp) throws {
        guard !ids.isEmpty else { return }
        try pool.write { db in
            for id in ids {
                try db.execute(sql: "UPDATE outbox SET delivered_at = ? WHERE id = ?", arguments: [time.text, id])
            }
        }
    }

    public func markFailed(_ id: Int64) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", arguments: [id])
        }
    }

    public func ledgerCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM events") ?? 0 }
    }

    public func summary() throws -> StateSummary {
        try pool.read { db in
            var summary = StateSummary()
            for row in try Row.fetchAll(db, sql: "SELECT outcome, count(*) AS n FROM events GROUP BY outcome") {
                summary.events[row["outcome"]] = row["n"]
            }
            for row in try Row.fetchAll(
                db, sql: "SELECT priority, count(*) AS n FROM alerts WHERE status = 'open' GROUP BY priority")
            {
                summary.openAlerts[row["priority"]] = row["n"]
            }
            for row in try Row.fetchAll(
                db,
                sql:
                    "SELECT sink, count(*) AS n, sum(attempts > 0) AS failing FROM outbox WHERE delivered_at IS NULL GROUP BY sink"
            ) {
                summary.outbox[row["sink"]] = row["n"]
                summary.failing[row["sink"]] = row["failing"]
            }
            summary.lastEventAt = try Double.fetchOne(db, sql: "SELECT max(recorded_at_epoch) FROM events")
            return summary
        }
    }

    public func queuedAlerts(includeClosed: Bool) throws -> [QueuedAlert] {
        try pool.read { db in
            let condition = includeClosed ? "" : "WHERE status IN ('open', 'acknowledged')"
            return try Row.fetchAll(db, sql: "SELECT alert_id, status, record FROM alerts \(condition)").map(
                Self.queued)
        }
    }

    public func queuedAlert(id: String) throws -> QueuedAlert? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT alert_id, status, record FROM alerts WHERE alert_id = ?", arguments: [id])
                .map(Self.queued)
        }
    }

    public func actions(alertID: String) throws -> [AlertAction] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM alert_actions WHERE alert_id = ? ORDER BY id", arguments: [alertID]
            ).map { row in
                AlertAction(
                    action: row["action"], by: row["by"], outcome: row["outcome"], note: row["note"], at: row["at"])
            }
        }
    }

    public func act(on alertID: String, _ action: AlertAction) throws {
        try pool.write { db in
            guard
                let status = try String.fetchOne(
                    db, sql: "SELECT status FROM alerts WHERE alert_id = ?", arguments: [alertID])
            else {
                throw QueueError.unknown(alertID)
            }
            guard status == "open" || status == "acknowledged" else { throw QueueError.notOpen(alertID, status) }
            if action.action == "ack", status == "acknowledged" { throw QueueError.notOpen(alertID, status) }
            try db.execute(
                sql: "INSERT INTO alert_actions (alert_id, action, by, outcome, note, at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [alertID, action.action, action.by, action.outcome, action.note, action.at])
            let newStatus = action.action == "close" ? "closed" : "acknowledged"
            try db.execute(sql: "UPDATE alerts SET status = ? WHERE alert_id = ?", arguments: [newStatus, alertID])
        }
    }

    private static func queued(_ row: Row) -> QueuedAlert {
        let record: String = row["record"]
        return QueuedAlert(alertID: row["alert_id"], status: row["status"], record: record)
    }

    /// A PRAGMA's value as text, for checks and `riskscreen status`.
    public func pragma(_ name: String) throws -> String? {
        guard name.allSatisfy({ $0.isLetter || $0 == "_" }) else { return nil }
        return try pool.read { db in try String.fetchOne(db, sql: "PRAGMA \(name)") }
    }

    private static func entry(_ db: Database, eventID: String) throws -> LedgerEntry? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM events WHERE event_id = ?", arguments: [eventID])
        else {
            return nil
        }
        let recorded: String = row["recorded_at"]
        return LedgerEntry(
            eventID: row["event_id"], digest: row["digest"],
            outcome: EventOutcome(rawValue: row["outcome"]) ?? .processed,
            recordedAt: Timestamp(rfc3339: recorded) ?? Timestamp(secondsSinceEpoch: row["recorded_at_epoch"]),
            fileName: row["file_name"], rulesVersion: row["rules_version"], reason: row["reason"],
            duplicates: row["duplicates"])
    }
}
