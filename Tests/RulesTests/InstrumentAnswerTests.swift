import Events
import Foundation
import Rules
import Testing

/// The published answer lists of the AHC HRSN core questions and the HITS items, as
/// `../shared/clinical/INSTRUMENTS.md` tables them: question → answers → positive or not. The
/// shipped rules and the catalog are held to this table, so a wrong code cannot come back.
enum PublishedAnswers {
    struct Question {
        var code: String
        /// The rule that fires when an answer is positive.
        var rule: String
        var answers: [(code: String, positive: Bool)]
    }

    static let food: [(code: String, positive: Bool)] = [("LA28397-0", true), ("LA6729-3", true), ("LA28398-8", false)]

    static let questions: [Question] = [
        Question(
            code: "71802-3", rule: "social-needs.housing-instability",
            answers: [("LA31993-1", false), ("LA31994-9", true), ("LA31995-6", true)]),
        Question(
            code: "96778-6", rule: "social-needs.housing-quality",
            answers: [
                ("LA31996-4", true), ("LA28580-1", true), ("LA31997-2", true), ("LA31998-0", true),
                ("LA31999-8", true), ("LA32000-4", true), ("LA32001-2", true), ("LA9-3", false),
            ]),
        Question(code: "88122-7", rule: "social-needs.food-insecurity", answers: food),
        Question(code: "88123-5", rule: "social-needs.food-insecurity", answers: food),
        Question(code: "93030-5", rule: "social-needs.transportation", answers: [("LA33-6", true), ("LA32-8", false)]),
        Question(
            code: "96779-4", rule: "social-needs.utilities",
            answers: [("LA33-6", true), ("LA32-8", false), ("LA32002-0", true)]),
        // "Physically hurt" rarely or more: positive on its own (local policy, as INSTRUMENTS.md allows).
        Question(
            code: "95618-5", rule: "safety.interpersonal-violence",
            answers: [
                ("LA6270-8", false), ("LA10066-1", true), ("LA10082-8", true), ("LA16644-9", true), ("LA6482-9", true),
            ]),
    ]

    /// HITS answer codes and their points, for every item.
    static let hitsPoints: [(code: String, points: Double)] = [
        ("LA6270-8", 1), ("LA10066-1", 2), ("LA10082-8", 3), ("LA16644-9", 4), ("LA6482-9", 5),
    ]
    static let hitsItems = ["95618-5", "95617-7", "95616-9", "95615-1"]
}

@Suite("Screening answers read as the instruments define them")
struct InstrumentAnswerTests {
    private func admission(_ answers: [[String: Any]]) throws -> Event {
        try RuleTestSupport.event { object in
            object["event_type"] = "admission"
            RuleTestSupport.set(&object, ["encounter", "discharged_at"], nil)
            RuleTestSupport.set(&object, ["social", "screenings"], answers)
        }
    }

    @Test("every published answer of every question fires its rule exactly when the table says it is positive")
    func publishedAnswers() throws {
        let rules = try RuleTestSupport.shipped()
        for question in PublishedAnswers.questions {
            for answer in question.answers {
                let event = try admission([
                    [
                        "instrument": "ahc-hrsn", "question": question.code, "answer_code": answer.code,
                        "answered_at": "2026-11-20T10:00:00-05:00",
                    ]
                ])
                let evaluation = rules.evaluate(event, now: RuleTestSupport.now)
                let fired = evaluation.findings.contains { $0.ruleID == question.rule }
                #expect(fired == answer.positive, "\(question.code) \(answer.code): fired \(fired)")
                #expect(evaluation.warnings.isEmpty, "\(question.code) \(answer.code): \(evaluation.warnings)")
            }
        }
    }

