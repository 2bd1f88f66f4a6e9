import Alerts
import Events
import Foundation
import Rules
import State
import Testing

@Suite("The SQLite state store: ledger, alerts and outbox in one transaction")
struct SQLiteStateStoreTests {
    /// A state database in a temporary folder of the test's own, removed afterwards.
    final class Home {
        let url: URL
        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("riskscreen-state-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: url) }
        var database: String { url.appendingPathComponent("state.db").path }
        func store() throws -> SQLiteStateStore { try SQLiteStateStore(path: database) }
    }

    static let now = Timestamp(rfc3339: "2026-11-22T15:00:00Z")!

    private func event(_ id: String = "T-1") throws -> Event {
        let text =
            #"{"schema_version":1,"event_id":"\#(id)","event_type":"discharge","occurred_at":"2026-11-22T10:00:00-05:00","patient":{"id":"S-1"},"encounter":{"id":"E-1","admitted_at":"2026-11-20T10:00:00-05:00","discharged_at":"2026-11-22T10:00:00-05:00"}}"#
        return try EventDecoder().decode(Array(text.utf8))
    }

    private func alerts(for event: Event, referrals: [String]) -> [Alert] {
        let findings = referrals.map {
            Finding(
                ruleID: "rule.\($0)", title: "T", category: "c", priority: .high, basePriority: .high, referral: $0,
                reason: "why", scores: [], references: [], suppressFor: nil, tags: [])
        }
        return AlertBuilder().alerts(
            for: event, evaluation: Evaluation(scores: [], findings: findings), rulesVersion: "sha256:r", now: Self.now)
    }

    private func entry(_ id: String = "T-1", digest: String = "d1", outcome: EventOutcome = .processed) -> LedgerEntry {
        LedgerEntry(
            eventID: id, digest: digest, outcome: outcome, recordedAt: Self.now, fileName: "\(id).json",
            rulesVersion: "sha256:r")
    }

    @Test("a new event writes its ledger row, its alerts, and one outbox row per alert per sink")
    func recordsEverything() throws {
        let home = try Home()
        let store = try home.store()
        let event = try event()
        let result = try store.record(
            entry(), alerts: alerts(for: event, referrals: ["a", "b"]), sinks: [.queue, .jsonl])
        #expect(result == .recorded)
        #expect(try store.ledgerEntry(eventID: "T-1")?.digest == "d1")
        #expect(try store.ledgerCount() == 1)
        #expect(try store.pendingDeliveries(sink: .queue, limit: 10).count == 2)
        #expect(try store.pendingDeliveries(sink: .jsonl, limit: 10).count == 2)
        let payload = try #require(try store.pendingDeliveries(sink: .queue, limit: 10).first?.payload)
        #expect(payload.hasPrefix("{\"alert_id\":\"rs-"))
        #expect(!payload.contains("\n"))
    }

    @Test("the same id with the same content is a duplicate: counted, nothing else written")
    func duplicates() throws {
        let home = try Home()
        let store = try home.store()
        let event = try event()
        _ = try store.record(entry(), alerts: alerts(for: event, referrals: ["a"]), sinks: [.queue])
        let again = try store.record(entry(), alerts: alerts(for: event, referrals: ["a"]), sinks: [.queue])
        guard case .duplicate(let existing) = again else {
            Issue.record("expected a duplicate, got \(again)")
            return
        }
        #expect(existing.digest == "d1")
        #expect(try store.ledgerEntry(eventID: "T-1")?.duplicates == 1)
        #expect(try store.pendingDeliveries(sink: .queue, limit: 10).count == 1)
    }

    @Test("the same id with different content is a conflict: nothing written, both digests known")
    func conflicts() throws {
        let home = try Home()
        let store = try home.store()
        let event = try event()
        _ = try store.record(entry(digest: "d1"), alerts: alerts(for: event, referrals: ["a"]), sinks: [.queue])
        let result = try store.record(
            entry(digest: "d2"), alerts: alerts(for: event, referrals: ["b"]), sinks: [.queue])
        #expect(result == .conflict(entry(digest: "d1")))
        #expect(
            try store.pendingDeliveries(sink: .queue, limit: 10).map(\.alertID) == [
                Alert.id(eventID: "T-1", referral: "a")
            ])
    }

