public import Alerts
public import Events
import Foundation
import GRDB
import Rules
import Synchronization

/// The state store in one SQLite file (through GRDB), in WAL mode with `synchronous=FULL`, created
/// owner-only (0600), with versioned migrations.
public final class SQLiteStateStore: StateStore {
    /// Why the store could not be opened or written.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    let pool: DatabasePool
    /// The worklist's counts per priority by query, with the ``worklistVersion()`` they were
    /// counted at: a page view counts again only after a change.
    let worklistCounts = Mutex<[String: (version: Int, counts: [Priority: Int])]>([:])
    /// The database file.
    public let path: String

    /// Opens an existing state database without writing to it (`riskscreen eval --state`); throws
    /// when it is missing or of an older schema than this binary's.
    public init(readingFrom path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw Failure(description: "no state database at \(path)")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)
        guard try pool.read({ try Self.migrator.hasCompletedMigrations($0) }) else {
            throw Failure(
                description:
                    "the state database \(path) is of an older schema; start the daemon of this version on it once to upgrade it"
            )
        }
    }

    /// Opens (creating when needed) the state database at `path`, with `mode` (0600: owner-only;
    /// an existing file, and its WAL and shared-memory files, are set to it).
    public init(path: String, mode: UInt32 = 0o600) throws {
        self.path = path
        // Create the file owner-only before SQLite does: its WAL and shared-memory files take the
        // database file's permissions.
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, mode)
        guard descriptor >= 0 else {
            throw Failure(description: "cannot create the state database \(path): \(String(cString: strerror(errno)))")
        }
        fchmod(descriptor, mode)
        close(descriptor)
        for companion in [path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: companion) {
            chmod(companion, mode)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // A reader's page cache is emptied whenever another connection has written since its
            // last read (every group commit, while the daemon drains), so a large one holds memory
            // and saves little: 256 KB each instead of SQLite's 2 MB. The writer keeps its 2 MB.
            if db.configuration.readonly { try db.execute(sql: "PRAGMA cache_size = -256") }
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
        migrator.registerMigration("3: alert policy (findings, repeats, withdrawals, patient history)") { db in
            // An alert now reaches each sink as opened and, after a cancel, as withdrawn: the outbox
            // is keyed by sink, alert and kind.
            try db.create(table: "outbox_new") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("sink", .text).notNull()
                table.column("alert_id", .text).notNull().references("alerts", onDelete: .restrict)
                table.column("kind", .text).notNull().defaults(to: "open")
                table.column("payload", .text).notNull()
                table.column("attempts", .integer).notNull().defaults(to: 0)
                table.column("delivered_at", .text)
                table.uniqueKey(["sink", "alert_id", "kind"])
            }
            try db.execute(
                sql: """
                    INSERT INTO outbox_new (id, sink, alert_id, kind, payload, attempts, delivered_at)
                    SELECT id, sink, alert_id, 'open', payload, attempts, delivered_at FROM outbox
                    """)
            try db.drop(table: "outbox")
            try db.rename(table: "outbox_new", to: "outbox")
            try db.create(index: "outbox_pending", on: "outbox", columns: ["sink", "delivered_at", "id"])

            try db.alter(table: "alerts") { table in
                table.add(column: "event_type", .text)
                table.add(column: "occurred_at", .text)
                table.add(column: "explanation", .text)
                table.add(column: "withdrawn_at", .text)
                table.add(column: "withdrawn_by_event_id", .text)
            }
            try db.execute(
                sql: """
                    UPDATE alerts SET event_type = json_extract(record, '$.event_type'),
                        occurred_at = json_extract(record, '$.occurred_at')
                    """)
            try db.create(index: "alerts_patient", on: "alerts", columns: ["patient_id"])
            try db.create(table: "alert_findings") { table in
                table.column("alert_id", .text).notNull().references("alerts", onDelete: .restrict)
                table.column("rule_id", .text).notNull()
                table.column("priority", .text).notNull()
                table.primaryKey(["alert_id", "rule_id"])
            }
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO alert_findings (alert_id, rule_id, priority)
                    SELECT a.alert_id, json_extract(f.value, '$.rule_id'), json_extract(f.value, '$.priority')
                    FROM alerts a, json_each(a.record, '$.findings') f
                    """)
            try db.create(table: "alert_repeats") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("alert_id", .text).notNull().references("alerts", onDelete: .restrict)
                table.column("rule_id", .text).notNull()
                table.column("priority", .text).notNull()
                table.column("reason", .text).notNull()
                table.column("event_id", .text).notNull()
                table.column("event_type", .text).notNull()
                table.column("occurred_at", .text).notNull()
                table.column("recorded_at", .text).notNull()
            }
            try db.create(index: "alert_repeats_alert", on: "alert_repeats", columns: ["alert_id"])
            try db.create(table: "encounters") { table in
                table.column("patient_id", .text).notNull()
                table.column("encounter_id", .text).notNull()
                table.column("class", .text)
                table.column("admitted_at", .text).notNull()
                table.column("discharged_at", .text)
                table.column("disposition", .text)
                table.column("cancelled", .boolean).notNull().defaults(to: false)
                table.column("last_event_id", .text).notNull()
                table.column("seen_order", .integer).notNull()
                table.primaryKey(["patient_id", "encounter_id"])
            }
        }
        migrator.registerMigration("4: decisions in any arrival order (event facts, findings and their fate, stale)") {
            db in
            try Self.migrateToFacts(db)
        }
        migrator.registerMigration("5: the worklist's accounts, sessions and audit trail") { db in
            try db.create(table: "users") { table in
                table.primaryKey("name", .text)
                table.column("role", .text).notNull()
                table.column("teams", .text).notNull().defaults(to: "")
                table.column("password_hash", .text).notNull()
                table.column("disabled", .boolean).notNull().defaults(to: false)
                table.column("failed_logins", .integer).notNull().defaults(to: 0)
                table.column("locked_until", .double)
            }
            try db.create(table: "sessions") { table in
                table.primaryKey("token_digest", .text)
                table.column("user", .text).notNull()
                table.column("csrf", .text).notNull()
                table.column("created_at", .double).notNull()
                table.column("expires_at", .double).notNull()
            }
            try db.create(table: "audit") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("at", .text).notNull()
                table.column("user", .text).notNull()
                table.column("action", .text).notNull()
                table.column("alert_id", .text)
                table.column("patient_id", .text)
                table.column("client", .text).notNull()
                table.column("detail", .text)
            }
            try db.create(index: "audit_at", on: "audit", columns: ["at"])
            try db.create(index: "audit_patient", on: "audit", columns: ["patient_id", "at"])
            try db.alter(table: "alert_actions") { table in
                table.add(column: "client", .text).notNull().defaults(to: "cli")
            }
        }
        migrator.registerMigration("6: assignments, and the record kept as the team changed it") { db in
            try db.alter(table: "alerts") { table in table.add(column: "assignee", .text) }
            try db.alter(table: "alert_actions") { table in table.add(column: "assignee", .text) }
        }
        migrator.registerMigration("7: the worklist's columns (unit, rank, deadlines as instants)") { db in
            try db.alter(table: "alerts") { table in
                table.add(column: "unit", .text)
                table.add(column: "priority_rank", .integer)
                table.add(column: "respond_by_epoch", .double)
                table.add(column: "created_epoch", .double)
            }
            // From the records and texts already there (SQLite reads RFC 3339 offsets).
            try db.execute(
                sql: """
                    UPDATE alerts SET unit = json_extract(record, '$.unit'),
                        priority_rank = CASE priority WHEN 'critical' THEN 1 WHEN 'high' THEN 2 WHEN 'medium' THEN 3 ELSE 4 END,
                        respond_by_epoch = (julianday(respond_by) - 2440587.5) * 86400.0,
                        created_epoch = (julianday(created_at) - 2440587.5) * 86400.0
                    """)
            try db.create(
                index: "alerts_worklist", on: "alerts", columns: ["status", "priority_rank", "respond_by_epoch"])
        }
        migrator.registerMigration(
            "8: covering indexes for the worklist (its queries never read the records they skip)"
        ) {
            db in
            // The records are kilobytes each: a query that must read every row to filter, count or sort
            // walks megabytes. This index holds everything the worklist filters, counts and sorts by, in
            // the worklist's order: a page is the next 50 entries of one status, counts are ranges of it.
            try db.drop(index: "alerts_worklist")
            try db.create(
                index: "alerts_worklist", on: "alerts",
                columns: [
                    "status", "priority_rank", "respond_by_epoch", "alert_id", "referral", "unit", "assignee",
                    "priority", "created_epoch",
                ])
            // The alerts still to be worked (the worklist's usual view), in its order: a page of them is
            // the next 50 entries, whatever the page, and a count per priority a range.
            try db.execute(
                sql: """
                    CREATE INDEX alerts_active ON alerts (priority_rank, respond_by_epoch, alert_id, referral, unit,
                        assignee, priority, created_epoch, status) WHERE status IN ('open', 'acknowledged')
                    """)
            // The teams and units there are (the filters' choices), read by skipping through it.
            try db.create(index: "alerts_referral_unit", on: "alerts", columns: ["referral", "unit"])
            // A number that grows with every change to the alerts or their actions, whoever makes it
            // (daemon, queue command, web): what live pages poll and what cached counts are keyed by.
            try db.execute(
                sql: """
                    CREATE TABLE worklist_version (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
                    INSERT INTO worklist_version (id, n) VALUES (1, 0);
                    CREATE TRIGGER worklist_version_alert_added AFTER INSERT ON alerts
                        BEGIN UPDATE worklist_version SET n = n + 1; END;
                    CREATE TRIGGER worklist_version_alert_changed AFTER UPDATE ON alerts
                        BEGIN UPDATE worklist_version SET n = n + 1; END;
                    CREATE TRIGGER worklist_version_alert_removed AFTER DELETE ON alerts
                        BEGIN UPDATE worklist_version SET n = n + 1; END;
                    CREATE TRIGGER worklist_version_action AFTER INSERT ON alert_actions
                        BEGIN UPDATE worklist_version SET n = n + 1; END;
                    """)
        }
        return migrator
    }

    /// Migration 4: the patient history becomes facts per event (folded in the order events
    /// happened), every finding is kept with its fate, events carry a stale flag. The encounters,
    /// alert findings and repeats of migration 3 are carried over and their tables dropped.
    private static func migrateToFacts(_ db: Database) throws {
        try db.create(table: "patient_events") { table in
            table.primaryKey("event_id", .text)
            table.column("patient_id", .text).notNull()
            table.column("event_type", .text).notNull()
            table.column("occurred_at", .text).notNull()
            table.column("occurred_epoch", .double).notNull()
            table.column("encounter_id", .text).notNull()
            table.column("class", .text)
            table.column("admitted_at", .text).notNull()
            table.column("discharged_at", .text)
            table.column("disposition", .text)
            // The event as it arrived, kept while it may be decided again (see forgetContent).
            table.column("content", .blob)
        }
        try db.create(index: "patient_events_patient", on: "patient_events", columns: ["patient_id", "occurred_epoch"])
        try db.execute(
            sql: """
                CREATE INDEX patient_events_content ON patient_events (occurred_epoch) WHERE content IS NOT NULL
                """)
        try db.create(table: "findings") { table in
            table.column("event_id", .text).notNull()
            table.column("rule_id", .text).notNull()
            table.column("patient_id", .text).notNull()
            table.column("event_type", .text).notNull()
            table.column("occurred_at", .text).notNull()
            table.column("encounter_id", .text).notNull()
            table.column("referral", .text).notNull()
            table.column("priority", .text).notNull()
            table.column("reason", .text).notNull()
            table.column("fate", .text).notNull()
            table.column("alert_id", .text)
            table.column("by_event_id", .text)
            table.column("recorded_at", .text).notNull()
            table.primaryKey(["event_id", "rule_id"])
        }
        try db.create(index: "findings_patient", on: "findings", columns: ["patient_id"])
        try db.create(index: "findings_alert", on: "findings", columns: ["alert_id"])
        try db.create(index: "findings_fate", on: "findings", columns: ["fate"])
        try db.alter(table: "events") { table in
            table.add(column: "stale", .boolean).notNull().defaults(to: false)
        }
        // Each encounter of migration 3 becomes the facts that make it: its admission, its
        // discharge, its cancellation.
        for row in try Row.fetchAll(db, sql: "SELECT * FROM encounters") {
            let patient: String = row["patient_id"]
            let encounter: String = row["encounter_id"]
            let admittedText: String = row["admitted_at"]
            let dischargedText: String? = row["discharged_at"]
            guard let admitted = Timestamp(rfc3339: admittedText) else { continue }
            let discharged = dischargedText.flatMap { Timestamp(rfc3339: $0) }
            var facts: [(String, String, Timestamp)] = [("a", "admission", admitted)]
            if let discharged { facts.append(("d", "discharge", discharged)) }
            if row["cancelled"] == true {
                facts.append(("c", "cancel_admission", (discharged ?? admitted).adding(seconds: 1)))
            }
            for (suffix, type, time) in facts {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO patient_events (event_id, patient_id, event_type, occurred_at, occurred_epoch,
                            encounter_id, class, admitted_at, discharged_at, disposition)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        "migrated:\(patient):\(encounter):\(suffix)", patient, type, time.text, time.epoch, encounter,
                        row["class"] as String?, admittedText, suffix == "a" ? nil : dischargedText,
                        suffix == "a" ? nil : row["disposition"] as String?,
                    ])
            }
        }
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO findings (event_id, rule_id, patient_id, event_type, occurred_at, encounter_id, referral,
                    priority, reason, fate, alert_id, by_event_id, recorded_at)
                SELECT a.event_id, f.rule_id, a.patient_id, a.event_type, a.occurred_at, a.encounter_id, a.referral,
                    f.priority,
                    coalesce((SELECT json_extract(j.value, '$.reason') FROM json_each(a.record, '$.findings') j
                        WHERE json_extract(j.value, '$.rule_id') = f.rule_id), ''),
                    CASE a.status WHEN 'withdrawn' THEN 'void' ELSE 'opened' END,
                    CASE a.status WHEN 'withdrawn' THEN NULL ELSE a.alert_id END,
                    CASE a.status WHEN 'withdrawn' THEN coalesce(a.withdrawn_by_event_id, 'unknown') END,
                    a.created_at
                FROM alert_findings f JOIN alerts a ON a.alert_id = f.alert_id
                """)
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO findings (event_id, rule_id, patient_id, event_type, occurred_at, encounter_id, referral,
                    priority, reason, fate, alert_id, recorded_at)
                SELECT r.event_id, r.rule_id, a.patient_id, r.event_type, r.occurred_at, a.encounter_id, a.referral,
                    r.priority, r.reason, 'repeated', r.alert_id, r.recorded_at
                FROM alert_repeats r JOIN alerts a ON a.alert_id = r.alert_id
                """)
        try db.drop(table: "alert_findings")
        try db.drop(table: "alert_repeats")
        try db.drop(table: "encounters")
    }

    public func record(batch: [RecordRequest], sinks: [SinkName]) throws -> [(RecordResult, PolicyDecision?)] {
        try pool.write { db in try batch.map { try Self.record($0, db, sinks: sinks) } }
    }

    private static func record(_ request: RecordRequest, _ db: Database, sinks: [SinkName]) throws -> (
        RecordResult, PolicyDecision?
    ) {
        let entry = request.entry
        let patientID = request.patientID
        if let existing = try Self.entry(db, eventID: entry.eventID) {
            guard existing.digest == entry.digest else { return (.conflict(existing), nil) }
            try db.executeCached(
                sql: "UPDATE events SET duplicates = duplicates + 1 WHERE event_id = ?", arguments: [entry.eventID])
            return (.duplicate(existing), nil)
        }
        let state = try patientID.map { try Self.patientState(db, $0) } ?? PatientState(patientID: "")
        let decision = try request.decide(state) { id in
            patientID.flatMap { try? Self.recordedEvent(db, id, patientID: $0) }
        }
        try db.executeCached(
            sql: """
                INSERT INTO events (event_id, digest, outcome, recorded_at, recorded_at_epoch, file_name, rules_version, reason, stale)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                entry.eventID, entry.digest, entry.outcome.rawValue, entry.recordedAt.text,
                entry.recordedAt.secondsSinceEpoch, entry.fileName, entry.rulesVersion, entry.reason, decision.stale,
            ])
        try Self.write(decision, db, sinks: sinks, patientID: patientID, content: request.content, at: entry.recordedAt)
        return (.recorded, decision)
    }

    private static func write(
        _ decision: PolicyDecision, _ db: Database, sinks: [SinkName], patientID: String?, content: [UInt8]?,
        at time: Timestamp
    ) throws {
        for alert in decision.opened {
            let payload = decision.records[alert.alertID] ?? alert.json.serialized
            try db.executeCached(
                sql: """
                    INSERT INTO alerts (alert_id, event_id, patient_id, encounter_id, priority, referral, status,
                        created_at, respond_by, record, event_type, occurred_at, explanation, unit, priority_rank,
                        respond_by_epoch, created_epoch)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    alert.alertID, alert.eventID, alert.patientID, alert.encounterID, alert.priority.rawValue,
                    alert.referral, alert.status.rawValue, alert.createdAt.text, alert.respondBy.text, payload,
                    alert.eventType.rawValue, alert.occurredAt.text, decision.explanations[alert.alertID], alert.unit,
                    alert.priority.queueRank, alert.respondBy.epoch, alert.createdAt.epoch,
                ])
            for sink in sinks {
                try db.executeCached(
                    sql: "INSERT INTO outbox (sink, alert_id, kind, payload) VALUES (?, ?, ?, ?)",
                    arguments: [sink.rawValue, alert.alertID, Alert.Status.open.rawValue, payload])
            }
        }
        for withdrawal in decision.withdrawn {
            try db.executeCached(
                sql: """
                    UPDATE alerts SET status = ?, record = ?, withdrawn_at = ?, withdrawn_by_event_id = ?
                    WHERE alert_id = ?
                    """,
                arguments: [
                    Alert.Status.withdrawn.rawValue, withdrawal.record, withdrawal.at.text, withdrawal.byEventID,
                    withdrawal.alertID,
                ])
            for sink in sinks {
                try db.executeCached(
                    sql: "INSERT OR IGNORE INTO outbox (sink, alert_id, kind, payload) VALUES (?, ?, ?, ?)",
                    arguments: [sink.rawValue, withdrawal.alertID, Alert.Status.withdrawn.rawValue, withdrawal.record])
            }
        }
        guard let patientID else { return }
        for finding in decision.findings {
            try db.executeCached(
                sql: """
                    INSERT INTO findings (event_id, rule_id, patient_id, event_type, occurred_at, encounter_id, referral,
                        priority, reason, fate, alert_id, by_event_id, recorded_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (event_id, rule_id) DO UPDATE SET priority = excluded.priority,
                        reason = excluded.reason, fate = excluded.fate, alert_id = excluded.alert_id,
                        by_event_id = excluded.by_event_id, recorded_at = excluded.recorded_at
                    """,
                arguments: [
                    finding.eventID, finding.ruleID, patientID, finding.eventType.rawValue, finding.occurredAt.text,
                    finding.encounterID, finding.referral, finding.priority.rawValue, finding.reason,
                    finding.fate.name, finding.fate.alertID, finding.fate.byEventID, time.utc.text,
                ])
        }
        if let fact = decision.fact {
            try db.executeCached(
                sql: """
                    INSERT OR REPLACE INTO patient_events (event_id, patient_id, event_type, occurred_at, occurred_epoch,
                        encounter_id, class, admitted_at, discharged_at, disposition, content)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    fact.eventID, patientID, fact.eventType.rawValue, fact.occurredAt.text, fact.occurredAt.epoch,
                    fact.encounterID, fact.encounterClass?.rawValue, fact.admittedAt.text, fact.dischargedAt?.text,
                    fact.disposition?.rawValue, content.map { Data($0) },
                ])
        }
    }

    /// A recorded event of `patientID` as it arrived, while the state keeps it.
    private static func recordedEvent(_ db: Database, _ eventID: String, patientID: String) throws -> Event? {
        guard
            let data = try Data.fetchOne(
                db.cachedStatement(
                    sql:
                        "SELECT content FROM patient_events WHERE event_id = ? AND patient_id = ? AND content IS NOT NULL"
                ),
                arguments: [eventID, patientID])
        else { return nil }
        return try? EventDecoder().decode([UInt8](data))
    }

    /// A recorded event as it arrived, while the state keeps it (for `eval --state`).
    public func recordedEvent(_ eventID: String, patientID: String) throws -> Event? {
        try pool.read { db in try Self.recordedEvent(db, eventID, patientID: patientID) }
    }

    /// Forgets the content of events that happened before `time` (older than `stale_after`: they
    /// are never decided again); their facts and findings stay. Returns how many were forgotten.
    @discardableResult
    public func forgetContent(occurredBefore time: Timestamp) throws -> Int {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE patient_events SET content = NULL WHERE content IS NOT NULL AND occurred_epoch < ?",
                arguments: [time.epoch])
            return db.changesCount
        }
    }

    public func patientState(_ patientID: String) throws -> PatientState {
        try pool.read { db in try Self.patientState(db, patientID) }
    }

    private static func patientState(_ db: Database, _ patientID: String) throws -> PatientState {
        let facts = try db.cachedRows(
            sql: """
                SELECT event_id, event_type, occurred_at, encounter_id, class, admitted_at, discharged_at, disposition
                FROM patient_events WHERE patient_id = ?
                """,
            arguments: [patientID]
        ).compactMap { row -> EncounterFact? in
            let occurredText: String = row["occurred_at"]
            let admittedText: String = row["admitted_at"]
            let typeText: String = row["event_type"]
            guard let occurred = Timestamp(rfc3339: occurredText), let admitted = Timestamp(rfc3339: admittedText),
                let type = EventType(rawValue: typeText)
            else { return nil }
            let discharged: String? = row["discharged_at"]
            let encounterClass: String? = row["class"]
            let disposition: String? = row["disposition"]
            return EncounterFact(
                eventID: row["event_id"], eventType: type, occurredAt: occurred, encounterID: row["encounter_id"],
                encounterClass: encounterClass.flatMap(EncounterClass.init), admittedAt: admitted,
                dischargedAt: discharged.flatMap { Timestamp(rfc3339: $0) },
                disposition: disposition.flatMap(DischargeDisposition.init))
        }
        let alerts = try db.cachedRows(
            sql: """
                SELECT alert_id, event_id, event_type, encounter_id, occurred_at, priority, referral, status, record
                FROM alerts WHERE patient_id = ? ORDER BY created_at, alert_id
                """,
            arguments: [patientID]
        ).compactMap { row -> PriorAlert? in
            let occurred: String? = row["occurred_at"]
            let type: String? = row["event_type"]
            let priorityText: String = row["priority"]
            let statusText: String = row["status"]
            guard let occurredAt = occurred.flatMap({ Timestamp(rfc3339: $0) }),
                let eventType = type.flatMap(EventType.init), let priority = Priority(rawValue: priorityText),
                let status = Alert.Status(rawValue: statusText)
            else { return nil }
            return PriorAlert(
                alertID: row["alert_id"], eventID: row["event_id"], eventType: eventType,
                encounterID: row["encounter_id"], occurredAt: occurredAt, priority: priority,
                referral: row["referral"], status: status, record: row["record"])
        }
        let findings = try db.cachedRows(
            sql: "SELECT * FROM findings WHERE patient_id = ? ORDER BY rowid", arguments: [patientID]
        ).compactMap(Self.finding)
        return PatientState(
            history: PatientHistory(patientID: patientID, facts: facts), alerts: alerts, findings: findings)
    }

    private static func finding(_ row: Row) -> RecordedFinding? {
        let typeText: String = row["event_type"]
        let occurredText: String = row["occurred_at"]
        let priorityText: String = row["priority"]
        guard let type = EventType(rawValue: typeText), let occurred = Timestamp(rfc3339: occurredText),
            let priority = Priority(rawValue: priorityText),
            let fate = RecordedFinding.Fate(name: row["fate"], alertID: row["alert_id"], byEventID: row["by_event_id"])
        else { return nil }
        return RecordedFinding(
            eventID: row["event_id"], eventType: type, occurredAt: occurred, encounterID: row["encounter_id"],
            ruleID: row["rule_id"], referral: row["referral"], priority: priority, reason: row["reason"], fate: fate)
    }

    /// The findings recorded against an alert after it opened, oldest first.
    public func repeats(alertID: String) throws -> [RepeatRecord] {
        try pool.read { db in
            try db.cachedRows(
                sql: "SELECT * FROM findings WHERE alert_id = ? AND fate = 'repeated' ORDER BY occurred_at, rowid",
                arguments: [alertID]
            ).map { row in
                RepeatRecord(
                    ruleID: row["rule_id"], priority: Self.priority(row["priority"]), reason: row["reason"],
                    eventID: row["event_id"],
                    eventType: row["event_type"], occurredAt: row["occurred_at"], recordedAt: row["recorded_at"])
            }
        }
    }

    /// The stale events that had findings, most recent first (at most `limit`).
    public func staleEvents(limit: Int) throws -> [StaleEvent] {
        try pool.read { db in
            var events: [StaleEvent] = []
            var index: [String: Int] = [:]
            for row in try db.cachedRows(
                sql: """
                    SELECT f.*, e.recorded_at AS ledger_recorded_at FROM findings f JOIN events e ON e.event_id = f.event_id
                    WHERE f.fate = 'stale' ORDER BY f.occurred_at DESC, f.event_id, f.rule_id
                    """)
            {
                let id: String = row["event_id"]
                let finding = StaleEvent.Finding(
                    ruleID: row["rule_id"], priority: Self.priority(row["priority"]), referral: row["referral"],
                    reason: row["reason"])
                if let position = index[id] {
                    events[position].findings.append(finding)
                    continue
                }
                guard events.count < limit else { continue }
                index[id] = events.count
                events.append(
                    StaleEvent(
                        eventID: id, eventType: row["event_type"], occurredAt: row["occurred_at"],
                        patientID: row["patient_id"], encounterID: row["encounter_id"],
                        recordedAt: row["ledger_recorded_at"], findings: [finding]))
            }
            return events
        }
    }

    /// Why the alert's rules fired, as recorded when it opened.
    public func explanation(alertID: String) throws -> String? {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT explanation FROM alerts WHERE alert_id = ?", arguments: [alertID])
        }
    }

    public func ledgerEntry(eventID: String) throws -> LedgerEntry? {
        try pool.read { db in try Self.entry(db, eventID: eventID) }
    }

    public func pendingDeliveries(sink: SinkName, after: Int64, limit: Int) throws -> [Delivery] {
        try pool.read { db in
            try db.cachedRows(
                sql: """
                    SELECT o.id, o.sink, o.alert_id, o.kind, o.payload, o.attempts, a.priority, a.created_at
                    FROM outbox o JOIN alerts a ON a.alert_id = o.alert_id
                    WHERE o.sink = ? AND o.delivered_at IS NULL AND o.id > ? ORDER BY o.id LIMIT ?
                    """,
                arguments: [sink.rawValue, after, limit]
            ).map { row in
                Delivery(
                    id: row["id"], sink: sink, alertID: row["alert_id"], payload: row["payload"],
                    attempts: row["attempts"], priority: Self.priority(row["priority"]), createdAt: row["created_at"],
                    kind: Alert.Status(rawValue: row["kind"]) ?? .open)
            }
        }
    }

    public func markDelivered(_ ids: [Int64], at time: Timestamp) throws {
        guard !ids.isEmpty else { return }
        try pool.write { db in
            for id in ids {
                try db.executeCached(
                    sql: "UPDATE outbox SET delivered_at = ? WHERE id = ?", arguments: [time.text, id])
            }
        }
    }

    public func markFailed(_ id: Int64) throws {
        try pool.write { db in
            try db.executeCached(sql: "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", arguments: [id])
        }
    }

    public func ledgerCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM events") ?? 0 }
    }

    /// A stored priority; text that is none (the file was edited by hand) reads as critical, so that
    /// it is looked at rather than ranked last.
    static func priority(_ text: String) -> Priority { Priority(rawValue: text) ?? .critical }

    public func waiting() throws -> [SinkName: Int] {
        try pool.read { db in
            var waiting: [SinkName: Int] = [:]
            for row in try db.cachedRows(
                sql: "SELECT sink, count(*) AS n FROM outbox WHERE delivered_at IS NULL GROUP BY sink")
            {
                if let sink = SinkName(rawValue: row["sink"]) { waiting[sink] = row["n"] }
            }
            return waiting
        }
    }

    public func summary() throws -> StateSummary {
        try pool.read { db in
            var summary = StateSummary()
            for row in try db.cachedRows(sql: "SELECT outcome, count(*) AS n FROM events GROUP BY outcome") {
                summary.events[row["outcome"]] = row["n"]
            }
            for row in try db.cachedRows(
                sql: "SELECT priority, count(*) AS n FROM alerts WHERE status = ? GROUP BY priority",
                arguments: [Alert.Status.open.rawValue])
            {
                summary.openAlerts[row["priority"]] = row["n"]
            }
            for row in try db.cachedRows(
                sql:
                    "SELECT sink, count(*) AS n, sum(attempts > 0) AS failing FROM outbox WHERE delivered_at IS NULL GROUP BY sink"
            ) {
                summary.outbox[row["sink"]] = row["n"]
                summary.failing[row["sink"]] = row["failing"]
            }
            summary.lastEventAt = try Double.fetchOne(db, sql: "SELECT max(recorded_at_epoch) FROM events")
            summary.stale = try Int.fetchOne(db, sql: "SELECT count(*) FROM events WHERE stale") ?? 0
            return summary
        }
    }

    public func queuedAlerts(includeClosed: Bool) throws -> [QueuedAlert] {
        try pool.read { db in
            let active = Alert.Status.allCases.filter(\.isActive).map(\.rawValue)
            let condition =
                includeClosed ? "" : "WHERE status IN (\(active.map { _ in "?" }.joined(separator: ", ")))"
            return try db.cachedRows(
                sql: "SELECT \(Self.queuedColumns) FROM alerts \(condition)",
                arguments: StatementArguments(includeClosed ? [] : active)
            ).map(Self.queued)
        }
    }

    public func queuedAlert(id: String) throws -> QueuedAlert? {
        try pool.read { db in
            try db.cachedRow(sql: "SELECT \(Self.queuedColumns) FROM alerts WHERE alert_id = ?", arguments: [id])
                .map(Self.queued)
        }
    }

    public func actions(alertID: String) throws -> [AlertAction] {
        try pool.read { db in
            try db.cachedRows(
                sql: "SELECT * FROM alert_actions WHERE alert_id = ? ORDER BY id", arguments: [alertID]
            ).map { row in
                var action = AlertAction(
                    action: row["action"], by: row["by"], outcome: row["outcome"], note: row["note"], at: row["at"],
                    client: row["client"])
                action.assignee = row["assignee"]
                return action
            }
        }
    }

    public func act(on alertID: String, _ action: AlertAction) throws {
        guard AlertAction.kinds.contains(action.action) else { throw QueueError.unknownAction(action.action) }
        try pool.write { db in
            guard
                let row = try db.cachedRow(
                    sql: "SELECT status, record, patient_id FROM alerts WHERE alert_id = ?", arguments: [alertID])
            else {
                throw QueueError.unknown(alertID)
            }
            let statusText: String = row["status"]
            let status = Alert.Status(rawValue: statusText) ?? .closed
            // What the action needs of the alert, and the status it leaves (nil: unchanged).
            let next: Alert.Status?
            switch action.action {
            case "ack":
                guard status == .open else { throw QueueError.notOpen(alertID, status) }
                next = .acknowledged
            case "close":
                guard status.isActive else { throw QueueError.notOpen(alertID, status) }
                next = .closed
            case "assign":
                guard status.isActive else { throw QueueError.notOpen(alertID, status) }
                next = nil
            case "reopen":
                guard status == .closed else { throw QueueError.notClosed(alertID, status) }
                next = .open
            default:  // a note, whatever the status
                next = nil
            }
            try db.executeCached(
                sql: """
                    INSERT INTO alert_actions (alert_id, action, by, outcome, note, at, client, assignee)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    alertID, action.action, action.by, action.outcome, action.note, action.at, action.client,
                    action.assignee,
                ])
            // The audit trail in the same transaction: no action without its line.
            let detail = [action.assignee.map { "to " + $0 }, action.outcome, action.note].compactMap { $0 }
                .joined(separator: ": ")
            try db.executeCached(
                sql: """
                    INSERT INTO audit (at, user, action, alert_id, patient_id, client, detail) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    action.at, action.by, action.action, alertID, row["patient_id"] as String?, action.client,
                    detail.isEmpty ? nil : detail,
                ])
            if action.action == "assign" {
                try db.executeCached(
                    sql: "UPDATE alerts SET assignee = ? WHERE alert_id = ?", arguments: [action.assignee, alertID])
            }
            guard let next else { return }
            let record = Self.actedRecord(row["record"], action, status: next)
            try db.executeCached(
                sql: "UPDATE alerts SET status = ?, record = ? WHERE alert_id = ?",
                arguments: [next.rawValue, record, alertID])
            // The directory queue mirrors the team's work: an acknowledged alert's file says so, a
            // closed one leaves the open queue for alerts/closed/DATE/, a reopened one comes back.
            // Only when that sink is in use; a later change of the same kind is delivered again.
            let queue = SinkName.queue.rawValue
            let usesQueue =
                try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM outbox WHERE sink = ?)", arguments: [queue])
                ?? false
            if usesQueue {
                try db.executeCached(
                    sql: "INSERT OR REPLACE INTO outbox (sink, alert_id, kind, payload) VALUES (?, ?, ?, ?)",
                    arguments: [queue, alertID, next.rawValue, record])
            }
        }
    }

    /// `record` with the team's action: its new status, by whom and when (and a closure's outcome);
    /// a reopened alert loses its closure.
    static func actedRecord(_ record: String, _ action: AlertAction, status: Alert.Status) -> String {
        guard case .object(var members)? = JSONValue.parse(Array(record.utf8)) else { return record }
        let prefix = action.action == "reopen" ? "reopened" : status.rawValue
        var removed = ["status", prefix + "_by", prefix + "_at", "close_outcome"]
        if action.action == "reopen" { removed += ["closed_by", "closed_at"] }
        members.removeAll { removed.contains($0.key) }
        members += [
            JSONMember(key: "status", value: .string(status.rawValue)),
            JSONMember(key: prefix + "_by", value: .string(action.by)),
            JSONMember(key: prefix + "_at", value: .string(action.at)),
        ]
        if let outcome = action.outcome { members.append(JSONMember(key: "close_outcome", value: .string(outcome))) }
        return JSONValue.object(members).serialized
    }

    static let queuedColumns = """
        alert_id, status, record, patient_id, assignee,
        (SELECT count(*) FROM findings f WHERE f.alert_id = alerts.alert_id AND f.fate = 'repeated') AS repeats
        """

    static func queued(_ row: Row) -> QueuedAlert {
        let record: String = row["record"]
        let status: String = row["status"]
        return QueuedAlert(
            alertID: row["alert_id"], status: Alert.Status(rawValue: status) ?? .open, record: record,
            patientID: row["patient_id"], repeats: row["repeats"], assignee: row["assignee"])
    }

    /// A PRAGMA's value as text, for checks and `riskscreen status`.
    public func pragma(_ name: String) throws -> String? {
        guard name.allSatisfy({ $0.isLetter || $0 == "_" }) else { return nil }
        return try pool.read { db in try String.fetchOne(db, sql: "PRAGMA \(name)") }
    }

    private static func entry(_ db: Database, eventID: String) throws -> LedgerEntry? {
        guard let row = try db.cachedRow(sql: "SELECT * FROM events WHERE event_id = ?", arguments: [eventID])
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

extension Timestamp {
    /// Seconds since the epoch with the fraction, for ordering rows by time.
    var epoch: Double { Double(secondsSinceEpoch) + Double(nanoseconds) / 1e9 }
}

extension Database {
    /// Runs `sql` through the connection's statement cache: the hot statements of recording an
    /// event are compiled (and authorised) once, not once per event.
    func executeCached(sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// The rows of a cached statement.
    func cachedRows(sql: String, arguments: StatementArguments = StatementArguments()) throws -> [Row] {
        try Row.fetchAll(cachedStatement(sql: sql), arguments: arguments)
    }

    /// The first row of a cached statement.
    func cachedRow(sql: String, arguments: StatementArguments = StatementArguments()) throws -> Row? {
        try Row.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }
}
