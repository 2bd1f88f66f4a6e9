import Events
import Foundation
import Rules
import Testing

@Suite("The rule language for screenings: the answers that count, one screening at a time, answers in words")
struct ScreeningLanguageTests {
    private func event(_ answers: [[String: Any]]) throws -> Event {
        try RuleTestSupport.event { object in RuleTestSupport.set(&object, ["social", "screenings"], answers) }
    }

    private func rule(_ when: String, reason: String = "r") -> String {
        """
        lists:
          items: [Q1, Q2]
        rules:
          - { id: r, title: T, category: c, when: '\(when)', priority: low, referral: x, reason: '\(reason)' }
        """
    }

    /// The reason of rule `r` for `event`, or nil when it does not fire.
    private func reason(_ rules: RuleSet, _ event: Event) -> String? {
        rules.evaluate(event, now: RuleTestSupport.now).findings.first?.reason
    }

    @Test(
        "latest_screenings holds, for each question, its answers at its latest answered_at; undated ones only when nothing is dated"
    )
    func latestPerQuestion() throws {
        let rules = try RuleTestSupport.ruleSet(
            rule("count(latest_screenings) >= 0", reason: "{count(latest_screenings)} {count(screenings)}"))
        let answers: [[String: Any]] = [
            ["question": "A", "answer_code": "old", "answered_at": "2026-11-01T10:00:00Z"],
            ["question": "A", "answer_code": "new1", "answered_at": "2026-11-10T10:00:00Z"],
            ["question": "A", "answer_code": "new2", "answered_at": "2026-11-10T10:00:00Z"],
            ["question": "A", "answer_code": "undated"],
            ["question": "B", "answer_code": "undated"],
            ["question": "C", "answer_code": "c", "answered_at": "2026-10-01T10:00:00Z"],
        ]
        // A: the two of 10 November; B: its undated answer; C: its only one.
        #expect(reason(rules, try event(answers)) == "4 6")
        // The same answers for eight sets of questions (48 answers, past the few an event usually
        // holds, where the answers are told apart another way): the same 4 of each 6.
        let many = (0..<8).flatMap { set in
            answers.map { answer -> [String: Any] in
                var copy = answer
                copy["question"] = "\(answer["question"]!)\(set)"
                return copy
            }
        }
        #expect(reason(rules, try event(many)) == "32 48")
    }

    @Test("latest_screening(CONDITION) is the most recent screening holding such an answer: one instrument at one time")
    func oneScreening() throws {
        let rules = try RuleTestSupport.ruleSet(
            rule(
                "sum(latest_screening(question in items), answer_value) > 0",
                reason: "{sum(latest_screening(question in items), answer_value)}"))
        let answers: [[String: Any]] = [
            ["instrument": "ahc-hrsn", "question": "Q1", "answer_value": 4, "answered_at": "2026-11-01T10:00:00Z"],
            ["instrument": "ahc-hrsn", "question": "Q2", "answer_value": 4, "answered_at": "2026-11-01T10:00:00Z"],
            ["instrument": "ahc-hrsn", "question": "Q1", "answer_value": 1, "answered_at": "2026-11-09T10:00:00Z"],
            ["instrument": "ahc-hrsn", "question": "Q2", "answer_value": 2, "answered_at": "2026-11-09T10:00:00Z"],
            // A later screening of another instrument at another time, without Q1 or Q2: not it.
            ["instrument": "prapare", "question": "P", "answer_value": 9, "answered_at": "2026-11-20T10:00:00Z"],
        ]
        #expect(reason(rules, try event(answers)) == "3")
        // No answer meets the condition: an empty view, whose sum is 0.
        #expect(reason(rules, try event([["question": "P", "answer_value": 1]])) == nil)
    }

