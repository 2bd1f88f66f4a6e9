public import Alerts
import Events
public import Rules
import Screening
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

    public var ruleSet: RuleSet { screener.ruleSet }
    /// The alert policy the daemon applies: suppression, escalation, withdrawal, staleness.
    public var policy: AlertPolicy {
        get { screener.policy }
        set { screener.policy = newValue }
    }
    /// The daemon's decision step: the rules, then the policy.
    private var screener: Screener

    /// Creates a runner for `ruleSet`.
    public init(ruleSet: RuleSet) {
        screener = Screener(ruleSet: ruleSet)
        screener.explainsAlerts = false
    }

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
        for (id, mark) in testCase.suppressed where !known.contains(id) { unknown.append((id, mark)) }
        for step in testCase.steps { unknown += unknownRules(in: step) }
        var seen = Set<String>()
        return unknown.filter { seen.insert("\($0.0)@\($0.1)").inserted }
    }

    /// Runs one case: its history (or its steps before the last) through the rules and the policy,
    /// as the daemon would, then checks each step's expectations.
    public func run(_ testCase: RuleTestCase) -> Result {
        var states = States()
        guard !testCase.steps.isEmpty else {
            for earlier in testCase.history {
                _ = step(earlier, now: earlier.occurredAt, states: &states)
            }
            return check(testCase, states: &states)
        }
        var result = Result(testCase: testCase, failures: [], explanation: [], fired: [])
        for (index, step) in testCase.steps.enumerated() {
            let outcome = check(step, states: &states)
            let label = "step \(index + 1) (\(step.event.eventID))"
            result.failures += outcome.failures.map { "\(label): \($0)" }
            if !outcome.explanation.isEmpty { result.explanation += ["   \(label):"] + outcome.explanation }
            result.fired.formUnion(outcome.fired)
        }
        return result
    }

    /// The patients' states of one case, and every event it recorded (events are decided again
    /// when an earlier one comes later, as in the daemon).
    private struct States {
        var patients: [String: PatientState] = [:]
        var events: [String: Event] = [:]
    }

    /// Screens one event against its patient's state, as the daemon does, and applies the decision
    /// to the state.
    private func step(_ event: Event, now: Timestamp, states: inout States) -> (
        Evaluation, PolicyDecision, PatientState
    ) {
        let before = states.patients[event.patient.id] ?? PatientState(patientID: event.patient.id)
        states.events[event.eventID] = event
        let events = states.events
        let decision = screener.screen(event, state: before, now: now, recorded: { events[$0] })
        var after = before
        after.apply(decision)
        states.patients[event.patient.id] = after
        return (decision.evaluation ?? Evaluation(scores: [], findings: []), decision, before)
    }

    private func check(_ testCase: RuleTestCase, states: inout States) -> Result {
        let now = testCase.now ?? testCase.event.occurredAt
        let (evaluation, decision, before) = step(testCase.event, now: now, states: &states)
        let alerts = decision.opened
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
            // Each expected alert takes one alert of its referral (an event decided again can open a
            // second alert to the same referral in one step): the one that matches it best.
            var unmatched = alerts
            for expected in expectedAlerts {
                let candidates = unmatched.indices.filter { unmatched[$0].referral == expected.referral }
                guard !candidates.isEmpty else {
                    let repeated = decision.repeats.filter {
                        $0.eventID == testCase.event.eventID && $0.referral == expected.referral
                    }
                    failures.append(
                        "expected an alert to \(expected.referral); there was none"
                            + (repeated.isEmpty
                                ? ""
                                : " (the findings of \(repeated.map(\.ruleID).joined(separator: ", ")) repeated an earlier alert)")
                    )
                    continue
                }
                func fits(_ alert: Alert) -> Bool {
                    (expected.priority.map { $0 == alert.priority } ?? true)
                        && (expected.rules.map { Set($0) == Set(alert.findings.map(\.ruleID)) } ?? true)
                }
                let index = candidates.first { fits(unmatched[$0]) } ?? candidates[0]
                let alert = unmatched.remove(at: index)
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
                for alert in unmatched {
                    // An alert of another event: one decided again because this one arrived.
                    let other = alert.eventID == testCase.event.eventID ? "" : " on event \(alert.eventID)"
                    failures.append(
                        "an alert the case does not list: \(describe(alert))\(other) (add only_some_alerts: true if that is expected)"
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

        failures += policyFailures(testCase, decision: decision, before: before)

        var explanation: [String] = []
        if !failures.isEmpty {
            let involved = Set(testCase.mentionedRules)
            let (_, explained) = ruleSet.explain(
                testCase.event, now: now, history: before.history.before(testCase.event))
            for rule in explained where involved.contains(rule.ruleID) {
                explanation += ExplanationText.ruleLines(rule)
            }
        }
        return Result(testCase: testCase, failures: failures, explanation: explanation, fired: Set(fired.keys))
    }

    /// What the case expects of the policy: repeats, escalations, withdrawals.
    private func policyFailures(_ testCase: RuleTestCase, decision: PolicyDecision, before: PatientState) -> [String] {
        var failures: [String] = []
        if testCase.checksSuppressed {
            let expected = Set(testCase.suppressed.map(\.id))
            let actual = Set(decision.repeats.filter { $0.eventID == testCase.event.eventID }.map(\.ruleID))
            if expected != actual {
                failures.append(
                    "expected the findings of [\(expected.sorted().joined(separator: ", "))] to repeat earlier alerts; repeated: [\(actual.sorted().joined(separator: ", "))]"
                )
            }
        }
        if let escalated = testCase.escalated {
            let expected = Set(escalated.map(\.referral))
            let actual = Set(decision.opened.filter { !$0.supersedes.isEmpty }.map(\.referral))
            if expected != actual {
                failures.append(
                    "expected escalated alerts to [\(expected.sorted().joined(separator: ", "))]; escalated: [\(actual.sorted().joined(separator: ", "))]"
                )
            }
        }
        if let withdrawn = testCase.withdrawn {
            let expected = withdrawn.map(\.referral).sorted()
            let referrals = Dictionary(before.alerts.map { ($0.alertID, $0.referral) }, uniquingKeysWith: { a, _ in a })
            let actual = decision.withdrawn.compactMap { referrals[$0.alertID] }.sorted()
            if expected != actual {
                failures.append(
                    "expected withdrawn alerts to [\(expected.joined(separator: ", "))]; withdrawn: [\(actual.joined(separator: ", "))]"
                )
            }
        }
        return failures
    }

    private func describe(_ alert: Alert) -> String {
        "\(alert.priority.rawValue) \(alert.referral) [\(alert.findings.map(\.ruleID).joined(separator: ", "))]"
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
