import Foundation
import Testing

@testable import Rules

@Suite("Checking rule files before they run")
struct CheckerTests {
    private func rule(when: String, extra: String = "") -> String {
        """
        rules:
          - id: r1
            title: T
            category: c
            when: \(when)
            priority: high
            referral: x
        \(extra)
        """
    }

    @Test("a clean rule loads with no diagnostics")
    func clean() {
        let result = RuleTestSupport.load(rule(when: "social.housing == \"homeless\""))
        #expect(result.ruleSet != nil)
        #expect(result.diagnostics.isEmpty)
    }

    @Test("an unknown field is an error at its column, with a suggestion")
    func unknownField() {
        let result = RuleTestSupport.load(rule(when: "social.houseing == \"homeless\""))
        #expect(result.ruleSet == nil)
        #expect(
            RuleTestSupport.problems(result) == [
                "5:11: error: unknown field or name \"social.houseing\" (did you mean \"social.housing\"?)"
            ])
    }

    @Test("comparing a field with a value of another type is an error")
    func typeMismatch() {
        let result = RuleTestSupport.load(rule(when: "age >= \"old\""))
        #expect(RuleTestSupport.problems(result) == ["5:11: error: cannot compare a number with text"])
    }

    @Test("a literal that an enum field never holds is an error, with a suggestion")
    func enumLiteral() {
        let result = RuleTestSupport.load(rule(when: "encounter.discharge_disposition == \"hom\""))
        #expect(
            RuleTestSupport.problems(result).first?.hasPrefix(
                "5:46: error: \"hom\" is never a value here (did you mean \"home\"?)") == true)
    }

    @Test("when must be a condition, not a number")
    func whenMustBeBoolean() {
        let result = RuleTestSupport.load(rule(when: "age + 1"))
        #expect(RuleTestSupport.problems(result) == ["5:11: error: when must be true or false, but this is a number"])
    }

    @Test("ordering text is an error; == and != are for text")
    func orderingText() {
        let result = RuleTestSupport.load(rule(when: "patient.language > \"en\""))
        #expect(RuleTestSupport.problems(result).first?.contains("orders numbers, dates and durations") == true)
    }

    @Test("unknown lists, conditions, scores and functions are named")
    func unknownNames() {
        let result = RuleTestSupport.load(
            rule(when: "any(diagnoses, code in heart_failur) or score.lacee > 1 or lab2(\"x\") or missing_condition"))
        let problems = RuleTestSupport.problems(result)
        #expect(problems.count == 4)
        #expect(problems[0].contains("unknown field or name \"heart_failur\""))
        #expect(problems[1].contains("unknown score \"lacee\""))
        #expect(problems[2].contains("unknown function lab2() (did you mean \"lab\"?)"))
        #expect(problems[3].contains("unknown field or name \"missing_condition\""))
    }

    @Test("a code set holds codes: a number is never in it")
    func codeSetTypes() {
        let result = RuleTestSupport.load(
            rule(when: "age in heart", extra: "lists:\n  heart:\n    codes: [I50*]"))
        #expect(
            RuleTestSupport.problems(result) == [
                "5:11: error: heart is a code set; only codes (text) can be in it, not a number"
            ])
    }

    @Test("a condition that depends on itself is refused, naming the cycle")
    func cycles() {
        let result = RuleTestSupport.load(
            rule(when: "a", extra: "conditions:\n  a: b and age > 1\n  b: not a"))
        #expect(result.ruleSet == nil)
        #expect(result.diagnostics.contains { $0.message.contains("condition a → condition b → condition a") })
    }

    @Test("duplicate rule ids are refused at the second, naming the first")
    func duplicateIDs() {
        let result = RuleTestSupport.load(rule(when: "true"), rule(when: "false"))
        #expect(result.ruleSet == nil)
        let duplicate = result.diagnostics.first { $0.message.hasPrefix("duplicate rule id") }
        #expect(duplicate?.mark.description == "rules/b.yaml:2:9")
        #expect(duplicate?.message == "duplicate rule id \"r1\"; it is first declared at rules/a.yaml:2:9")
    }

    @Test("a misspelt key is an error with a suggestion; a missing required key is named")
    func keys() {
        let result = RuleTestSupport.load(
            """
            rules:
              - id: r1
                title: T
                categroy: c
                when: true
                referral: x
            """)
        let problems = RuleTestSupport.problems(result)
        #expect(
            problems.contains {
                $0.hasPrefix("4:5: error: unknown key \"categroy\" in a rule (did you mean \"category\"?)")
            })
        #expect(problems.contains("2:9: error: the rule \"r1\" is missing `category:` or `priority:`"))
    }

    @Test("priorities, durations, booleans and event types are checked")
    func scalars() {
        let result = RuleTestSupport.load(
            """
            rules:
              - id: r1
                title: T
                category: c
                when: true
                priority: urgent
                referral: x
              - id: r2
                title: T
                category: c
                when: true
                priority: low
                referral: x
                suppress_for: 30 days
                enabled: no
                events: [discharged]
            """)
        let problems = RuleTestSupport.problems(result)
        #expect(problems.contains { $0.hasPrefix("6:15: error: priority must be one of critical, high, medium, low") })
        #expect(problems.contains("14:19: error: a duration is a number and a unit: 30d, 8h, 15m, 2w or 10s"))
        #expect(problems.contains("15:14: error: enabled must be true or false"))
        #expect(
            problems.contains {
                $0.hasPrefix("16:13: error: \"discharged\" is not an event type (did you mean \"discharge\"?)")
            })
    }

    @Test("an escalation that can never raise the priority is a warning")
    func unreachableEscalation() {
        let result = RuleTestSupport.load(
            """
            rules:
              - id: r1
                title: T
                category: c
                when: true
                priority: high
                escalate:
                  - when: age > 90
                    priority: medium
                referral: x
            """)
        #expect(result.ruleSet != nil)
        #expect(
            RuleTestSupport.problems(result) == [
                "8:9: warning: this escalation to medium can never raise the rule's priority (high)"
            ])
    }

    @Test("unused lists and conditions are warnings, and are still checked")
    func unused() {
        let result = RuleTestSupport.load(
            rule(when: "true", extra: "lists:\n  spare: [a, b]\nconditions:\n  idle: age > 1\n  broken: agee > 1"))
        let problems = RuleTestSupport.problems(result)
        #expect(problems.contains("9:3: warning: the list \"spare\" is never used"))
        #expect(problems.contains("11:3: warning: the condition \"idle\" is never used"))
        #expect(problems.contains { $0.hasPrefix("12:11: error: unknown field or name \"agee\"") })
        #expect(result.ruleSet == nil)
    }

    @Test("an expression in a block scalar is located on its own line")
    func blockScalarColumns() {
        let result = RuleTestSupport.load(
            """
            rules:
              - id: r1
                title: T
                category: c
                when: >-
                  age > 1
                  and social.livesalone
                priority: high
                referral: x
            """)
        #expect(
            RuleTestSupport.problems(result).first?.hasPrefix(
                "7:11: error: unknown field or name \"social.livesalone\"") == true)
    }

    @Test("a rule's params are read with param.NAME; conditions cannot read them")
    func params() {
        let good = RuleTestSupport.load(rule(when: "age >= param.age", extra: "    params: { age: 65 }"))
        #expect(good.ruleSet != nil, "\(good.diagnostics)")
        let missing = RuleTestSupport.load(rule(when: "age >= param.agee", extra: "    params: { age: 65 }"))
        #expect(
            RuleTestSupport.problems(missing).first?.contains(
                "this rule has no parameter \"agee\" (did you mean \"age\"?)") == true)
        let inCondition = RuleTestSupport.load(rule(when: "old", extra: "conditions:\n  old: age >= param.age"))
        #expect(
            RuleTestSupport.problems(inCondition) == [
                "9:15: error: only a rule's own expressions can read param.age; conditions and scores cannot"
            ])
    }

    @Test("a YAML syntax error stops the file with libyaml's location")
    func yamlSyntax() {
        let result = RuleTestSupport.load("rules:\n  - id: [oops\n")
        #expect(result.ruleSet == nil)
        #expect(result.diagnostics.first?.mark.file == "rules/a.yaml")
        #expect(result.diagnostics.first?.message.hasPrefix("YAML syntax:") == true)
    }

    @Test("a diagnostic renders with its source line and a caret under the column")
    func rendering() {
        let result = RuleTestSupport.load(rule(when: "age > \"x\""))
        #expect(
            result.diagnostics.first?.rendered == """
                rules/a.yaml:5:11: error: cannot compare a number with text
                        when: age > "x"
                              ^
                """)
    }
}

