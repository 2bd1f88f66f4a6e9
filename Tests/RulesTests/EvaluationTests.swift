import Events
import Foundation
import Testing

@testable import Rules

@Suite("Evaluating expressions: missing data, collections, time, overrides")
struct EvaluationTests {
    /// A rule set with one rule `r` whose condition is `when`.
    private func fires(_ when: String, extra: String = "", _ change: (inout [String: Any]) -> Void = { _ in }) throws
        -> Bool
    {
        let rules = try RuleTestSupport.ruleSet(
            """
            rules:
              - id: r
                title: T
                category: c
                when: \(when)
                priority: high
                referral: x
            \(extra)
            """)
        return rules.fired(try RuleTestSupport.event(change)) == ["r"]
    }

    @Test("a comparison with a missing value is false, whichever the operator")
    func missingComparesFalse() throws {
        for op in ["==", "!=", "<", "<=", ">", ">="] {
            #expect(try !fires("social.caregiver.age \(op) 75"), "\(op)")
        }
        #expect(try fires("not (social.caregiver.age >= 75)"))
    }

    @Test("has() says whether a value is there")
    func presence() throws {
        #expect(try !fires("has(social.caregiver.age)"))
        #expect(
            try fires("has(social.caregiver.age)") { RuleTestSupport.set(&$0, ["social", "caregiver", "age"], 80) })
        #expect(try fires("not has(extensions.site.flag)"))
    }

    @Test("a missing boolean field is not true, and not false either")
    func missingBooleans() throws {
        #expect(try !fires("social.lives_alone"))
        #expect(try !fires("social.lives_alone == false"))
        #expect(
            try fires("social.lives_alone == false") { RuleTestSupport.set(&$0, ["social", "lives_alone"], false) })
    }

    @Test("arithmetic with a missing value is missing, so comparing it is false; so is dividing by zero")
    func missingArithmetic() throws {
        #expect(try !fires("utilization.ed_visits_6mo + 1 > 0"))
        #expect(try !fires("age / 0 > 1"))
        #expect(try fires("age * 2 > 100"))  // born 1950: 76
    }

    @Test("any, all, count, sum, min and max over collections")
    func collections() throws {
        let meds: (inout [String: Any]) -> Void = {
            $0["medications"] = [
                ["name": "a", "status": "new", "monthly_out_of_pocket_usd": 610],
                ["name": "b", "status": "continued", "monthly_out_of_pocket_usd": 4],
                ["name": "c", "status": "new"],
            ]
        }
        #expect(try fires("any(medications, status == \"new\" and monthly_out_of_pocket_usd > 600)", meds))
        #expect(try !fires("all(medications, status == \"new\")", meds))
        #expect(try fires("count(medications, status == \"new\") == 2", meds))
        #expect(try fires("sum(medications, monthly_out_of_pocket_usd) == 614", meds))
        #expect(try fires("sum(medications, monthly_out_of_pocket_usd, status == \"new\") == 610", meds))
        #expect(
            try fires(
                "min(medications, monthly_out_of_pocket_usd) == 4 and max(medications, monthly_out_of_pocket_usd) == 610",
                meds))
        #expect(try fires("min(3, 5, age) == 3"))
    }

    @Test("over an empty collection: any is false, all is true, count and sum are 0, min is missing")
    func emptyCollections() throws {
        #expect(try !fires("any(diagnoses, code == \"I509\")"))
        #expect(try fires("all(diagnoses, code == \"I509\")"))
        #expect(try fires("count(labs) == 0 and sum(labs, value) == 0"))
        #expect(try !fires("has(age) and min(labs, value) < 1000"))
    }

    @Test("diagnosis codes are matched against code sets without dots or case")
    func codesInSets() throws {
        let extra = "lists:\n  heart_failure:\n    codes: [I50*, I11.0]"
        let diagnoses: (String) -> (inout [String: Any]) -> Void = { code in
            { $0["diagnoses"] = [["code": code, "system": "icd10"]] }
        }
        #expect(try fires("any(diagnoses, code in heart_failure)", extra: extra, diagnoses("i50.23")))
        #expect(try fires("any(diagnoses, code in heart_failure)", extra: extra, diagnoses("I110")))
        #expect(try !fires("any(diagnoses, code in heart_failure)", extra: extra, diagnoses("I11.9")))
        #expect(try fires("any(diagnoses, code == \"I5023\")", diagnoses("I50.23")))
    }

    @Test("code sets that cannot be tabled (wide ranges, long codes) still match diagnoses, and so does negation")
    func untabledCodeSets() throws {
        let extra =
            "lists:\n  wide:\n    codes: [A0-Z9]\n  long:\n    codes: [ABCDEFGHIJK]\n  heart:\n    codes: [I50*]"
        let diagnoses: (inout [String: Any]) -> Void = {
            $0["diagnoses"] = [["code": "M05.79", "system": "icd10"], ["code": "abcdefghijk", "system": "icd10"]]
        }
        #expect(try fires("any(diagnoses, code in wide) and any(diagnoses, code in long)", extra: extra, diagnoses))
        #expect(
            try fires(
                "not any(diagnoses, code in heart) and any(diagnoses, code not in heart)", extra: extra, diagnoses))
    }

    @Test("extensions are typed when evaluated: a number compares, text does not")
    func extensions() throws {
        #expect(try fires("extensions.site.fall_risk > 10") { $0["extensions"] = ["site": ["fall_risk": 18]] })
        #expect(try !fires("extensions.site.fall_risk > 10") { $0["extensions"] = ["site": ["fall_risk": "high"]] })
        #expect(try !fires("extensions.site.fall_risk > 10"))
    }

    @Test("durations, date-times and calendar days")
    func time() throws {
        #expect(try fires("encounter.discharged_at - encounter.admitted_at >= 2d"))
        #expect(try !fires("encounter.discharged_at - encounter.admitted_at > 48h"))
        #expect(
            try fires("days_since(utilization.last_discharge_at) == 30") {
                $0["utilization"] = ["last_discharge_at": "2026-10-23T23:30:00-04:00"]
            })
        #expect(try fires("days_between(encounter.admitted_at, encounter.discharged_at) == length_of_stay"))
        #expect(try fires("patient.birth_date < date(\"1951-01-01\")"))
    }

    @Test("lab() reads the latest value of a LOINC code; answer() the latest answer to a question")
    func labsAndAnswers() throws {
        let change: (inout [String: Any]) -> Void = {
            $0["labs"] = [
                ["loinc": "718-7", "value": 11.9, "observed_at": "2026-11-22T06:00:00-05:00"],
                ["loinc": "718-7", "value": 12.5, "observed_at": "2026-11-21T06:00:00-05:00"],
            ]
            $0["social"] = ["screenings": [["question": "71802-3", "answer_code": "LA31995-6"]]]
        }
        #expect(try fires("lab(\"718-7\") < 12", change))
        #expect(try fires("answer(\"71802-3\") == \"LA31995-6\"", change))
        #expect(try !fires("lab(\"2951-2\") < 135", change))
    }

    @Test("a rule fires only on the event types it names")
    func eventTypes() throws {
        let rules = try RuleTestSupport.ruleSet(
            """
            rules:
              - { id: r, title: T, category: c, when: "true", priority: low, referral: x, events: [admission] }
            """)
        #expect(rules.fired(try RuleTestSupport.event()) == [])
        #expect(rules.fired(try RuleTestSupport.event { $0["event_type"] = "admission" }) == ["r"])
    }

    @Test("an escalation raises the priority when its condition holds, and never lowers it")
    func escalation() throws {
        let rules = try RuleTestSupport.ruleSet(
            """
            rules:
              - id: r
                title: T
                category: c
                when: "true"
                priority: medium
                escalate:
                  - { when: "age >= 90", priority: critical }
                  - { when: "age >= 70", priority: high }
                referral: x
            """)
        let seventySix = rules.evaluate(try RuleTestSupport.event(), now: RuleTestSupport.now).findings
        #expect(seventySix.map(\.priority) == [.high])
        #expect(seventySix.map(\.basePriority) == [.medium])
        let young = rules.evaluate(
            try RuleTestSupport.event { RuleTestSupport.set(&$0, ["patient", "birth_date"], "2000-01-01") },
            now: RuleTestSupport.now)
        #expect(young.findings.map(\.priority) == [.medium])
    }

    @Test("a reason fills in values, and says unknown for missing ones")
    func reasons() throws {
        let rules = try RuleTestSupport.ruleSet(
            """
            rules:
              - id: r
                title: T
                category: c
                when: "true"
                priority: low
                referral: x
                reason: "Age {age}, stay {length_of_stay} d, caregiver {social.caregiver.status}, {count(diagnoses)} codes"
            """)
        #expect(
            rules.evaluate(try RuleTestSupport.event(), now: RuleTestSupport.now).findings.first?.reason
                == "Age 76, stay 2 d, caregiver unknown, 0 codes")
    }

    @Test("overrides change a rule's params, priority, referral, enabled and add a condition, without copying it")
    func overrides() throws {
        let shipped = """
            rules:
              - id: r
                title: T
                category: c
                params: { min_age: 65 }
                when: age >= param.min_age
                priority: medium
                referral: caregiver-support
            """
        let site = """
            overrides:
              - rule: r
                params: { min_age: 80 }
                priority: high
                referral: social-work-north
            """
        let event = try RuleTestSupport.event()  // age 76
        #expect(try RuleTestSupport.ruleSet(shipped).fired(event) == ["r"])
        #expect(try RuleTestSupport.ruleSet(shipped, site).fired(event) == [])
        let lowered = try RuleTestSupport.ruleSet(
            shipped, "overrides:\n  - { rule: r, params: { min_age: 70 }, priority: high, referral: social-work-north }"
        )
        let finding = lowered.evaluate(event, now: RuleTestSupport.now).findings.first
        #expect(finding?.priority == .high)
        #expect(finding?.referral == "social-work-north")
        #expect(try RuleTestSupport.ruleSet(shipped, "overrides:\n  - { rule: r, enabled: false }").fired(event) == [])
        #expect(
            try RuleTestSupport.ruleSet(shipped, "overrides:\n  - { rule: r, when_also: \"social.lives_alone\" }")
                .fired(event) == [])
    }

    @Test("an override of a rule that does not exist, or of a parameter it lacks, is an error")
    func badOverrides() {
        let shipped =
            "rules:\n  - { id: rule.one, title: T, category: c, when: \"true\", priority: low, referral: x, params: { n: 1 } }"
        let unknownRule = RuleTestSupport.load(shipped, "overrides:\n  - rule: rule.onee\n    enabled: false")
        #expect(
            RuleTestSupport.problems(unknownRule) == [
                "2:11: error: override of the rule \"rule.onee\", which does not exist (did you mean \"rule.one\"?)"
            ])
        let unknownParam = RuleTestSupport.load(shipped, "overrides:\n  - rule: rule.one\n    params: { m: 2 }")
        #expect(RuleTestSupport.problems(unknownParam).first?.contains("has no parameter \"m\"") == true)
        let wrongKind = RuleTestSupport.load(shipped, "overrides:\n  - rule: rule.one\n    params: { n: many }")
        #expect(RuleTestSupport.problems(wrongKind).first?.contains("of another kind") == true)
    }

    @Test("explain records each sub-expression's value, and shows missing ones as missing")
    func explain() throws {
        let rules = try RuleTestSupport.ruleSet(
            """
            rules:
              - id: r
                title: T
                category: c
                when: age >= 65 and social.caregiver.age >= 75
                priority: low
                referral: x
            """)
        let (evaluation, explanations) = rules.explain(try RuleTestSupport.event(), now: RuleTestSupport.now)
        #expect(evaluation.findings.isEmpty)
        #expect(explanations.first?.outcome == .notFired)
        let steps = explanations.first?.conditions.first?.steps.map { "\($0.depth) \($0.text) = \($0.value)" }
        #expect(
            steps == [
                "0 age >= 65 and social.caregiver.age >= 75 = false", "1 age >= 65 = true", "2 age = 76",
                "1 social.caregiver.age >= 75 = false", "2 social.caregiver.age = missing",
            ])
    }

    @Test("a condition written over several lines is explained on one line; a one-line one as written")
    func explanationLines() throws {
        let rules = try RuleTestSupport.ruleSet(
            """
            rules:
              - id: r
                title: T
                category: c
                when: |
                  age >= 65
                    and  age < 120
                priority: low
                referral: x
            """)
        let (_, explanations) = rules.explain(try RuleTestSupport.event(), now: RuleTestSupport.now)
        let lines = ExplanationText.ruleLines(try #require(explanations.first))
        #expect(lines.first == "   ✔ r: FIRED (low)")
        #expect(lines.dropFirst().first?.hasSuffix(": age >= 65 and  age < 120 → true") == true)
        #expect(lines.contains("         age >= 65 = true"))
        #expect(lines.contains("         age < 120 = true"))
    }

    @Test("explaining and evaluating agree on every sample with the shipped rules")
    func explainAgrees() throws {
        let rules = try RuleTestSupport.shipped()
        let samples = RuleTestSupport.packageRoot.appendingPathComponent("samples")
        let names = try FileManager.default.contentsOfDirectory(atPath: samples.path).filter { $0.hasSuffix(".json") }
        #expect(names.count >= 15)
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: samples.appendingPathComponent(name)))
            let event = try EventDecoder().decode(bytes)
            let plain = rules.evaluate(event, now: RuleTestSupport.now)
            let (explained, _) = rules.explain(event, now: RuleTestSupport.now)
            #expect(plain.findings == explained.findings, "\(name)")
            #expect(plain.scores == explained.scores, "\(name)")
        }
    }
}
