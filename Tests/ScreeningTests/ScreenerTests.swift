import Alerts
import Events
import Foundation
import Rules
import Screening
import Testing

@Suite("The screener: rules and policy in one step, events decided again when history changes")
struct ScreenerTests {
    typealias F = ScreeningFixture
    private let day = 1440

    private func run() throws -> ScreeningRun {
        // No event is stale here (they span three weeks): this suite is about deciding again.
        ScreeningRun(
            screener: Screener(ruleSet: try F.ruleSet(), policy: AlertPolicy(staleAfter: nil)),
            now: F.base.adding(seconds: 40 * 86_400))
    }

    @Test(
        "a discharge that arrives after the readmission that followed it: the readmission is decided again, and the bounce-back fires"
    )
    func lateDischarge() throws {
        var run = try run()
        let discharge = try F.event(
            "D1", .discharge, patient: "S-1", encounter: "E-1", at: 10 * day, admitted: 7 * day, discharged: 10 * day)
        let readmission = try F.event(
            "A2", .admission, patient: "S-1", encounter: "E-2", at: 22 * day, admitted: 22 * day)
        let first = run.step(readmission)
        #expect(first.opened.isEmpty)
        let late = run.step(discharge)
        #expect(late.redecided == ["A2"])
        let bounce = try #require(late.opened.first)
        #expect(bounce.eventID == "A2")
        #expect(bounce.findings.map(\.ruleID) == ["bounce"])
        #expect(bounce.findings.first?.reason == "back 12 days after E-1")
        // The explanation is kept for the alert of the event decided again, too.
        #expect(late.explanations[bounce.alertID]?.contains("history.days_since_last_discharge") == true)
    }

    @Test("a cancelled discharge that arrives late retracts the bounce-back that relied on it, and withdraws its alert")
    func lateCancelRetracts() throws {
        var run = try run()
        run.step(
            try F.event(
                "D1", .discharge, patient: "S-1", encounter: "E-1", at: 10 * day, admitted: 7 * day,
                discharged: 10 * day))
        let readmission = run.step(
            try F.event("A2", .admission, patient: "S-1", encounter: "E-2", at: 22 * day, admitted: 22 * day))
        let alert = try #require(readmission.opened.first)
        let cancel = run.step(
            try F.event("C1", .cancelDischarge, patient: "S-1", encounter: "E-1", at: 10 * day + 60, admitted: 7 * day))
        #expect(cancel.withdrawn.map(\.alertID) == [alert.alertID])
        #expect(cancel.withdrawn.first?.reason == "its findings no longer hold after event C1")
        let state = try #require(run.states["S-1"])
        #expect(state.findings.first { $0.eventID == "A2" }?.fate == .retracted(byEventID: "C1"))
    }

    @Test("a finding that rises on re-decision is retracted at its old priority and placed at the new one")
    func rising() throws {
        var run = try run()
        // The readmission (strain 1: medium) opens its alerts; the earlier discharge arrives late.
        run.step(
            try F.event("A2", .admission, patient: "S-1", encounter: "E-2", at: 22 * day, admitted: 22 * day, strain: 1)
        )
        let late = run.step(
            try F.event(
                "D1", .discharge, patient: "S-1", encounter: "E-1", at: 20 * day, admitted: 17 * day,
                discharged: 20 * day, strain: 2))
        // D1's high strain opens an escalated alert over A2's medium one (two days apart).
        let strain = try #require(late.opened.first { $0.referral == "caregiver-support" })
        #expect(strain.eventID == "D1")
        #expect(strain.priority == .high)
        #expect(strain.supersedes.count == 1)
    }

    @Test(
        "the screener decides like the daemon: evaluate, then the policy, with the event's own evaluation in the decision"
    )
    func evaluationKept() throws {
        var run = try run()
        let decision = run.step(
            try F.event(
                "A1", .admission, patient: "S-1", encounter: "E-1", at: 1 * day, admitted: 1 * day, strain: 2,
                social: true))
        #expect(decision.evaluation?.findings.map(\.ruleID).sorted() == ["social", "strain"])
        #expect(decision.opened.map(\.referral).sorted() == ["caregiver-support", "social-needs"])
        #expect(decision.fact?.eventID == "A1")
    }
}