    @Test("answer_text gives every answer that counts in words; answer_score the points of a code or the number sent")
    func wordsAndPoints() throws {
        let rules = try RuleTestSupport.ruleSet(
            rule(
                "count(screenings) > 0",
                reason:
                    "{answer_text(\"96778-6\")} / {answer_text(\"88122-7\")} / {sum(latest_screenings, answer_score, question == \"95618-5\")} / {answer_text(\"X-1\")}"
            ))
        let answers: [[String: Any]] = [
            ["question": "96778-6", "answer_code": "LA31996-4", "answered_at": "2026-11-01T10:00:00Z"],
            ["question": "96778-6", "answer_code": "LA28580-1", "answered_at": "2026-11-02T10:00:00Z"],
            ["question": "96778-6", "answer_code": "LA32001-2", "answered_at": "2026-11-02T10:00:00Z"],
            ["question": "88122-7", "answer_code": "LA28397-0"],
            ["question": "95618-5", "answer_code": "LA16644-9"],
            ["question": "X-1", "answer_value": "free text"],
        ]
        #expect(reason(rules, try event(answers)) == "mold, water leaks / often true / 4 / free text")
    }

    @Test("coalesce gives the first value that is not missing")
    func coalesce() throws {
        let rules = try RuleTestSupport.ruleSet(
            rule("coalesce(social.caregiver.age, age, 0) > 0", reason: "{coalesce(social.caregiver.age, age)}"))
        #expect(reason(rules, try RuleTestSupport.event()) == "76")  // born 1950-06-15, the patient's age
        let withCaregiver = try RuleTestSupport.event { RuleTestSupport.set(&$0, ["social", "caregiver", "age"], 58) }
        #expect(reason(rules, withCaregiver) == "58")
    }

    @Test("a condition may be a number or text, used by its name")
    func namedValues() throws {
        let rules = try RuleTestSupport.ruleSet(
            """
            conditions:
              double_age: age * 2
            rules:
              - { id: r, title: T, category: c, when: double_age > 100, priority: low, referral: x, reason: "{double_age}" }
            """)
        #expect(reason(rules, try RuleTestSupport.event()) == "152")
    }

    @Test("the checker: latest_screening is a collection, coalesce takes values of one type")
    func checked() throws {
        let misuse = RuleTestSupport.load(rule("latest_screening(question == \"A\")"))
        #expect(misuse.ruleSet == nil)
        #expect(
            RuleTestSupport.problems(misuse).contains {
                $0.contains(
                    "latest_screening(CONDITION) is a collection: use it inside any, all, count, sum, min or max")
            })
        let mixed = RuleTestSupport.load(rule("coalesce(age, \"old\") == 1"))
        #expect(RuleTestSupport.problems(mixed).contains { $0.contains("coalesce needs values of one type") })
        let unknownField = RuleTestSupport.load(rule("any(latest_screenings, answer_cod == \"x\")"))
        #expect(RuleTestSupport.problems(unknownField).contains { $0.contains("did you mean \"answer_code\"") })
    }

    @Test("a rule that reads screenings through a named condition still carries the event's data problems")
    func warningsThroughConditions() throws {
        let rules = try RuleTestSupport.shipped()
        let event = try event([
            ["question": "95614-4", "answer_value": 15], ["question": "95618-5", "answer_code": "LA4489-6"],
        ])
        let finding = try #require(rules.evaluate(event, now: RuleTestSupport.now).findings.first)
        #expect(finding.ruleID == "safety.interpersonal-violence")
        #expect(finding.warnings.first?.hasPrefix("screening answer LA4489-6 is not an answer of 95618-5") == true)
        // A rule that reads no screening does not carry them.
        let discharge = try RuleTestSupport.event { object in
            RuleTestSupport.set(&object, ["social", "housing"], "homeless")
            RuleTestSupport.set(
                &object, ["social", "screenings"], [["question": "95618-5", "answer_code": "LA4489-6"]])
        }
        let homeless = try #require(
            rules.evaluate(discharge, now: RuleTestSupport.now).findings.first {
                $0.ruleID == "discharge-safety.homeless-at-discharge"
            })
        #expect(homeless.warnings.isEmpty)
    }
}
