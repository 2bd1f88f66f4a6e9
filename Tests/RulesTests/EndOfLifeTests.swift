import Events
import Foundation
import Rules
import Testing

@Suite("Deaths and planned admissions in the shipped rules")
struct EndOfLifeTests {
    /// A death in hospital, with a strained caregiver, homeless, LACE high: every rule would fire
    /// but for the death.
    private func death() throws -> Event { try discharge(to: "expired") }

    /// The same discharge to `disposition`.
    private func discharge(to disposition: String) throws -> Event {
        try RuleTestSupport.event { object in
            RuleTestSupport.set(&object, ["encounter", "discharge_disposition"], disposition)
            RuleTestSupport.set(&object, ["encounter", "admission_type"], "emergency")
            RuleTestSupport.set(&object, ["encounter", "admitted_at"], "2026-11-08T10:00:00-05:00")
            RuleTestSupport.set(&object, ["social", "housing"], "homeless")
            RuleTestSupport.set(
                &object, ["social", "caregiver"],
                [
                    "status": "available", "relationship": "wife", "age": 80,
                    "mcsi_items": Array(repeating: 2, count: 13),
                ])
            RuleTestSupport.set(&object, ["utilization", "ed_visits_6mo"], 4)
        }
    }

    @Test("a patient who died raises nothing from the shipped rules")
    func deathRaisesNothing() throws {
        let rules = try RuleTestSupport.shipped()
        #expect(rules.evaluate(try death(), now: RuleTestSupport.now).findings.isEmpty)
    }

    @Test("the same patient alive: the rules the death holds back all fire")
    func aliveTheyFire() throws {
        let rules = try RuleTestSupport.shipped()
        let alive = try discharge(to: "home")
        let fired = Set(rules.evaluate(alive, now: RuleTestSupport.now).findings.map(\.ruleID))
        #expect(
            fired.isSuperset(of: [
                "readmission.lace-high", "discharge-safety.homeless-at-discharge", "caregiver.strain-mcsi",
            ]))
    }

    @Test("bereavement support is shipped disabled; a site override turns it on, and it fires on a death only")
    func bereavementByOverride() throws {
        let site = FileManager.default.temporaryDirectory.appendingPathComponent("riskscreen-site-\(UUID())")
        try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: site) }
        try "overrides:\n  - { rule: end-of-life.bereavement-support, enabled: true }\n".write(
            to: site.appendingPathComponent("bereavement.yaml"), atomically: true, encoding: .utf8)
        let shipped = try RuleTestSupport.shipped()
        #expect(shipped.rules.first { $0.id == "end-of-life.bereavement-support" }?.enabled == false)
        let result = RuleSetLoader().load(paths: [RuleTestSupport.shippedRules, site.path])
        let rules = try #require(result.ruleSet)
        let findings = rules.evaluate(try death(), now: RuleTestSupport.now).findings
        #expect(findings.map(\.ruleID) == ["end-of-life.bereavement-support"])
        #expect(findings.first?.referral == "caregiver-support")
        #expect(findings.first?.reason == "Died during encounter E-1; caregiver recorded: wife (available)")
        let alive = try RuleTestSupport.event()
        #expect(
            !rules.evaluate(alive, now: RuleTestSupport.now).findings.contains { $0.ruleID.hasPrefix("end-of-life") })
    }
}
