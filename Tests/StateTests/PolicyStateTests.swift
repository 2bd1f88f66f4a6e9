import Alerts
import Events
import Foundation
import GRDB
import Rules
import Testing

@testable import State

@Suite("The state behind the alert policy: patient history, repeats, withdrawals, the schema upgrade")
struct PolicyStateTests {
    typealias Home = SQLiteStateStoreTests.Home

    private func event(
        _ id: String, _ type: String, at occurred: String, encounter: String = "E-1", discharged: String? = nil
    ) throws -> Event {
        try EventDecoder().decode(
            Array(text(id, type, at: occurred, encounter: encounter, discharged: discharged).utf8))
    }

    /// The event file's text; encounters other than E-1 are admitted when their event happens.
    private func text(
        _ id: String, _ type: String, at occurred: String, encounter: String = "E-1", discharged: String? = nil
    ) -> String {
        let discharge = discharged.map { #","discharged_at":"\#($0)""# } ?? ""
        let admitted = encounter == "E-1" ? "2026-11-01T08:00:00-05:00" : occurred
        return
            #"{"schema_version":1,"event_id":"\#(id)","event_type":"\#(type)","occurred_at":"\#(occurred)","patient":{"id":"S-1"},"encounter":{"id":"\#(encounter)","class":"inpatient","admitted_at":"\#(admitted)"\#(discharge)}}"#
    }

    private func finding(_ rule: String, _ priority: Priority, _ referral: String) -> Finding {
        Finding(
            ruleID: rule, title: "T", category: "c", priority: priority, basePriority: priority, referral: referral,
            reason: "\(rule) because", scores: [], references: [], suppressFor: nil, tags: [])
    }

    /// Records `event` through the store with the policy, and the same in memory; returns the decision.
    @discardableResult
    private func step(
        _ store: SQLiteStateStore, _ memory: inout PatientState, _ event: Event, _ findings: [Finding]
    ) throws -> PolicyDecision {
        let policy = AlertPolicy()
        let entry = LedgerEntry(
            eventID: event.eventID, digest: "d-\(event.eventID)", outcome: .processed, recordedAt: event.occurredAt,
            fileName: "\(event.eventID).json", rulesVersion: "v")
        let (result, decision) = try store.record(entry, patientID: "S-1", sinks: [.queue, .jsonl]) { state, _ in
            policy.decide(
                event, state: state, rulesVersion: "v", now: event.occurredAt,
                evaluate: { _, _ in Evaluation(scores: [], findings: findings) })
        }
        #expect(result == .recorded)
        let made = try #require(decision)
        memory.apply(made)
        return made
    }

    @Test("the store's patient state after each event is exactly the policy's state applied in memory")
    func storeMatchesMemory() throws {
        let home = try Home()
        let store = try home.store()
        var memory = PatientState(patientID: "S-1")
        let admission = try step(
            store, &memory, try event("A", "admission", at: "2026-11-01T08:00:00-05:00"),
            [finding("strain", .medium, "caregiver-support")])
        #expect(try store.patientState("S-1") == memory)
        let transfer = try step(
            store, &memory, try event("B", "transfer", at: "2026-11-02T08:00:00-05:00"),
            [finding("strain", .medium, "caregiver-support")])
        #expect(transfer.repeats.count == 1)
        let discharged = "2026-11-05T08:00:00-05:00"
        let discharge = try step(
            store, &memory, try event("C", "discharge", at: discharged, discharged: discharged),
            [finding("strain", .high, "caregiver-support"), finding("alone", .high, "discharge-planning")])
        #expect(
            discharge.opened.first { $0.referral == "caregiver-support" }?.supersedes == [
                admission.opened[0].alertID
            ])
        #expect(try store.patientState("S-1") == memory)
        let cancel = try step(
            store, &memory, try event("D", "cancel_discharge", at: "2026-11-05T09:00:00-05:00"), [])
        #expect(cancel.withdrawn.count == 2)
        let state = try store.patientState("S-1")
        #expect(state == memory)
        #expect(state.history.encounters.count == 1)
        #expect(state.history.encounters[0].dischargedAt == nil)
        #expect(state.history.encounters[0].lastEventID == "D")
    }

    @Test("a repeat is kept against the alert it repeats, with the event it was seen on")
    func repeatsRecorded() throws {
        let home = try Home()
        let store = try home.store()
        var memory = PatientState(patientID: "S-1")
        let first = try step(
            store, &memory, try event("A", "admission", at: "2026-11-01T08:00:00-05:00"),
            [finding("strain", .medium, "caregiver-support")])
        try step(
            store, &memory, try event("B", "transfer", at: "2026-11-02T08:00:00-05:00"),
            [finding("strain", .low, "caregiver-support")])
        let repeats = try store.repeats(alertID: first.opened[0].alertID)
        #expect(repeats.map(\.eventID) == ["B"])
        #expect(repeats.first?.priority == .low)
        #expect(repeats.first?.reason == "strain because")
        #expect(repeats.first?.eventType == "transfer")
        // Nothing new for the sinks.
        #expect(try store.pendingDeliveries(sink: .queue, limit: 10).count == 1)
    }

