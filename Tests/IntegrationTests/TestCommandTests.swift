import Foundation
import Testing

@Suite("riskscreen test, run as a rule author would")
struct TestCommandTests {
    static let rule = """
        rules:
          - { id: alone, title: Lives alone, category: c, when: social.lives_alone, priority: low, referral: social-needs }
        """
    static let event = """
        events:
          patient:
            schema_version: 1
            event_id: T-1
            event_type: admission
            occurred_at: 2026-11-22T10:00:00-05:00
            patient: { id: S-1 }
            encounter: { id: E-1, admitted_at: 2026-11-22T10:00:00-05:00 }
            social: { lives_alone: true }
        """

    private func workspace(tests: String, rules: String = rule) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try rules.write(to: directory.url.appendingPathComponent("r.yaml"), atomically: true, encoding: .utf8)
        try tests.write(to: directory.url.appendingPathComponent("r.test.yaml"), atomically: true, encoding: .utf8)
        return directory
    }

    @Test("the shipped rules' tests all pass, every rule is covered both ways, and the last line is the summary")
    func shippedTests() throws {
        let result = try RiskScreenProcess.run(["test", "rules", "--require-coverage"])
        #expect(result.status == 0)
        let last = try #require(result.stdoutLines.last)
        #expect(last.hasSuffix(" passed, 0 failed"))
        #expect(Int(last.split(separator: " ").first ?? "") ?? 0 >= 100)
        #expect(!result.stdout.contains("← needs a case"))
    }

    @Test("all passing: exit 0")
    func exitZero() throws {
        let directory = try workspace(
            tests: Self.event
                + "\ncases:\n  - { name: fires, base: patient, fires: [alone], alerts: [{ referral: social-needs, priority: low }] }\n"
        )
        let result = try RiskScreenProcess.run(["test", directory.path])
        #expect(result.status == 0)
        #expect(result.stdoutLines == ["ok   \(directory.path)/r.test.yaml: fires", "1 passed, 0 failed"])
    }

    @Test("a failing case: exit 1, and --junit writes a report")
    func exitOne() throws {
        let directory = try workspace(
            tests: Self.event
                + "\ncases:\n  - { name: wrong, base: patient, does_not_fire: [alone] }\n  - { name: right, base: patient, fires: [alone], only_some_alerts: true, alerts: [] }\n"
        )
        let junit = directory.url.appendingPathComponent("junit.xml")
        let result = try RiskScreenProcess.run(["test", "--junit", junit.path, directory.path])
        #expect(result.status == 1)
        #expect(result.stdoutLines.last == "1 passed, 1 failed")
        let xml = try String(contentsOf: junit, encoding: .utf8)
        #expect(xml.contains("<testsuites name=\"riskscreen rule tests\" tests=\"2\" failures=\"1\">"))
    }

    @Test("--filter runs only the matching cases")
    func filter() throws {
        let directory = try workspace(
            tests: Self.event
                + "\ncases:\n  - { name: wrong, base: patient, does_not_fire: [alone] }\n  - { name: right, base: patient, fires: [alone], only_some_alerts: true, alerts: [] }\n"
        )
        let result = try RiskScreenProcess.run(["test", "--filter", "right", directory.path])
        #expect(result.status == 0)
        #expect(result.stdoutLines.last == "1 passed, 0 failed")
    }

    @Test("tests that do not load: exit 2, with file:line:column")
    func exitTwoForTests() throws {
        let directory = try workspace(
            tests: Self.event + "\ncases:\n  - { name: typo, base: patient, fires: [alnoe] }\n")
        let result = try RiskScreenProcess.run(["test", directory.path])
        #expect(result.status == 2)
        #expect(
            result.stdout.contains(
                "\(directory.path)/r.test.yaml:11:42: error: no rule has the id \"alnoe\" (did you mean \"alone\"?)"))
    }

    @Test("rules that do not load: exit 2")
    func exitTwoForRules() throws {
        let directory = try workspace(
            tests: Self.event + "\ncases: []\n",
            rules: "rules:\n  - { id: x, title: T, category: c, when: \"nope\", priority: low, referral: y }\n")
        let result = try RiskScreenProcess.run(["test", directory.path])
        #expect(result.status == 2)
        #expect(result.stdout.contains("unknown field or name \"nope\""))
    }

    @Test("--require-coverage fails when a rule lacks a case where it does not fire")
    func requireCoverage() throws {
        let directory = try workspace(
            tests: Self.event
                + "\ncases:\n  - { name: fires, base: patient, fires: [alone], only_some_alerts: true, alerts: [] }\n")
        let result = try RiskScreenProcess.run(["test", "--require-coverage", directory.path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("alone  1      0  ← needs a case where it does not fire"))
        #expect(result.stdoutLines.last == "1 passed, 0 failed")
    }
}
