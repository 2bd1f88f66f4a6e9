import Alerts
import Events
import Foundation
import Rules
import Testing

/// Builds events and findings for the policy tests; the clock is whatever each step says.
struct PolicyFixture {
    static func event(
        _ id: String, _ type: String, at occurred: String, patient: String = "S-1", encounter: String = "E-1",
        admitted: String = "2026-11-01T08:00:00-05:00", discharged: String? = nil, encounterClass: String = "inpatient"
    ) throws -> Event {
        let discharge = discharged.map { #","discharged_at":"\#($0)""# } ?? ""
        let text = #"""
            {"schema_version":1,"event_id":"\#(id)","event_type":"\#(type)","occurred_at":"\#(occurred)",
             "patient":{"id":"\#(patient)"},
             "encounter":{"id":"\#(encounter)","class":"\#(encounterClass)","admitted_at":"\#(admitted)"\#(discharge)}}
            """#
        return try EventDecoder().decode(Array(text.utf8))
    }

    static func finding(
        _ rule: String, _ priority: Priority, referral: String = "caregiver-support", suppressFor: Double? = nil
    ) -> Finding {
        Finding(
            ruleID: rule, title: "Title of \(rule)", category: "c", priority: priority, basePriority: .medium,
            referral: referral, reason: "\(rule) at \(priority.rawValue)", scores: [], references: [],
            suppressFor: suppressFor, tags: [])
    }
}

/// Runs events through the policy one after another, keeping the patient's state in memory as a
/// store would. Each event's findings are what "the rules" say of it, whenever it is evaluated.
struct PolicyRun {
    var policy = AlertPolicy()
    var state = PatientState(patientID: "S-1")
    /// The findings of each event, by event id (the stand-in for the rules).
    var findings: [String: [Finding]] = [:]
    var events: [String: Event] = [:]

    mutating func step(_ event: Event, _ found: [Finding], now: String? = nil) -> PolicyDecision {
        let clock = now.flatMap { Timestamp(rfc3339: $0) } ?? event.occurredAt
        findings[event.eventID] = found
        events[event.eventID] = event
        let known = findings
        let recorded = events
        let decision = policy.decide(
            event, state: state, rulesVersion: "v", now: clock,
            evaluate: { event, _ in Evaluation(scores: [], findings: known[event.eventID] ?? []) },
            recorded: { recorded[$0] })
        state.apply(decision)
        return decision
    }
}

@Suite("The alert policy: repeats, escalations, withdrawals")
struct AlertPolicyTests {
    typealias F = PolicyFixture

    @Test("admission, transfer and discharge of one stay with the same finding give one alert and two repeats")
    func oneStayOneAlert() throws {
        var run = PolicyRun()
        let strain = F.finding("caregiver.strain", .medium)
        let first = run.step(try F.event("A", "admission", at: "2026-11-01T08:00:00-05:00"), [strain])
        #expect(first.opened.count == 1)
        let transfer = run.step(try F.event("B", "transfer", at: "2026-11-05T08:00:00-05:00"), [strain])
        let discharge = run.step(
            try F.event(
                "C", "discharge", at: "2026-11-20T08:00:00-05:00", discharged: "2026-11-20T08:00:00-05:00"), [strain])
        // Nineteen days on, still the same encounter: a repeat whatever the window.
        for decision in [transfer, discharge] {
            #expect(decision.opened.isEmpty)
            #expect(decision.repeats.map(\.alertID) == [first.opened[0].alertID])
        }
        #expect(discharge.repeats.first?.eventID == "C")
    }

    @Test("a higher priority for the same rule opens an escalated alert naming the one it supersedes")
    func escalation() throws {
        var run = PolicyRun()
        let first = run.step(
            try F.event("A", "admission", at: "2026-11-01T08:00:00-05:00"), [F.finding("caregiver.strain", .medium)])
        let worse = run.step(
            try F.event("B", "transfer", at: "2026-11-02T08:00:00-05:00"), [F.finding("caregiver.strain", .high)])
        #expect(worse.opened.count == 1)
        #expect(worse.opened[0].priority == .high)
        #expect(worse.opened[0].supersedes == [first.opened[0].alertID])
        #expect(worse.opened[0].json["supersedes"] == .array([.string(first.opened[0].alertID)]))
        #expect(worse.repeats.isEmpty)
        // Back at medium, then high again: both repeat the escalated alert.
        let calmer = run.step(
            try F.event("C", "update", at: "2026-11-03T08:00:00-05:00"), [F.finding("caregiver.strain", .medium)])
        let again = run.step(
            try F.event("D", "update", at: "2026-11-04T08:00:00-05:00"), [F.finding("caregiver.strain", .high)])
        #expect(calmer.opened.isEmpty && again.opened.isEmpty)
        #expect(calmer.repeats.map(\.alertID) == [worse.opened[0].alertID])
        #expect(again.repeats.map(\.alertID) == [worse.opened[0].alertID])
    }

    @Test("a new encounter within the rule's window repeats; after the window it opens anew")
    func windowsAcrossEncounters() throws {
        var run = PolicyRun()
        let day: Double = 86_400
        let rule = { F.finding("social.food", .medium, referral: "social-needs", suppressFor: 3 * day) }
        let first = run.step(
            try F.event("A", "registration", at: "2026-11-01T08:00:00-05:00", encounter: "E-1"), [rule()])
        let within = run.step(
            try F.event(
                "B", "registration", at: "2026-11-03T08:00:00-05:00", encounter: "E-2",
                admitted: "2026-11-03T08:00:00-05:00"), [rule()])
        #expect(within.opened.isEmpty)
        #expect(within.repeats.map(\.alertID) == [first.opened[0].alertID])
        // Measured from the alert's event, not from the repeat: 4 days after A is outside 3 days.
        let after = run.step(
            try F.event(
                "C", "registration", at: "2026-11-05T08:00:00-05:00", encounter: "E-3",
                admitted: "2026-11-05T08:00:00-05:00"), [rule()])
        #expect(after.opened.count == 1)
        #expect(after.opened[0].supersedes.isEmpty)
        #expect(after.repeats.isEmpty)
    }

    @Test("without suppress_for the configurable default applies (7 days unless set)")
    func defaultWindow() throws {
        #expect(AlertPolicy().defaultSuppressFor == 7 * 86_400)
        var run = PolicyRun(policy: AlertPolicy(defaultSuppressFor: 3600))
        let rule = F.finding("r", .low)
        _ = run.step(try F.event("A", "registration", at: "2026-11-01T08:00:00-05:00", encounter: "E-1"), [rule])
        let later = run.step(
            try F.event(
                "B", "registration", at: "2026-11-01T10:00:00-05:00", encounter: "E-2",
                admitted: "2026-11-01T10:00:00-05:00"), [rule])
        #expect(later.opened.count == 1)
    }

    @Test("each rule is judged on its own: a new rule in the same referral opens an alert with only it")
    func rulesApart() throws {
        var run = PolicyRun()
        let a = F.finding("a", .medium)
        _ = run.step(try F.event("A", "admission", at: "2026-11-01T08:00:00-05:00"), [a])
        let next = run.step(try F.event("B", "transfer", at: "2026-11-02T08:00:00-05:00"), [a, F.finding("b", .low)])
        #expect(next.opened.map { $0.findings.map(\.ruleID) } == [["b"]])
        #expect(next.repeats.map(\.ruleID) == ["a"])
    }

    @Test("other patients are not affected")
    func otherPatients() throws {
        var run = PolicyRun()
        let a = F.finding("a", .medium)
        _ = run.step(try F.event("A", "admission", at: "2026-11-01T08:00:00-05:00"), [a])
        var other = PolicyRun()
        let decision = other.step(
            try F.event("B", "admission", at: "2026-11-01T09:00:00-05:00", patient: "S-2"), [a])
        #expect(decision.opened.count == 1)
    }

    @Test("cancel_admission withdraws the open alerts the admission raised for that encounter, and only those")
    func cancelAdmission() throws {
        var run = PolicyRun()
        let admitted = run.step(
            try F.event("A", "admission", at: "2026-11-01T08:00:00-05:00"),
            [F.finding("a", .high, referral: "safety"), F.finding("b", .medium, referral: "social-needs")])
        let elsewhere = run.step(
            try F.event("X", "admission", at: "2026-11-01T09:00:00-05:00", encounter: "E-9"),
            [F.finding("c", .low, referral: "social-needs")])
        let cancel = run.step(
            try F.event("C", "cancel_admission", at: "2026-11-01T10:00:00-05:00"), [], now: "2026-11-01T15:05:00Z")
        #expect(Set(cancel.withdrawn.map(\.alertID)) == Set(admitted.opened.map(\.alertID)))
        for withdrawal in cancel.withdrawn {
            let record = try #require(JSONValue.parse(Array(withdrawal.record.utf8)))
            #expect(record["status"] == .string("withdrawn"))
            #expect(record["alert_id"] == .string(withdrawal.alertID))
            #expect(record["withdrawn_at"] == .string("2026-11-01T15:05:00Z"))
            #expect(record["withdrawn_by_event_id"] == .string("C"))
        }
        #expect(run.state.alerts.first { $0.alertID == elsewhere.opened[0].alertID }?.status == .open)
        #expect(run.state.alerts.filter { $0.status == .withdrawn }.count == 2)
        #expect(run.state.history.encounters.first { $0.encounterID == "E-1" }?.cancelled == true)
        // A second cancel finds nothing left to withdraw.
        let again = run.step(try F.event("D", "cancel_admission", at: "2026-11-01T11:00:00-05:00"), [])
        #expect(again.withdrawn.isEmpty)
    }

    @Test(
        "cancel_discharge withdraws the discharge's alerts, not the admission's; a withdrawn alert holds back nothing")
    func cancelDischarge() throws {
        var run = PolicyRun()
        let discharged = "2026-11-04T08:00:00-05:00"
        let admission = run.step(
            try F.event("A", "admission", at: "2026-11-01T08:00:00-05:00"), [F.finding("a", .medium)])
        let discharge = run.step(
            try F.event("B", "discharge", at: discharged, discharged: discharged),
            [F.finding("home-alone", .high, referral: "discharge-planning")])
        let cancel = run.step(try F.event("C", "cancel_discharge", at: "2026-11-04T09:00:00-05:00"), [])
        #expect(cancel.withdrawn.map(\.alertID) == discharge.opened.map(\.alertID))
        #expect(run.state.alerts.first { $0.alertID == admission.opened[0].alertID }?.status == .open)
        #expect(run.state.history.encounters.first?.dischargedAt == nil)
        // The real discharge later: the same finding opens a new alert (the withdrawn one does not count).
        let real = run.step(
            try F.event(
                "D", "discharge", at: "2026-11-06T08:00:00-05:00", discharged: "2026-11-06T08:00:00-05:00"),
            [F.finding("home-alone", .high, referral: "discharge-planning")])
        #expect(real.opened.count == 1)
        #expect(real.opened[0].supersedes.isEmpty)
    }

    @Test("closed and acknowledged alerts still hold back repeats; a worse finding still escalates past them")
    func closedAlertsCount() throws {
        var run = PolicyRun()
        let first = run.step(try F.event("A", "admission", at: "2026-11-01T08:00:00-05:00"), [F.finding("a", .medium)])
        run.state.alerts[0].status = .closed
        let repeatAfterClose = run.step(
            try F.event("B", "transfer", at: "2026-11-02T08:00:00-05:00"), [F.finding("a", .medium)])
        #expect(repeatAfterClose.repeats.map(\.alertID) == [first.opened[0].alertID])
        let worse = run.step(try F.event("C", "transfer", at: "2026-11-03T08:00:00-05:00"), [F.finding("a", .critical)])
        #expect(worse.opened.first?.supersedes == [first.opened[0].alertID])
    }

    @Test("the decision carries what the event says of its encounter, for the patient history")
    func encounterUpdate() throws {
        var run = PolicyRun()
        _ = run.step(try F.event("A", "admission", at: "2026-11-01T08:00:00-05:00"), [])
        let discharge = run.step(
            try F.event(
                "B", "discharge", at: "2026-11-04T08:00:00-05:00", discharged: "2026-11-04T08:00:00-05:00"), [])
        #expect(discharge.fact?.dischargedAt?.text == "2026-11-04T08:00:00-05:00")
        #expect(discharge.fact?.eventID == "B")
        #expect(run.state.history.encounters.count == 1)
        #expect(run.state.history.encounters.first?.lastEventID == "B")
    }

    // MARK: - Any arrival order

    @Test("an earlier event that arrives late joins the later alert within the window, instead of opening a second")
    func earlierArrivesLate() throws {
        var run = PolicyRun()
        let day: Double = 86_400
        let rule = { F.finding("social.food", .medium, referral: "social-needs", suppressFor: 3 * day) }
        let later = run.step(
            try F.event(
                "B", "registration", at: "2026-11-10T08:00:00-05:00", encounter: "E-2",
                admitted: "2026-11-10T08:00:00-05:00"),
            [rule()])
        let earlier = run.step(
            try F.event(
                "A", "registration", at: "2026-11-08T08:00:00-05:00", encounter: "E-1",
                admitted: "2026-11-08T08:00:00-05:00"),
            [rule()])
        #expect(earlier.opened.isEmpty)
        #expect(earlier.repeats.map(\.alertID) == [later.opened[0].alertID])
        #expect(earlier.repeats.map(\.eventID) == ["A"])
    }

    @Test("events further apart than the window are separate alerts, whichever arrives first")
    func outsideTheWindowEitherWay() throws {
        let day: Double = 86_400
        let rule = { F.finding("social.food", .medium, referral: "social-needs", suppressFor: 3 * day) }
        let a = try F.event(
            "A", "registration", at: "2026-11-01T08:00:00-05:00", encounter: "E-1",
            admitted: "2026-11-01T08:00:00-05:00")
        let b = try F.event(
            "B", "registration", at: "2026-11-20T08:00:00-05:00", encounter: "E-2",
            admitted: "2026-11-20T08:00:00-05:00")
        for order in [[a, b], [b, a]] {
            var run = PolicyRun()
            let decisions = order.map { run.step($0, [rule()]) }
            #expect(decisions.map(\.opened.count) == [1, 1], "\(order.map(\.eventID))")
            #expect(decisions.allSatisfy { $0.repeats.isEmpty })
        }
    }

    @Test("suppress_for 0s holds repeats to the same encounter, in either direction")
    func zeroWindow() throws {
        let rule = { F.finding("bounce", .high, referral: "discharge-planning", suppressFor: 0) }
        var run = PolicyRun()
        _ = run.step(
            try F.event(
                "B", "admission", at: "2026-11-10T08:00:00-05:00", encounter: "E-2",
                admitted: "2026-11-10T08:00:00-05:00"),
            [rule()])
        let sameDayOtherStay = run.step(
            try F.event(
                "A", "admission", at: "2026-11-10T07:00:00-05:00", encounter: "E-1",
                admitted: "2026-11-10T07:00:00-05:00"),
            [rule()])
        #expect(sameDayOtherStay.opened.count == 1)
        let sameStay = run.step(
            try F.event(
                "C", "transfer", at: "2026-11-09T08:00:00-05:00", encounter: "E-2",
                admitted: "2026-11-10T08:00:00-05:00"),
            [rule()])
        #expect(sameStay.opened.isEmpty && sameStay.repeats.count == 1)
    }

    @Test("a cancel that arrives before the event it cancels is remembered: the event, when it comes, opens nothing")
    func cancelFirst() throws {
        var run = PolicyRun()
        _ = run.step(try F.event("C", "cancel_admission", at: "2026-11-01T10:00:00-05:00"), [])
        let admission = run.step(
            try F.event("A", "admission", at: "2026-11-01T08:00:00-05:00"), [F.finding("a", .high, referral: "safety")])
        #expect(admission.opened.isEmpty)
        #expect(admission.findings.map(\.fate) == [.void(byEventID: "C")])
        // A discharge cancelled before it arrives, likewise.
        var other = PolicyRun()
        let discharged = "2026-11-04T08:00:00-05:00"
        _ = other.step(try F.event("X", "cancel_discharge", at: "2026-11-04T09:00:00-05:00"), [])
        let discharge = other.step(
            try F.event("D", "discharge", at: discharged, discharged: discharged),
            [F.finding("home-alone", .high, referral: "discharge-planning")])
        #expect(discharge.opened.isEmpty)
        #expect(other.state.history.encounters.first?.dischargedAt == nil)
        // The real discharge after the cancel counts.
        let real = other.step(
            try F.event("R", "discharge", at: "2026-11-05T08:00:00-05:00", discharged: "2026-11-05T08:00:00-05:00"),
            [F.finding("home-alone", .high, referral: "discharge-planning")])
        #expect(real.opened.count == 1)
    }

    @Test("cancel_admission voids every event of the stay that happened before it: the transfer's alert goes too")
    func cancelAdmissionVoidsTheStay() throws {
        var run = PolicyRun()
        // The transfer arrives first and opens the alert; the admission repeats it.
        let transfer = run.step(
            try F.event("T", "transfer", at: "2026-11-01T12:00:00-05:00"), [F.finding("a", .medium)])
        let admission = run.step(
            try F.event("A", "admission", at: "2026-11-01T08:00:00-05:00"), [F.finding("a", .medium)])
        #expect(admission.repeats.map(\.alertID) == [transfer.opened[0].alertID])
        let cancel = run.step(try F.event("C", "cancel_admission", at: "2026-11-01T13:00:00-05:00"), [])
        #expect(cancel.withdrawn.map(\.alertID) == [transfer.opened[0].alertID])
        #expect(cancel.opened.isEmpty)
        #expect(run.state.findings.allSatisfy { $0.fate == .void(byEventID: "C") })
        let record = try #require(JSONValue.parse(Array(cancel.withdrawn[0].record.utf8)))
        #expect(record["withdrawn_reason"] == .string("event C (cancel_admission) cancelled the event that raised it"))
    }

    @Test(
        "the repeats of a withdrawn alert are placed again: a readmission held against a cancelled discharge opens its own"
    )
    func repeatsOfAWithdrawnAlert() throws {
        var run = PolicyRun()
        let rule = { F.finding("risk", .high, referral: "discharge-planning", suppressFor: 30 * 86_400) }
        let discharge = run.step(
            try F.event(
                "D", "discharge", at: "2026-11-04T08:00:00-05:00", encounter: "E-1",
                discharged: "2026-11-04T08:00:00-05:00"), [rule()])
        let readmission = run.step(
            try F.event(
                "A2", "admission", at: "2026-11-10T08:00:00-05:00", encounter: "E-2",
                admitted: "2026-11-10T08:00:00-05:00"),
            [rule()])
        #expect(readmission.repeats.map(\.alertID) == [discharge.opened[0].alertID])
        let cancel = run.step(
            try F.event("C", "cancel_discharge", at: "2026-11-04T09:00:00-05:00", encounter: "E-1"), [])
        #expect(cancel.withdrawn.map(\.alertID) == [discharge.opened[0].alertID])
        #expect(cancel.opened.map(\.eventID) == ["A2"])
        #expect(cancel.redecided == ["A2"])
        #expect(run.state.findings.first { $0.eventID == "A2" }?.fate == .opened(alertID: cancel.opened[0].alertID))
    }

    @Test(
        "an event older than stale_after is recorded with its findings but opens no alert; a stale cancel still withdraws"
    )
    func staleEvents() throws {
        var run = PolicyRun(policy: AlertPolicy(staleAfter: 7 * 86_400))
        let now = "2026-11-20T12:00:00Z"
        let old = run.step(
            try F.event("OLD", "admission", at: "2026-11-01T08:00:00-05:00", encounter: "E-1"),
            [F.finding("a", .high, referral: "safety")], now: now)
        #expect(old.stale)
        #expect(old.opened.isEmpty)
        #expect(old.findings.map(\.fate) == [.stale])
        #expect(run.state.history.encounters.map(\.encounterID) == ["E-1"])
        // A recent event of the same stay opens its alert; the old cancel of the stay then withdraws it.
        let recent = run.step(
            try F.event("NEW", "transfer", at: "2026-11-19T08:00:00-05:00", encounter: "E-1"),
            [F.finding("a", .high, referral: "safety")], now: now)
        #expect(!recent.stale && recent.opened.count == 1)
        let cancel = run.step(
            try F.event("C", "cancel_admission", at: "2026-11-19T09:00:00-05:00", encounter: "E-1"), [], now: now)
        #expect(cancel.withdrawn.map(\.alertID) == recent.opened.map(\.alertID))
    }

    @Test("repeated planned cycles: one alert per rule per 30-day window, a rising priority escalates")
    func cycles() throws {
        var run = PolicyRun()
        let rule = { (priority: Priority) in
            F.finding("readmission.hospital-high", priority, referral: "discharge-planning", suppressFor: 30 * 86_400)
        }
        var opened: [String] = []
        // Six chemotherapy cycles, 25 days apart, each with a high HOSPITAL score at discharge.
        for cycle in 0..<6 {
            let day = 1 + cycle * 25
            let date = Timestamp(rfc3339: "2026-01-01T08:00:00-05:00")!.adding(seconds: Double(day) * 86_400).text
            let decision = run.step(
                try F.event(
                    "C\(cycle)", "discharge", at: date, encounter: "E-\(cycle)", admitted: date, discharged: date),
                [rule(.high)])
            opened += decision.opened.map(\.eventID)
        }
        // Days 1, 26, 51, 76, 101, 126: alerts on day 1, 51 (50 days on) and 101.
        #expect(opened == ["C0", "C2", "C4"])
        // Four days after the sixth, a critical finding: within 30 days of the day-101 alert, it escalates.
        let day130 = Timestamp(rfc3339: "2026-01-01T08:00:00-05:00")!.adding(seconds: 130 * 86_400).text
        let worse = run.step(
            try F.event("C6", "discharge", at: day130, encounter: "E-6", admitted: day130, discharged: day130),
            [rule(.critical)])
        #expect(worse.opened.first?.supersedes.count == 1)
    }
}
