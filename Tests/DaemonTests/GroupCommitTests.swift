import Alerts
import Events
import Foundation
import Logging
import Rules
import State
import Testing

@testable import Daemon

/// The drain in groups: many events per transaction, the inbox listed in bounded rounds.
@Suite("Draining in groups")
struct GroupCommitTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A home in a temporary folder with `count` copies of sample 08 as different patients, and
    /// the sample's cancelled discharge pair (12, then 18) at the end.
    final class Fixture {
        let root: String
        let home: Home
        let store: SQLiteStateStore
        let processor: EventProcessor

        init(count: Int) throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("riskscreen-group-\(UUID())").path
            home = Home(root)
            try home.create()
            store = try SQLiteStateStore(path: home.stateDatabase)
            let ruleSet = try #require(
                RuleSetLoader().load(paths: [GroupCommitTests.packageRoot.appendingPathComponent("rules").path])
                    .ruleSet)
            processor = EventProcessor(
                home: home, store: store, ruleSet: ruleSet, sinks: [.queue], logger: Logger(label: "test"))
            // Moved with the clock: an event from last month would be stale and open no alert.
            let sample = SampleClock.move(
                [
                    try String(
                        contentsOf: GroupCommitTests.packageRoot.appendingPathComponent(
                            "samples/08-discharge-homeless.json"), encoding: .utf8)
                ], before: WallClock.system.now)[0]
            for index in 0..<count {
                let text = sample.replacingOccurrences(of: "NF-2026-11-23-0008", with: "G-\(index)")
                    .replacingOccurrences(of: "\"S-100866\"", with: "\"S-G\(index)\"")
                try text.write(toFile: home.inbox + "/g\(index).json", atomically: false, encoding: .utf8)
            }
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        func archived() -> Int {
            let days = (try? FileManager.default.contentsOfDirectory(atPath: home.archive)) ?? []
            return days.reduce(0) {
                $0 + ((try? FileManager.default.contentsOfDirectory(atPath: home.archive + "/" + $1))?.count ?? 0)
            }
        }
    }

    @Test("a backlog larger than one listing round and one group is drained completely, each event once")
    func boundedRounds() throws {
        let fixture = try Fixture(count: 25)
        let drain = InboxDrain(
            home: fixture.home, processor: fixture.processor, minimumAge: 0, logger: Logger(label: "t"))
        var groups = 0
        let summary = drain.runOnce(now: WallClock.system.now, group: 4, listLimit: 7, between: { groups += 1 })
        #expect(summary.processed == 25)
        #expect(summary.failed == 0)
        #expect(try fixture.store.ledgerCount() == 25)
        #expect(fixture.archived() == 25)
        // 25 files in rounds of at most 7 names, groups of at most 4: 2 groups per round of 7 (4 + 3),
        // 4 rounds (7, 7, 7, 4 → 2 + 2 + 2 + 1 = 7 groups); `between` runs between them.
        #expect(groups == 6)
        // 25 critical + 25 medium alerts, each once in the outbox.
        #expect(try fixture.store.pendingDeliveries(sink: .queue, limit: 1000).count == 50)
    }

    @Test("one group is one transaction: the events of a group see each other (a duplicate id inside it)")
    func duplicatesWithinAGroup() throws {
        let fixture = try Fixture(count: 3)
        // The same event again under another file name, in the same group.
        try FileManager.default.copyItem(
            atPath: fixture.home.inbox + "/g1.json", toPath: fixture.home.inbox + "/g1-again.json")
        let drain = InboxDrain(
            home: fixture.home, processor: fixture.processor, minimumAge: 0, logger: Logger(label: "t"))
        let summary = drain.runOnce(now: WallClock.system.now, group: 100)
        #expect(summary.processed == 3)
        #expect(summary.duplicates == 1)
        #expect(try fixture.store.ledgerEntry(eventID: "G-1")?.duplicates == 1)
    }

    /// A store that refuses any group holding one event id, as a full disk or a bug might.
    final class RefusingStore: EventLedger {
        let inner: SQLiteStateStore
        let refused: String
        init(_ inner: SQLiteStateStore, refusing id: String) {
            self.inner = inner
            refused = id
        }
        struct Refused: Error {}
        func record(batch: [RecordRequest], sinks: [SinkName]) throws -> [(RecordResult, PolicyDecision?)] {
            if batch.contains(where: { $0.entry.eventID == refused }) { throw Refused() }
            return try inner.record(batch: batch, sinks: sinks)
        }
        func patientState(_ patientID: String) throws -> PatientState { try inner.patientState(patientID) }
        func recordedEvent(_ eventID: String, patientID: String) throws -> Event? {
            try inner.recordedEvent(eventID, patientID: patientID)
        }
        func forgetContent(occurredBefore time: Timestamp) throws -> Int {
            try inner.forgetContent(occurredBefore: time)
        }
        func ledgerEntry(eventID: String) throws -> LedgerEntry? { try inner.ledgerEntry(eventID: eventID) }
        func ledgerCount() throws -> Int { try inner.ledgerCount() }
        func staleEvents(limit: Int) throws -> [StaleEvent] { try inner.staleEvents(limit: limit) }
    }

    @Test("when a group's transaction fails, its events are recorded one by one: one bad event holds back no other")
    func poisonInAGroup() throws {
        let fixture = try Fixture(count: 5)
        let processor = EventProcessor(
            home: fixture.home, store: RefusingStore(fixture.store, refusing: "G-2"),
            ruleSet: fixture.processor.ruleSet, sinks: [.queue], logger: Logger(label: "t"))
        let drain = InboxDrain(home: fixture.home, processor: processor, minimumAge: 0, logger: Logger(label: "t"))
        let summary = drain.runOnce(now: WallClock.system.now, group: 100)
        #expect(summary.processed == 4)
        #expect(summary.failed == 1)
        #expect(try fixture.store.ledgerCount() == 4)
        #expect(try fixture.store.ledgerEntry(eventID: "G-2") == nil)
        #expect(FileManager.default.fileExists(atPath: fixture.home.work + "/g2.json"))
        #expect(fixture.archived() == 4)
    }

    @Test("a file that cannot be read fails alone; the rest of its group is recorded")
    func unreadableInAGroup() throws {
        let fixture = try Fixture(count: 4)
        // A file claimed but unreadable (mode 000, and not root) fails alone; the others are recorded.
        let drain = InboxDrain(
            home: fixture.home, processor: fixture.processor, minimumAge: 0, logger: Logger(label: "t"))
        chmod(fixture.home.inbox + "/g2.json", 0)
        defer { chmod(fixture.home.work + "/g2.json", 0o600) }
        let summary = drain.runOnce(now: WallClock.system.now, group: 100)
        if getuid() == 0 {
            #expect(summary.processed == 4)  // root reads anything
        } else {
            #expect(summary.processed == 3)
            #expect(summary.failed == 1)
            #expect(FileManager.default.fileExists(atPath: fixture.home.work + "/g2.json"))
        }
    }

    @Test("within a group, events are decided in the order they happened, not the order they were listed")
    func occurredOrderWithinAGroup() throws {
        let fixture = try Fixture(count: 0)
        let transfer = SampleClock.move(
            [
                try String(
                    contentsOf: GroupCommitTests.packageRoot.appendingPathComponent(
                        "samples/05-transfer-strained-elderly-caregiver.json"), encoding: .utf8)
            ], before: WallClock.system.now)[0]
        let event = try EventDecoder().decode(Array(transfer.utf8))
        // The admission of the same stay, listed after the transfer (a later modification time).
        let admission = transfer.replacingOccurrences(of: "\"transfer\"", with: "\"admission\"")
            .replacingOccurrences(of: event.eventID, with: "G-ADMISSION")
            .replacingOccurrences(
                of: "\"occurred_at\": \"\(event.occurredAt.text)\"",
                with: "\"occurred_at\": \"\(event.encounter.admittedAt.text)\"")
        #expect(admission.contains("\"occurred_at\": \"\(event.encounter.admittedAt.text)\""))
        for (index, (name, text)) in [("a-transfer.json", transfer), ("b-admission.json", admission)].enumerated() {
            let path = fixture.home.inbox + "/" + name
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            var times = [
                timeval(tv_sec: 1_700_000_000 + index, tv_usec: 0), timeval(tv_sec: 1_700_000_000 + index, tv_usec: 0),
            ]
            #expect(utimes(path, &times) == 0)
        }
        let drain = InboxDrain(
            home: fixture.home, processor: fixture.processor, minimumAge: 0, logger: Logger(label: "t"))
        let summary = drain.runOnce(now: WallClock.system.now, group: 100)
        #expect(summary.processed == 2)
        let state = try fixture.store.patientState(event.patient.id)
        // The admission opened the caregiver alert; the transfer, a day and a half later, repeats it.
        let strain = state.findings.filter { $0.ruleID == "caregiver.strain-mcsi" }
        #expect(
            strain.first { $0.eventID == "G-ADMISSION" }.map { if case .opened = $0.fate { true } else { false } }
                == true)
        #expect(
            strain.first { $0.eventID == event.eventID }.map { if case .repeated = $0.fate { true } else { false } }
                == true)
    }

    @Test("while one group is recorded the next is read ahead; every file is archived when the pass returns")
    func readAheadArchivesEverything() throws {
        let fixture = try Fixture(count: 23)
        let drain = InboxDrain(
            home: fixture.home, processor: fixture.processor, minimumAge: 0, logger: Logger(label: "t"))
        let summary = drain.runOnce(now: WallClock.system.now, group: 5, listLimit: 11)
        #expect(summary.processed == 23)
        #expect(try fixture.store.ledgerCount() == 23)
        #expect(fixture.archived() == 23)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.home.work).isEmpty)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: fixture.home.inbox).filter { $0.hasSuffix(".json") }
                .isEmpty)
    }

    @Test("a claim never renames over a file of the same name still in .work (recorded, not yet archived)")
    func claimKeepsAWaitingFile() throws {
        let fixture = try Fixture(count: 1)
        let waiting = Array("{\"waiting\": true}".utf8)
        try Data(waiting).write(to: URL(fileURLWithPath: fixture.home.work + "/g0.json"))
        let inbox = Inbox(home: fixture.home, minimumAge: 0)
        #expect(try inbox.claim("g0.json") == false)
        #expect(FileManager.default.contents(atPath: fixture.home.work + "/g0.json").map(Array.init) == waiting)
        #expect(FileManager.default.fileExists(atPath: fixture.home.inbox + "/g0.json"))
    }

    @Test("a file left in .work by a crash and the same name sent again are both read, neither overwritten")
    func leftoverAndResentUnderOneName() throws {
        let fixture = try Fixture(count: 1)
        // The same event, claimed before a crash and sent again by the feed under the same name.
        try FileManager.default.copyItem(
            atPath: fixture.home.inbox + "/g0.json", toPath: fixture.home.work + "/g0.json")
        let drain = InboxDrain(
            home: fixture.home, processor: fixture.processor, minimumAge: 0, logger: Logger(label: "t"))
        let summary = drain.runOnce(now: WallClock.system.now, group: 100)
        #expect(summary.processed == 1)
        #expect(summary.duplicates == 1)
        #expect(fixture.archived() == 2)
        #expect(try fixture.store.ledgerEntry(eventID: "G-0")?.duplicates == 1)
    }
}
