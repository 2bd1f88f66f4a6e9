import Events
import Foundation
import Rules
import Testing

@Suite("Rules that read the patient history")
struct HistoryFieldTests {
    private let rules = """
        rules:
          - id: bounce
            title: Back soon
            category: readmission
            when: history.days_since_last_discharge <= 30
            priority: high
            referral: discharge-planning
            reason: "{history.days_since_last_discharge} days after {history.last_discharge.encounter_id} ({history.last_discharge.disposition}); {history.admissions_365d} admissions, {history.ed_visits_30d} ED visits"
        """

    /// A history with one discharge home from E-OLD on 2026-11-08, and one ED visit on 2026-11-15.
    private func history() throws -> PatientHistory {
        let time = { (text: String) throws -> Timestamp in try #require(Timestamp(rfc3339: text)) }
        return PatientHistory(
            patientID: "S-1",
            facts: [
                EncounterFact(
                    eventID: "OLD-2", eventType: .discharge, occurredAt: try time("2026-11-08T10:00:00-05:00"),
                    encounterID: "E-OLD", encounterClass: .inpatient, admittedAt: try time("2026-11-03T10:00:00-05:00"),
                    dischargedAt: try time("2026-11-08T10:00:00-05:00"), disposition: .home),
                EncounterFact(
                    eventID: "ED-1", eventType: .discharge, occurredAt: try time("2026-11-15T14:00:00-05:00"),
                    encounterID: "E-ED", encounterClass: .emergency, admittedAt: try time("2026-11-15T10:00:00-05:00"),
                    dischargedAt: try time("2026-11-15T14:00:00-05:00")),
            ])
    }

    @Test("history fields read what the state saw; the reason names the earlier encounter")
    func readsHistory() throws {
        let ruleSet = try RuleTestSupport.ruleSet(rules)
        // The test event: admitted 2026-11-20. The ED visit ended later, but a stay's discharge counts.
        let evaluation = ruleSet.evaluate(try RuleTestSupport.event(), now: RuleTestSupport.now, history: try history())
        #expect(evaluation.findings.map(\.ruleID) == ["bounce"])
        #expect(evaluation.findings.first?.reason == "12 days after E-OLD (home); 1 admissions, 1 ED visits")
    }

    @Test("without a state, every history field is missing and the rule does not fire")
    func missingWithoutState() throws {
        let ruleSet = try RuleTestSupport.ruleSet(rules)
        #expect(ruleSet.evaluate(try RuleTestSupport.event(), now: RuleTestSupport.now).findings.isEmpty)
        // A patient the state has never seen: nothing to count from, still no discharge to be back from.
        let empty = PatientHistory(patientID: "S-1")
        #expect(
            ruleSet.evaluate(try RuleTestSupport.event(), now: RuleTestSupport.now, history: empty).findings.isEmpty)
    }

    @Test("the checker knows the history fields and suggests them")
    func checked() throws {
        let result = RuleTestSupport.load(
            """
            rules:
              - { id: r, title: T, category: c, when: "history.days_since_last_dischrage < 30", priority: low, referral: x }
            """)
        #expect(result.ruleSet == nil)
        #expect(result.diagnostics.map(\.description).joined().contains("history.days_since_last_discharge"))
    }
}
