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
        #expect(run.state.alerts.first { $0.alertID == elsewhere.opened[0].alertID }?.status == "open")
        #expect(run.state.alerts.filter { $0.status == "withdrawn" }.count == 2)
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
        #expect(run.state.alerts.first { $0.alertID == admission.opened[0].alertID }?.status == "open")
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
        run.state.alerts[0].status = "closed"
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
}
