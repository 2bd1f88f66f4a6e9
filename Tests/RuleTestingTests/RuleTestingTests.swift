import Events
import Foundation
import RuleTesting
import Rules
import Testing
import YAMLDocument

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A temporary folder holding a rule file and a test file, removed afterwards.
final class Workspace {
    let url: URL

    init(rules: String, tests: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("riskscreen-ruletest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try rules.write(to: url.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        try tests.write(to: url.appendingPathComponent("rules.test.yaml"), atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    var testFile: String { url.appendingPathComponent("rules.test.yaml").path }

    func report() throws -> RuleTestReport {
        let ruleSet = try #require(RuleSetLoader().load(paths: [url.path]).ruleSet)
        let reader = RuleTestFileReader(path: testFile)
        #expect(reader.diagnostics.isEmpty, "\(reader.diagnostics)")
        let runner = RuleTestRunner(ruleSet: ruleSet)
        return RuleTestReport(results: reader.cases.map(runner.run), ruleSet: ruleSet)
    }
}

let rules = """
    rules:
      - id: old-age
        title: Old age
        category: c
        when: age >= 80
        priority: medium
        referral: geriatrics
        reason: "Age {age}"
      - id: alone
        title: Lives alone
        category: c
        when: social.lives_alone
        priority: low
        referral: social-needs
    """

let base = """
    events:
      patient:
        schema_version: 1
        event_id: T-1
        event_type: admission
        occurred_at: 2026-11-22T10:00:00-05:00
        patient: { id: S-1, birth_date: 1940-01-01 }
        encounter: { id: E-1, admitted_at: 2026-11-22T10:00:00-05:00 }
        social: { lives_alone: true, housing: stable }
    """

@Suite("Running rule tests")
struct RuleTestingTests {
    @Test("a passing suite: every case passes, and the last line says so")
    func passing() throws {
        let workspace = try Workspace(
            rules: rules,
            tests: base + """

                cases:
                  - name: old and alone
                    base: patient
                    fires: [old-age, alone]
                    alerts: [{ referral: geriatrics, priority: medium, rules: [old-age] }, { referral: social-needs, priority: low }]
                    reason_contains: { old-age: "Age 86" }
                  - name: young
                    base: patient
                    patch: { patient: { birth_date: 1990-01-01 }, social: { lives_alone: false } }
                    does_not_fire: [old-age, alone]
                    no_alerts: true
                """)
        let report = try workspace.report()
        #expect(report.passed == 2)
        #expect(report.failed == 0)
        #expect(report.text.split(separator: "\n").last == "2 passed, 0 failed")
    }

    @Test("a failing case says what was expected, what happened, and why the rule decided so")
    func failingDiff() throws {
        let workspace = try Workspace(
            rules: rules,
            tests: base + """

                cases:
                  - name: wrong expectations
                    base: patient
                    fires: [alone]
                    does_not_fire: [old-age]
                    alerts: [{ referral: geriatrics, priority: high }]
                    reason_contains: { old-age: "Age 85" }
                """)
        let report = try workspace.report()
        #expect(report.failed == 1)
        let lines = report.text.split(separator: "\n").map(String.init)
        #expect(lines.first == "FAIL \(workspace.testFile): wrong expectations")
        #expect(lines.contains("       - expected old-age not to fire; it fired (medium): Age 86"))
        #expect(lines.contains("       - the alert to geriatrics: expected priority high, got medium"))
        #expect(
            lines.contains(
                "       - an alert the case does not list: low social-needs [alone] (add only_some_alerts: true if that is expected)"
            ))
        #expect(lines.contains("       - expected the reason of old-age to contain \"Age 85\"; it is \"Age 86\""))
        #expect(lines.contains("     why:"))
        #expect(lines.contains("     ✔ old-age: FIRED (medium)"))
        #expect(lines.contains("         when: age >= 80 → true"))
        #expect(lines.contains("           age = 86"))
        #expect(lines.last == "0 passed, 1 failed")
    }

    @Test("scores and parts are compared exactly")
    func scores() throws {
        let workspace = try Workspace(
            rules: rules + """

                scores:
                  frailty:
                    parts:
                      - { id: age, when: "age >= 80", points: 2 }
                      - { id: alone, when: social.lives_alone, points: 1 }
                """,
            tests: base + """

                cases:
                  - { name: right, base: patient, scores: { frailty: 3, frailty.age: 2 }, only_some_alerts: true }
                  - { name: wrong, base: patient, scores: { frailty: 2, frailty.alone: 0 } }
                """)
        let report = try workspace.report()
        #expect(report.results.map(\.passed) == [true, false])
        #expect(
            report.results[1].failures == [
                "score frailty: expected 2, got 3", "score frailty.alone: expected 0, got 1",
            ])
    }