    @Test("a transaction that fails half-way leaves nothing behind")
    func atomicity() throws {
        let home = try Home()
        let store = try home.store()
        let event = try event()
        let alert = try #require(alerts(for: event, referrals: ["a"]).first)
        // The same alert twice violates the alerts table's key after the ledger row is written.
        #expect(throws: (any Error).self) { try store.record(entry(), alerts: [alert, alert], sinks: [.queue]) }
        #expect(try store.ledgerEntry(eventID: "T-1") == nil)
        #expect(try store.pendingDeliveries(sink: .queue, limit: 10).isEmpty)
        #expect(try store.record(entry(), alerts: [alert], sinks: [.queue]) == .recorded)
    }

    @Test("an invalid event is in the ledger with its reason and no alerts")
    func invalidEvents() throws {
        let home = try Home()
        let store = try home.store()
        var invalid = entry("file:bad.json", outcome: .invalid)
        invalid.reason = "$.encounter.admitted_at: expected RFC 3339 date-time, got \"yesterday\""
        #expect(try store.record(invalid, alerts: [], sinks: [.queue]) == .recorded)
        #expect(try store.ledgerEntry(eventID: "file:bad.json")?.reason == invalid.reason)
        #expect(try store.ledgerEntry(eventID: "file:bad.json")?.outcome == .invalid)
    }

    @Test("deliveries come oldest first; delivered ones leave the queue; failures are counted")
    func outbox() throws {
        let home = try Home()
        let store = try home.store()
        for id in ["T-1", "T-2", "T-3"] {
            _ = try store.record(
                entry(id, digest: id), alerts: alerts(for: try event(id), referrals: ["a"]), sinks: [.queue])
        }
        let pending = try store.pendingDeliveries(sink: .queue, limit: 2)
        #expect(pending.map(\.alertID) == ["T-1", "T-2"].map { Alert.id(eventID: $0, referral: "a") })
        try store.markFailed(pending[0].id)
        try store.markDelivered([pending[1].id], at: Self.now)
        let after = try store.pendingDeliveries(sink: .queue, limit: 10)
        #expect(after.map(\.alertID) == ["T-1", "T-3"].map { Alert.id(eventID: $0, referral: "a") })
        #expect(after.first?.attempts == 1)
    }

    @Test("what was committed is there after the store is closed and opened again")
    func durability() throws {
        let home = try Home()
        do {
            let store = try home.store()
            _ = try store.record(entry(), alerts: alerts(for: try event(), referrals: ["a"]), sinks: [.queue])
        }
        let reopened = try home.store()
        #expect(try reopened.ledgerCount() == 1)
        #expect(try reopened.pendingDeliveries(sink: .queue, limit: 10).count == 1)
    }