@Suite("Locating problems in multi-line expressions")
struct MultiLineLocationTests {
    @Test("a plain scalar continued on the next line is located on that line")
    func plainContinuation() {
        let result = RuleTestSupport.load(
            """
            rules:
              - id: r1
                title: T
                category: c
                when: age > 1
                  and social.livesalone
                priority: high
                referral: x
            """)
        #expect(
            RuleTestSupport.problems(result).first?.hasPrefix(
                "6:11: error: unknown field or name \"social.livesalone\"") == true)
    }
}

@Suite("Every independent mistake in one run")
struct IndependentMistakesTests {
    @Test("a wrong priority does not hide a typo in the rule's when, nor a missing title another rule's mistake")
    func allReported() {
        let result = RuleTestSupport.load(
            """
            rules:
              - id: r1
                title: T
                category: c
                when: social.houseing == "homeless"
                priority: urgent
                referral: x
              - id: r2
                category: c
                when: age > 1
                priority: high
                referral: x
              - id: r3
                title: [not, text]
                category: c
                when: agee > 1
                priority: low
                referral: x
            """)
        #expect(result.ruleSet == nil)
        let problems = RuleTestSupport.problems(result)
        #expect(problems.contains { $0.hasPrefix("5:11: error: unknown field or name \"social.houseing\"") })
        #expect(problems.contains { $0.hasPrefix("6:15: error: priority must be one of") })
        #expect(problems.contains { $0.hasPrefix("8:9: error: the rule \"r2\" is missing `title:`") })
        #expect(problems.contains { $0.contains("unknown field or name \"agee\"") })
        #expect(problems.count == 5, "\(problems)")
    }
}