    @Test(
        "an answer code from another question's list is neither positive nor negative: nothing fires, a warning says why"
    )
    func foreignCodes() throws {
        let rules = try RuleTestSupport.shipped()
        let allCodes = Set(PublishedAnswers.questions.flatMap { $0.answers.map(\.code) } + ["LA30122-8", "LA4489-6"])
        for question in PublishedAnswers.questions {
            let own = Set(question.answers.map(\.code))
            for code in allCodes.subtracting(own).sorted() {
                let event = try admission([["question": question.code, "answer_code": code]])
                let evaluation = rules.evaluate(event, now: RuleTestSupport.now)
                #expect(!evaluation.findings.contains { $0.ruleID == question.rule }, "\(question.code) \(code)")
                #expect(
                    evaluation.warnings == [
                        "screening answer \(code) is not an answer of \(question.code) (\(ScreeningCatalog.questions[question.code]?.name ?? "?")); its answers are \(question.answers.map(\.code).joined(separator: ", ")): it counts as neither positive nor negative"
                    ], "\(question.code) \(code)")
            }
        }
    }

    @Test("the catalog's answer lists are the published ones, HITS with its points")
    func catalog() throws {
        for question in PublishedAnswers.questions {
            let entry = try #require(ScreeningCatalog.questions[question.code])
            #expect(entry.answers.map(\.code) == question.answers.map(\.code), "\(question.code)")
        }
        for item in PublishedAnswers.hitsItems {
            let entry = try #require(ScreeningCatalog.questions[item])
            #expect(entry.answers.map(\.code) == PublishedAnswers.hitsPoints.map(\.code))
            #expect(entry.answers.map(\.score) == PublishedAnswers.hitsPoints.map(\.points))
        }
        #expect(
            Set(ScreeningCatalog.questions.keys)
                == Set(PublishedAnswers.questions.map(\.code) + PublishedAnswers.hitsItems + ["95614-4"]))
    }

    @Test("a finding of a rule that reads screenings carries the event's data problems in its record")
    func warningsInTheFinding() throws {
        let rules = try RuleTestSupport.shipped()
        let event = try admission([
            ["question": "88122-7", "answer_code": "LA6729-3"], ["question": "96778-6", "answer_code": "LA30122-8"],
        ])
        let evaluation = rules.evaluate(event, now: RuleTestSupport.now)
        let food = try #require(evaluation.findings.first { $0.ruleID == "social-needs.food-insecurity" })
        #expect(food.warnings.count == 1)
        #expect(food.warnings.first?.hasPrefix("screening answer LA30122-8 is not an answer of 96778-6") == true)
        // And explain says so first.
        let (explained, explanations) = rules.explain(event, now: RuleTestSupport.now)
        let text = ExplanationText.text(event: event, evaluation: explained, explanations: explanations, file: "e.json")
        #expect(
            text.split(separator: "\n").dropFirst().first?.hasPrefix("   warning: screening answer LA30122-8") == true)
    }

    @Test("a number outside an item's range counts for nothing and is reported")
    func outOfRange() throws {
        let rules = try RuleTestSupport.shipped()
        let event = try admission([
            ["question": "95618-5", "answer_value": 7], ["question": "95617-7", "answer_value": 5],
        ])
        let evaluation = rules.evaluate(event, now: RuleTestSupport.now)
        #expect(evaluation.findings.isEmpty)
        #expect(evaluation.warnings.first?.contains("outside 1–5") == true)
        // The 7 counts for nothing: the items sum to 4, not 11 (which would fire), and "physically
        // hurt" is not taken as above never.
        let items = try admission([
            ["question": "95618-5", "answer_value": 7], ["question": "95617-7", "answer_value": 1],
            ["question": "95616-9", "answer_value": 1], ["question": "95615-1", "answer_value": 2],
        ])
        #expect(rules.evaluate(items, now: RuleTestSupport.now).findings.isEmpty)
        let counted = try admission([
            ["question": "95618-5", "answer_value": 5], ["question": "95617-7", "answer_value": 1],
            ["question": "95616-9", "answer_value": 1], ["question": "95615-1", "answer_value": 2],
        ])
        #expect(
            rules.evaluate(counted, now: RuleTestSupport.now).findings.map(\.ruleID) == [
                "safety.interpersonal-violence"
            ])
    }
}
