import Alerts
import Events
import Rules
import Testing

@testable import Replay

/// A patient's replay state packed into bytes and back: every value as it was, so packing cannot
/// change a decision; and the store that writes records out past its budget gives back the newest.
@Suite("Replay: patients' states packed between their events")
struct PatientRecordTests {
    static func time(_ text: String) -> Timestamp {
        guard let time = Timestamp(rfc3339: text) else { preconditionFailure(text) }
        return time
    }

    /// A state with a fact of each shape, alerts of each status and findings of each fate, times
    /// written in three offsets, in lower case, with a fraction, and one made from an instant.
    static let state: PatientRecord.Unpacked = {
        let admitted = time("2026-11-20T08:00:00-05:00")
        let discharged = time("2026-11-23t10:15:00.250z")
        let made = Timestamp(secondsSinceEpoch: 1_795_000_000, nanoseconds: 123_456_789)
        let history = PatientHistory(
            patientID: "P-Ünïcode-7",
            facts: [
                EncounterFact(
                    eventID: "E-1", eventType: .admission, occurredAt: admitted, encounterID: "V-1",
                    encounterClass: .inpatient, admittedAt: admitted),
                EncounterFact(
                    eventID: "E-2", eventType: .discharge, occurredAt: discharged, encounterID: "V-1",
                    encounterClass: nil, admittedAt: admitted, dischargedAt: discharged, disposition: .home),
                EncounterFact(
                    eventID: "E-3", eventType: .cancelAdmission, occurredAt: made, encounterID: "V-2",
                    encounterClass: .emergency, admittedAt: time("2026-11-24T01:00:00+05:30")),
            ])
        let alerts = [
            PriorAlert(
                alertID: "A-1", eventID: "E-1", eventType: .admission, encounterID: "V-1", occurredAt: admitted,
                priority: .high, referral: "discharge-planning", status: .open, record: ""),
            PriorAlert(
                alertID: "A-2", eventID: "E-2", eventType: .discharge, encounterID: "V-1", occurredAt: discharged,
                priority: .low, referral: "caregiver-support", status: .withdrawn, record: #"{"status":"withdrawn"}"#),
        ]
        let fates: [RecordedFinding.Fate] = [
            .opened(alertID: "A-1"), .repeated(alertID: "A-1"), .stale, .void(byEventID: "E-3"),
            .retracted(byEventID: "E-2"),
        ]
        let findings = fates.enumerated().map { position, fate in
            RecordedFinding(
                eventID: "E-\(position % 2 + 1)", eventType: .discharge, occurredAt: position == 4 ? made : discharged,
                encounterID: "V-1", ruleID: "readmission.lace-high-\(position % 2)", referral: "discharge-planning",
                priority: Priority.allCases[position % Priority.allCases.count], reason: position == 0 ? "LACE 12" : "",
                fate: fate)
        }
        let backtest = Backtest.Patient(
            discharges: [
                Backtest.Discharge(
                    encounterID: "V-1", dischargedAt: Backtest.Moment(discharged), expired: false,
                    rules: [[0, 3], []],
                    lace: [12, .nan], hospital: [.nan, 6.5]),
                Backtest.Discharge(
                    encounterID: "V-3", dischargedAt: Backtest.Moment(made), expired: true, rules: [[], [1]],
                    lace: [.nan, .nan], hospital: [0, 0]),
            ],
            admissions: [
                Backtest.Admission(encounterID: "V-1", admittedAt: Backtest.Moment(admitted), planned: false),
                Backtest.Admission(encounterID: "V-4", admittedAt: Backtest.Moment(made), planned: true),
            ],
            cancelled: ["V-2"])
        return PatientRecord.Unpacked(
            history: history,
            sides: [.init(alerts: alerts, findings: findings), .init(alerts: [], findings: Array(findings.prefix(2)))],
            alertCounts: [2, 300], backtest: backtest)
    }()

    /// Every timestamp of a state with its text and offset (`==` on timestamps compares instants only).
    static func times(_ state: PatientRecord.Unpacked) -> [String] {
        let facts = state.history.facts.flatMap {
            [$0.occurredAt, $0.admittedAt] + ($0.dischargedAt.map { [$0] } ?? [])
        }
        let others = state.sides.flatMap { $0.alerts.map(\.occurredAt) + $0.findings.map(\.occurredAt) }
        return (facts + others).map { "\($0.text) \($0.utcOffsetMinutes) \($0.nanoseconds) \($0.localDate)" }
    }

    @Test(
        "packed and unpacked, a state is the same: facts, encounters, alerts, findings, counts, the backtest's part and every time's text"
    )
    func roundTrip() {
        let record = PatientRecord(Self.state)
        let unpacked = record.unpack(sides: 2)
        #expect(unpacked == Self.state)
        #expect(unpacked.history.encounters == Self.state.history.encounters)
        #expect(Self.times(unpacked) == Self.times(Self.state))
        #expect(record.alertCounts(sides: 2) == [2, 300])
        // Repeated strings are written once: far smaller than the state's text.
        #expect(record.bytes.count < 500, "\(record.bytes.count) bytes")
    }

    @Test("an empty state, as a new patient starts")
    func empty() {
        let state = PatientRecord.Unpacked(
            history: PatientHistory(patientID: "P-1"),
            sides: [.init(alerts: [], findings: []), .init(alerts: [], findings: [])],
            alertCounts: [0, 0])
        #expect(PatientRecord(state).unpack(sides: 2) == state)
    }

    @Test("past its budget the store writes records to its database and gives back the newest of each patient")
    func spills() throws {
        var state = Self.state
        // Room for one record: a second writes both out.
        let records = PatientRecords(budget: PatientRecord(state).bytes.count + "P-1".utf8.count + 64)
        try records.put("P-1", PatientRecord(state))
        #expect(records.spills == 0)
        try records.put("P-2", PatientRecord(state))
        #expect(records.spills == 1)
        // Read back from the database, changed, and kept in memory while the database holds the old one.
        var taken = try #require(try records.take("P-1")).unpack(sides: 2)
        #expect(taken == state)
        taken.alertCounts = [7, 8]
        try records.put("P-1", PatientRecord(taken))
        #expect(records.spills == 1)
        #expect(try records.take("P-3") == nil)

        var seen: [String: [Int]] = [:]
        try records.forEach { patientID, record in
            #expect(seen[patientID] == nil, "each patient once")
            seen[patientID] = record.alertCounts(sides: 2)
        }
        #expect(seen == ["P-1": [7, 8], "P-2": [2, 300]])

        // Budget 0: every record goes to the database at once, and comes back as it went.
        let everything = PatientRecords(budget: 0)
        state.alertCounts = [9, 9]
        try everything.put("P-1", PatientRecord(state))
        #expect(everything.spills == 1)
        #expect(try everything.take("P-1")?.unpack(sides: 2) == state)
    }
}