    @Test("base plus patch: objects merge, values replace, null deletes")
    func basePlusPatch() throws {
        let original: JSONValue = .object([
            JSONMember(key: "a", value: .object([JSONMember(key: "x", value: 1), JSONMember(key: "y", value: 2)])),
            JSONMember(key: "b", value: .array([1, 2])),
            JSONMember(key: "c", value: "keep"),
        ])
        let patch: JSONValue = .object([
            JSONMember(key: "a", value: .object([JSONMember(key: "y", value: .null), JSONMember(key: "z", value: 3)])),
            JSONMember(key: "b", value: .array([9])),
            JSONMember(
                key: "d", value: .object([JSONMember(key: "e", value: .null), JSONMember(key: "f", value: true)])),
        ])
        #expect(
            original.merged(with: patch)
                == .object([
                    JSONMember(
                        key: "a", value: .object([JSONMember(key: "x", value: 1), JSONMember(key: "z", value: 3)])),
                    JSONMember(key: "b", value: .array([9])),
                    JSONMember(key: "c", value: "keep"),
                    JSONMember(key: "d", value: .object([JSONMember(key: "f", value: true)])),
                ]))
    }

    @Test("YAML scalars become JSON values the way JSON would type them")
    func yamlToJSON() throws {
        let node = try #require(
            try YAMLParser().parse("a: 1\nb: \"02139\"\nc: ~\nd: true\ne: no\nf: -2.5\ng: 2026-11-22", file: "x"))
        #expect(
            node.jsonValue
                == .object([
                    JSONMember(key: "a", value: 1), JSONMember(key: "b", value: "02139"),
                    JSONMember(key: "c", value: .null),
                    JSONMember(key: "d", value: true), JSONMember(key: "e", value: "no"),
                    JSONMember(key: "f", value: -2.5),
                    JSONMember(key: "g", value: "2026-11-22"),
                ]))
    }

    @Test("coverage counts, per enabled rule, the cases where it fires and where it does not")
    func coverage() throws {
        let workspace = try Workspace(
            rules: rules,
            tests: base + """

                cases:
                  - { name: both, base: patient, fires: [old-age, alone], only_some_alerts: true, alerts: [] }
                  - { name: alone only, base: patient, patch: { patient: { birth_date: 2000-01-01 } }, fires: [alone], alerts: [], only_some_alerts: true }
                """)
        let report = try workspace.report()
        #expect(report.coverage.map { "\($0.rule) \($0.fired) \($0.notFired)" } == ["old-age 1 1", "alone 2 0"])
        #expect(report.uncovered == ["alone"])
        #expect(
            report.coverageText.split(separator: "\n").last
                == "alone    2      0  ← needs a case where it does not fire")
    }

    @Test("JUnit XML that a real XML parser accepts, with a failure element per failed case")
    func junit() throws {
        let workspace = try Workspace(
            rules: rules,
            tests: base + """

                cases:
                  - { name: "passes <&>", base: patient, fires: [alone], only_some_alerts: true, alerts: [] }
                  - { name: "fails \\"quoted\\"", base: patient, does_not_fire: [alone] }
                """)
        let xml = try workspace.report().junitXML
        final class Collector: NSObject, XMLParserDelegate {
            var elements: [String] = []
            var attributes: [[String: String]] = []
            func parser(
                _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
            ) {
                elements.append(elementName)
                attributes.append(attributeDict)
            }
        }
        let parser = XMLParser(data: Data(xml.utf8))
        let collector = Collector()
        parser.delegate = collector
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(collector.elements == ["testsuites", "testsuite", "testcase", "testcase", "failure"])
        #expect(collector.attributes[0]["tests"] == "2")
        #expect(collector.attributes[0]["failures"] == "1")
        #expect(collector.attributes[2]["name"] == "passes <&>")
        #expect(collector.attributes[3]["name"] == "fails \"quoted\"")
        #expect(collector.attributes[4]["message"]?.hasPrefix("expected alone not to fire") == true)
    }

    @Test("mistakes in a test file are reported at their file:line:column")
    func testFileErrors() throws {
        let workspace = try Workspace(
            rules: rules,
            tests: base + """

                cases:
                  - name: typo
                    base: patient
                    fire: [alone]
                  - name: missing base
                    base: nobody
                  - name: bad event
                    base: patient
                    patch: { encounter: { admitted_at: yesterday } }
                  - name: bad clock
                    base: patient
                    now: tomorrow
                """)
        let reader = RuleTestFileReader(path: workspace.testFile)
        let lines = reader.diagnostics.map { "\($0.mark.line):\($0.mark.column): \($0.message)" }
        #expect(
            lines == [
                "13:5: unknown key \"fire\" in a case (did you mean \"fires\"?)",
                "15:11: no event named \"nobody\" under `events:`, and not a .json file",
                "18:12: the event of \"bad event\" is not valid: $.encounter.admitted_at: expected RFC 3339 date-time, got \"yesterday\"",
                "21:10: now must be an RFC 3339 date-time, e.g. 2026-11-22T12:00:00-05:00",
            ])
        #expect(reader.diagnostics.first?.description.hasPrefix("\(workspace.testFile):13:5: error: ") == true)
    }

    @Test("a sequence runs its steps through the policy in order; a failing step is named, with its event")
    func sequences() throws {
        let workspace = try Workspace(
            rules: rules,
            tests: base + """

                cases:
                  - name: the same patient three times
                    sequence:
                      - base: patient
                        alerts: [{ referral: geriatrics }, { referral: social-needs }]
                      - base: patient
                        patch: { event_id: T-2, event_type: transfer }
                        no_alerts: true
                        suppressed: [old-age, alone]
                      - base: patient
                        patch: { event_id: T-3, event_type: cancel_admission }
                        does_not_fire: [old-age, alone]
                        no_alerts: true
                        withdrawn: [geriatrics, social-needs]
                  - name: wrong about the second step
                    sequence:
                      - base: patient
                      - base: patient
                        patch: { event_id: T-2, event_type: transfer }
                        alerts: [{ referral: geriatrics }]
                        suppressed: []
                        escalated: [geriatrics]
                """)
        let report = try workspace.report()
        #expect(report.passed == 1)
        #expect(report.failed == 1)
        let lines = report.text.split(separator: "\n").map(String.init)
        #expect(
            lines.contains(
                "       - step 2 (T-2): expected an alert to geriatrics; there was none (the findings of old-age repeated an earlier alert)"
            ), "\(lines)")
        #expect(
            lines.contains(
                "       - step 2 (T-2): expected the findings of [] to repeat earlier alerts; repeated: [alone, old-age]"
            ))
        #expect(lines.contains("       - step 2 (T-2): expected escalated alerts to [geriatrics]; escalated: []"))
    }

    @Test("history events run before the case, so a repeat of them opens nothing")
    func historyRunsFirst() throws {
        let workspace = try Workspace(
            rules: rules,
            tests: base + """

                cases:
                  - name: seen before
                    base: patient
                    patch: { event_id: T-2, event_type: transfer }
                    history: [patient]
                    fires: [old-age, alone]
                    no_alerts: true
                    suppressed: [old-age, alone]
                """)
        #expect(try workspace.report().failed == 0)
    }

    @Test("a sequence's expectations go in its steps; a step's unknown key is reported where it is")
    func sequenceMistakes() throws {
        let workspace = try Workspace(
            rules: rules,
            tests: base + """

                cases:
                  - name: misplaced
                    no_alerts: true
                    sequence:
                      - base: patient
                  - name: step typo
                    sequence:
                      - base: patient
                        supressed: [alone]
                  - name: named history
                    base: patient
                    history: [nobody]
                """)
        let reader = RuleTestFileReader(path: workspace.testFile)
        let lines = reader.diagnostics.map { "\($0.mark.line):\($0.mark.column): \($0.message)" }
        #expect(
            lines == [
                "11:5: the case \"misplaced\" has a `sequence:`; its events, clocks and expectations go in the steps, not beside it (no_alerts)",
                "18:9: unknown key \"supressed\" in a step (did you mean \"suppressed\"?)",
                "21:15: no event named \"nobody\" under `events:`",
            ], "\(lines)")
    }

    @Test("the shipped tests fail when a shipped rule is demoted or its threshold moved")
    func shippedTestsCatchChanges() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "riskscreen-shipped-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(at: root.appendingPathComponent("rules"), to: directory)
        try FileManager.default.copyItem(
            at: root.appendingPathComponent("samples"),
            to: directory.deletingLastPathComponent().appendingPathComponent("samples-\(directory.lastPathComponent)"))
        defer {
            try? FileManager.default.removeItem(
                at: directory.deletingLastPathComponent().appendingPathComponent(
                    "samples-\(directory.lastPathComponent)"))
        }

        func failures(after edits: [(String, String, String)]) throws -> Int {
            for (file, from, to) in edits {
                let url = directory.appendingPathComponent(file)
                let text = try String(contentsOf: url, encoding: .utf8)
                #expect(text.contains(from))
                try text.replacingOccurrences(of: from, with: to).write(to: url, atomically: true, encoding: .utf8)
            }
            defer {
                for (file, from, to) in edits {
                    let url = directory.appendingPathComponent(file)
                    if let text = try? String(contentsOf: url, encoding: .utf8) {
                        try? text.replacingOccurrences(of: to, with: from).write(
                            to: url, atomically: true, encoding: .utf8)
                    }
                }
            }
            let ruleSet = try #require(RuleSetLoader().load(paths: [directory.path]).ruleSet)
            let runner = RuleTestRunner(ruleSet: ruleSet)
            var failed = 0
            for file in ["readmission.test.yaml", "discharge-safety.test.yaml", "caregiver.test.yaml"] {
                let reader = RuleTestFileReader(path: directory.appendingPathComponent(file).path)
                failed += reader.cases.map(runner.run).filter { !$0.passed }.count
            }
            return failed
        }
        // The event_file cases look for ../samples: point them at the copy.
        for file in ["readmission.test.yaml"] {
            let url = directory.appendingPathComponent(file)
            let text = try String(contentsOf: url, encoding: .utf8)
            try text.replacingOccurrences(of: "../samples/", with: "../samples-\(directory.lastPathComponent)/").write(
                to: url, atomically: true, encoding: .utf8)
        }
        #expect(try failures(after: []) == 0)
        #expect(try failures(after: [("readmission.yaml", "      threshold: 10", "      threshold: 11")]) > 0)
        #expect(
            try failures(after: [
                (
                    "discharge-safety.yaml", "    priority: critical\n    referral: discharge-planning",
                    "    priority: high\n    referral: discharge-planning"
                )
            ]) > 0)
        #expect(try failures(after: [("caregiver.yaml", "      threshold: 13", "      threshold: 12")]) > 0)
    }
}