    @Test("the team's actions: ack, assign, note, close, reopen; each refused where it does not apply; each audited")
    func teamActions() throws {
        let home = try Home()
        let store = try home.store()
        let alert = alerts(for: try event(), referrals: ["safety"])[0]
        #expect(try store.record(entry(), alerts: [alert], sinks: [.queue]) == .recorded)
        let id = alert.alertID
        func act(_ name: String, outcome: String? = nil, note: String? = nil) throws {
            try store.act(
                on: id,
                AlertAction(
                    action: name, by: "ada", outcome: outcome, note: note, at: "2026-11-22T16:00:00Z",
                    client: "127.0.0.1"))
        }
        #expect(throws: QueueError.notClosed(id, .open)) { try act("reopen") }
        #expect(throws: QueueError.unknownAction("escalate")) { try act("escalate") }
        try act("ack")
        try store.act(on: id, .assign(to: "bo", by: "ada", at: "2026-11-22T16:00:00Z", client: "127.0.0.1"))
        #expect(try store.queuedAlert(id: id)?.assignee == "bo")
        try act("close", outcome: "referred")
        #expect(try store.queuedAlert(id: id)?.status == .closed)
        #expect(throws: QueueError.notOpen(id, .closed)) {
            try store.act(on: id, .assign(to: "cy", by: "ada", at: "2026-11-22T16:02:00Z"))
        }
        try act("note", note: "family called back")  // a note whatever the status
        try act("reopen")
        let reopened = try #require(try store.queuedAlert(id: id))
        #expect(reopened.status == .open)
        #expect(reopened.record.contains(#""status":"open""#))
        #expect(reopened.record.contains(#""reopened_by":"ada""#))
        #expect(!reopened.record.contains("close_outcome"))
        // The queue folder gets it back: an open delivery, pending again, after the closure's.
        let pending = try store.pendingDeliveries(sink: .queue, limit: 10).map(\.kind)
        #expect(pending.suffix(2) == [.closed, .open], "\(pending)")
        try act("close", outcome: "not-needed")  // closed a second time: delivered again
        #expect(try store.pendingDeliveries(sink: .queue, limit: 10).last?.kind == .closed)
        #expect(
            try store.actions(alertID: id).map(\.action) == ["ack", "assign", "close", "note", "reopen", "close"])
        let audit = try store.auditEntries(since: nil, user: "ada", patient: "S-1")
        #expect(audit.map(\.action) == ["ack", "assign", "close", "note", "reopen", "close"])
        #expect(audit.allSatisfy { $0.client == "127.0.0.1" && $0.alertID == id })
        #expect(audit[1].detail == "to bo")
    }

    @Test(
        "the worklist's counts follow every change, whoever makes it: another process's new alert, an action; the version moves with each"
    )
    func worklistCountsFollowChanges() throws {
        let home = try Home()
        let daemon = try home.store()
        let web = try home.store()  // another connection pool, as `riskscreen web` has
        var query = WorklistQuery()
        func counts() throws -> (Int, [Priority: Int]) {
            let page = try web.worklist(query)
            return (page.total, page.byPriority)
        }
        #expect(try counts() == (0, [:]))
        var version = try web.worklistVersion()
        _ = try daemon.record(entry("T-1"), alerts: alerts(for: try event("T-1"), referrals: ["safety"]), sinks: [])
        #expect(try web.worklistVersion() > version)
        #expect(try counts() == (1, [.high: 1]))
        _ = try daemon.record(
            entry("T-2", digest: "d2"), alerts: alerts(for: try event("T-2"), referrals: ["safety", "social-needs"]),
            sinks: [])
        #expect(try counts() == (3, [.high: 3]))
        query.teams = ["social-needs"]
        #expect(try counts() == (1, [.high: 1]))
        query.teams = nil
        let first = try #require(try web.worklist(query).alerts.first).alertID
        version = try web.worklistVersion()
        try daemon.act(
            on: first, AlertAction(action: "close", by: "ada", outcome: "referred", at: "2026-11-22T16:00:00Z"))
        #expect(try web.worklistVersion() > version)
        #expect(try counts() == (2, [.high: 2]))
        version = try web.worklistVersion()
        try daemon.act(on: first, AlertAction(action: "note", by: "ada", note: "called", at: "2026-11-22T16:05:00Z"))
        #expect(try web.worklistVersion() > version, "a note changes what the alert's page shows")
        // The usual view, another status, every status: each counted from its own index.
        query.statuses = [.closed]
        #expect(try counts() == (1, [.high: 1]))
        query.statuses = Alert.Status.allCases
        #expect(try counts() == (3, [.high: 3]))
        #expect(try web.worklist(query).alerts.count == 3)
        let facets = try web.worklistFacets(referrals: nil)
        #expect(facets.referrals == ["safety", "social-needs"])
        #expect(try web.worklistFacets(referrals: ["social-needs", "nobody"]).referrals == ["social-needs"])
    }

    @Test("the database is owner-only, in WAL mode, commits with synchronous=FULL; readers cache 256 KB")
    func fileAndPragmas() throws {
        let home = try Home()
        let store = try home.store()
        _ = try store.record(entry(), alerts: [], sinks: [])
        let attributes = try FileManager.default.attributesOfItem(atPath: home.database)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let wal = home.database + "-wal"
        #expect(FileManager.default.fileExists(atPath: wal))
        let walAttributes = try FileManager.default.attributesOfItem(atPath: wal)
        #expect(((walAttributes[.posixPermissions] as? NSNumber)?.intValue ?? 0) & 0o077 == 0)
        #expect(try store.pragma("journal_mode") == "wal")
        #expect(try store.pragma("synchronous") == "2")
        // Readers keep a small page cache (emptied by every commit of the writer anyway).
        #expect(try store.pragma("cache_size") == "-256")
    }
}