    @Test("a withdrawal reaches every sink as a second record with the same alert id, after the first")
    func withdrawalsInTheOutbox() throws {
        let home = try Home()
        let store = try home.store()
        var memory = PatientState(patientID: "S-1")
        let admission = try step(
            store, &memory, try event("A", "admission", at: "2026-11-01T08:00:00-05:00"),
            [finding("unsafe", .critical, "safety")])
        try step(store, &memory, try event("X", "cancel_admission", at: "2026-11-01T09:00:00-05:00"), [])
        let id = admission.opened[0].alertID
        for sink: SinkName in [.queue, .jsonl] {
            let pending = try store.pendingDeliveries(sink: sink, limit: 10)
            #expect(pending.map(\.alertID) == [id, id])
            #expect(pending.map(\.kind) == [.open, .withdrawn])
            #expect(pending[1].payload.contains(#""status":"withdrawn""#))
            #expect(pending[1].priority == .critical)
        }
        #expect(try store.queuedAlert(id: id)?.status == .withdrawn)
        #expect(try store.queuedAlerts(includeClosed: false).isEmpty)
        #expect(throws: QueueError.notOpen(id, .withdrawn)) {
            try store.act(on: id, AlertAction(action: "ack", by: "Ada", at: "2026-11-01T15:00:00Z"))
        }
    }

    /// The alert an older release raised for event OLD: caregiver strain, medium.
    private func oldAlert() throws -> Alert {
        let old = try event("OLD", "admission", at: "2026-11-01T08:00:00-05:00")
        return try #require(
            AlertBuilder().alerts(
                for: old, findings: [finding("strain", .medium, "caregiver-support")], rulesVersion: "v",
                now: old.occurredAt
            ).first)
    }

    @Test("a database of the previous schema is upgraded in place: its alerts keep their outbox rows and gain findings")
    func upgradeFromVersion2() throws {
        let home = try Home()
        // A state database as the previous release left it: migrations 1 and 2, one alert undelivered.
        let pool = try DatabasePool(path: home.database)
        try SQLiteStateStore.migrator.migrate(pool, upTo: "2: alert actions (the social work team's audit trail)")
        let alert = try oldAlert()
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO events (event_id, digest, outcome, recorded_at, recorded_at_epoch, file_name, rules_version)
                    VALUES ('OLD', 'd', 'processed', '2026-11-01T13:00:00Z', 0, 'old.json', 'v')
                    """)
            try db.execute(
                sql: """
                    INSERT INTO alerts (alert_id, event_id, patient_id, encounter_id, priority, referral, status, created_at, respond_by, record)
                    VALUES (?, 'OLD', 'S-1', 'E-1', 'medium', 'caregiver-support', 'open', ?, ?, ?)
                    """,
                arguments: [alert.alertID, alert.createdAt.text, alert.respondBy.text, alert.json.serialized])
            try db.execute(
                sql: "INSERT INTO outbox (sink, alert_id, payload) VALUES ('queue', ?, ?)",
                arguments: [alert.alertID, alert.json.serialized])
        }
        try pool.close()

        let store = try home.store()
        #expect(try store.pendingDeliveries(sink: .queue, limit: 10).map(\.alertID) == [alert.alertID])
        let state = try store.patientState("S-1")
        #expect(state.findings.map(\.ruleID) == ["strain"])
        #expect(state.findings.first?.fate == .opened(alertID: alert.alertID))
        #expect(state.findings.first?.reason == "strain because")
        #expect(state.alerts.first?.eventType == .admission)
        // And the policy holds a repeat against it.
        var memory = state
        let repeatDecision = try step(
            store, &memory, try event("NEW", "transfer", at: "2026-11-02T08:00:00-05:00"),
            [finding("strain", .medium, "caregiver-support")])
        #expect(repeatDecision.repeats.map(\.alertID) == [alert.alertID])
    }

    @Test("a database of schema 3 is upgraded: encounters become facts, alert findings and repeats keep their fate")
    func upgradeFromVersion3() throws {
        let home = try Home()
        let pool = try DatabasePool(path: home.database)
        try SQLiteStateStore.migrator.migrate(
            pool, upTo: "3: alert policy (findings, repeats, withdrawals, patient history)")
        let open = try oldAlert()
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO events (event_id, digest, outcome, recorded_at, recorded_at_epoch, file_name, rules_version)
                    VALUES ('OLD', 'd', 'processed', '2026-11-01T13:00:00Z', 0, 'old.json', 'v'),
                           ('TR', 'd2', 'processed', '2026-11-02T13:00:00Z', 0, 'tr.json', 'v')
                    """)
            try db.execute(
                sql: """
                    INSERT INTO alerts (alert_id, event_id, patient_id, encounter_id, priority, referral, status, created_at,
                        respond_by, record, event_type, occurred_at)
                    VALUES (?, 'OLD', 'S-1', 'E-1', 'medium', 'caregiver-support', 'open', ?, ?, ?, 'admission', ?)
                    """,
                arguments: [
                    open.alertID, open.createdAt.text, open.respondBy.text, open.json.serialized, open.occurredAt.text,
                ])
            try db.execute(
                sql: "INSERT INTO alert_findings (alert_id, rule_id, priority) VALUES (?, 'strain', 'medium')",
                arguments: [open.alertID])
            try db.execute(
                sql: """
                    INSERT INTO alert_repeats (alert_id, rule_id, priority, reason, event_id, event_type, occurred_at, recorded_at)
                    VALUES (?, 'strain', 'low', 'strain again', 'TR', 'transfer', '2026-11-02T08:00:00-05:00', '2026-11-02T13:00:00Z')
                    """,
                arguments: [open.alertID])
            try db.execute(
                sql: """
                    INSERT INTO encounters (patient_id, encounter_id, class, admitted_at, discharged_at, disposition,
                        cancelled, last_event_id, seen_order)
                    VALUES ('S-1', 'E-1', 'inpatient', '2026-11-01T08:00:00-05:00', '2026-11-04T10:00:00-05:00', 'home', 0, 'X', 1),
                           ('S-1', 'E-0', 'emergency', '2026-10-20T08:00:00-05:00', NULL, NULL, 1, 'Y', 2)
                    """)
        }
        try pool.close()

        let store = try home.store()
        let state = try store.patientState("S-1")
        #expect(state.history.encounters.map(\.encounterID) == ["E-0", "E-1"])
        #expect(
            state.history.encounters.first { $0.encounterID == "E-1" }?.dischargedAt?.text
                == "2026-11-04T10:00:00-05:00")
        #expect(state.history.encounters.first { $0.encounterID == "E-1" }?.disposition == .home)
        #expect(state.history.encounters.first { $0.encounterID == "E-0" }?.cancelled == true)
        #expect(
            state.findings.map { "\($0.eventID) \($0.ruleID) \($0.fate.name) \($0.reason)" } == [
                "OLD strain opened strain because", "TR strain repeated strain again",
            ])
        #expect(try store.repeats(alertID: open.alertID).map(\.eventID) == ["TR"])
        #expect(try store.queuedAlert(id: open.alertID)?.repeats == 1)
    }

    @Test("the store keeps an event's content while it may be decided again, and forgets it past stale_after")
    func decidedAgainFromTheStore() throws {
        let home = try Home()
        let store = try home.store()
        let policy = AlertPolicy(staleAfter: nil)
        let texts = [
            text("A2", "admission", at: "2026-11-20T08:00:00-05:00", encounter: "E-2"),
            text("D1", "discharge", at: "2026-11-10T08:00:00-05:00", discharged: "2026-11-10T08:00:00-05:00"),
        ]
        // The rules' stand-in: the readmission is news only when a discharge came before it.
        func findings(_ event: Event, _ history: PatientHistory) -> [Finding] {
            event.eventID == "A2" && history.lastDischarge(before: event) != nil
                ? [finding("bounce", .high, "discharge-planning")] : []
        }
        var seen: [String] = []
        for content in texts {
            let event = try EventDecoder().decode(Array(content.utf8))
            let entry = LedgerEntry(
                eventID: event.eventID, digest: "d-\(event.eventID)", outcome: .processed, recordedAt: event.occurredAt,
                fileName: "\(event.eventID).json", rulesVersion: "v")
            let (_, decision) = try store.record(
                entry, patientID: "S-1", content: Array(content.utf8), sinks: [.queue]
            ) {
                state, recorded in
                policy.decide(
                    event, state: state, rulesVersion: "v", now: event.occurredAt,
                    evaluate: { Evaluation(scores: [], findings: findings($0, $1)) }, recorded: recorded)
            }
            seen += decision?.redecided ?? []
            if event.eventID == "D1" { #expect(decision?.opened.map(\.eventID) == ["A2"]) }
        }
        #expect(seen == ["A2"])
        #expect(try store.recordedEvent("A2", patientID: "S-1")?.eventID == "A2")
        #expect(try store.forgetContent(occurredBefore: Timestamp(rfc3339: "2026-11-15T00:00:00Z")!) == 1)
        #expect(try store.recordedEvent("D1", patientID: "S-1") == nil)
        #expect(try store.recordedEvent("A2", patientID: "S-1") != nil)
    }
}