@Suite("the function table")
struct FunctionTableTests {
    @Test("every function the checker takes is documented in docs/rules.md, called by its name")
    func documented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let reference = try String(contentsOf: root.appendingPathComponent("docs/rules.md"), encoding: .utf8)
        let missing = FunctionTable.all.map(\.name).filter {
            !reference.contains("`\($0)(") && !reference.contains(" \($0)(")
        }
        #expect(missing.isEmpty, "not in docs/rules.md: \(missing)")
        #expect(FunctionTable.all.count == Set(FunctionTable.all.map(\.name)).count, "a name twice")
    }

    @Test(
        "a call with the wrong number of arguments is refused with the function's usage; an unknown one with a did-you-mean"
    )
    func arity() throws {
        for (expression, message) in [
            ("any(diagnoses)", "any(COLLECTION, CONDITION) takes two arguments"),
            ("starts_with(encounter.unit)", "starts_with(TEXT, PREFIX) takes two pieces of text"),
            ("days_since()", "days_since(DATE-TIME) takes one date-time"),
            ("coalesce(age)", "coalesce(A, B, …) takes two values or more: the first that is not missing"),
            ("has(age, age)", "has(FIELD) takes one field, e.g. has(social.caregiver.age)"),
            ("conut(diagnoses) > 1", "unknown function conut() (did you mean \"count\"?)"),
        ] {
            let yaml = """
                rules:
                  - id: t.arity
                    title: Arity
                    category: social-needs
                    when: \(expression)
                    priority: low
                    referral: social-needs
                    reason: "r"

                """
            let loaded = RuleSetLoader().load(sources: [(name: "rules/t.yaml", bytes: Array(yaml.utf8))])
            #expect(loaded.ruleSet == nil, "\(expression)")
            #expect(loaded.diagnostics.contains { $0.message == message }, "\(expression): \(loaded.diagnostics)")
        }
    }
}
