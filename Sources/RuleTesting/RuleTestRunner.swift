public import Alerts
import Events
public import Rules
public import YAMLDocument

/// Runs rule test cases against a rule set and says, for each, whether the rules did what the case
/// expects; for a failure, what was expected, what happened, and the explanation of the rules
/// involved.
public struct RuleTestRunner: Sendable {
    /// The outcome of one case.
    public struct Result: Sendable {
        public var testCase: RuleTestCase
        /// One line per unmet expectation; empty when the case passed.
        public var failures: [String]
        /// The explanation of the rules the case mentions, for a failure.
        public var explanation: [String]
        /// The rules that fired.
        public var fired: Set<String>
        public var passed: Bool { failures.isEmpty }
    }

    public let ruleSet: RuleSet
    public var builder = AlertBuilder()

    /// Creates a runner for `ruleSet`.
    public init(ruleSet: RuleSet) { self.ruleSet = ruleSet }

    /// Rule ids a case names that the rule set does not have: mistakes in the test file.
    public func unknownRules(in testCase: RuleTestCase) -> [(String, SourceMark)] {
        let known = Set(ruleSet.rules.map(\.id))
        var unknown: [(String, SourceMark)] = []
        for (id, mark) in testCase.fires + testCase.doesNotFire where !known.contains(id) { unknown.append((id, mark)) }
        for reason in testCase.reasonContains {
            if let id = reason.rule, !known.contains(id) { unknown.append((id, reason.mark)) }
        }
        for alert in testCase.alerts ?? [] {
            for id in alert.rules ?? [] where !known.contains(id) { unknown.append((id, alert.mark)) }
        }
        return unknown
    }

    /// Runs one case.
    public func run(_ testCase: RuleTestCase) -> Result {
        let now = testCase.now ?? testCase.event.occurredAt
        let evaluation = ruleSet.evaluate(testCase.event, now: now)
        let alerts = builder.alerts(
            for: testCase.event, evaluation: evaluation, rulesVersion: ruleSet.version, now: now)
        let fired = Dictionary(evaluation.findings.map { ($0.ruleID, $0) }, uniquingKeysWith: { first, _ in first })
        var failures: [String] = []

        for expected in testCase.scores {
            guard let score = evaluation.scores.first(where: { $0.name == expected.score }) else {
                failures.append("score \(expected.score): the rule set has no such score")
                continue
            }
            let label = expected.part.map { "\(expected.score).\($0)" } ?? expected.score
            let actual: Double?
            if let part = expected.part {
                actual = score.parts.first { $0.id == part }?.points
            } else {
                actual = score.value
            }
            guard let actual else {
                failures.append("score \(label): the score has no part \(expected.part ?? "")")
                continue
            }
            if abs(actual - expected.value) > 1e-9 {
                failures.append("score \(label): expected \(format(expected.value)), got \(format(actual))")
            }
        }
        for (id, _) in testCase.fires where fired[id] == nil {
            failures.append("expected \(id) to fire; it did not")
        }
        for (id, _) in testCase.doesNotFire {
            if let finding = fired[id] {
                failures.append(
                    "expected \(id) not to fire; it fired (\(finding.priority.rawValue)): \(finding.reason)")
            }
        }
        if testCase.noAlerts, !alerts.isEmpty {
            failures.append("expected no alerts; got \(alerts.map(describe).joined(separator: "; "))")
        }
        if let expectedAlerts = testCase.alerts {
            for expected in expectedAlerts {
                guard let alert = alerts.first(where: { $0.referral == expected.referral }) else {
                    failures.append("expected an alert to \(expected.referral); there was none")
                    continue
                }
                if let priority = expected.priority, alert.priority != priority {
                    failures.append(
                        "the alert to \(expected.referral): expected priority \(priority.rawValue), got \(alert.priority.rawValue)"
                    )
                }
                if let rules = expected.rules {
                    let actual = alert.findings.map(\.ruleID)
                    if Set(actual) != Set(rules) {
                        failures.append(
                            "the alert to \(expected.referral): expected findings [\(rules.sorted().joined(separator: ", "))], got [\(actual.sorted().joined(separator: ", "))]"
                        )
                    }
                }
            }
            if !testCase.onlySomeAlerts {
                let listed = Set(expectedAlerts.map(\.referral))
                for alert in alerts where !listed.contains(alert.referral) {
                    failures.append(
                        "an alert the case does not list: \(describe(alert)) (add only_some_alerts: true if that is expected)"
                    )
                }
            }
        }
        for expected in testCase.reasonContains {
            if let id = expected.rule {
                guard let finding = fired[id] else {
                    failures.append("expected the reason of \(id) to contain \"\(expected.text)\"; it did not fire")
                    continue
                }
                if !finding.reason.contains(expected.text) {
                    failures.append(
                        "expected the reason of \(id) to contain \"\(expected.text)\"; it is \"\(finding.reason)\"")
                }
            } else if !evaluation.findings.contains(where: { $0.reason.contains(expected.text) }) {
                failures.append(
                    "expected a reason containing \"\(expected.text)\"; the reasons are: \(evaluation.findings.map { "\"\($0.reason)\"" }.joined(separator: ", "))"
                )
            }
        }

        var explanation: [String] = []
        if !failures.isEmpty {
            let involved = Set(testCase.mentionedRules)
            let (_, explained) = ruleSet.explain(testCase.event, now: now)
            for rule in explained where involved.contains(rule.ruleID) {
                explanation += ExplanationText.ruleLines(rule)
            }
        }
        return Result(testCase: testCase, failures: failures, explanation: explanation, fired: Set(fired.keys))
    }

    private func describe(_ alert: Alert) -> String {
        "\(alert.priority.rawValue) \(alert.referral) [\(alert.findings.map(\.ruleID).joined(separator: ", "))]"
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
