public import Alerts
public import Events
public import Rules

/// The one decision step: an event, the patient's state and a clock in; the rules' evaluation and
/// the alert policy's decision out. The daemon, `riskscreen eval --state` and `riskscreen test`
/// all decide through this, so they cannot disagree.
///
/// Rules see the patient history as it stood when their event happened; the policy decides what
/// the findings become (see ``AlertPolicy``), including events decided again because this one
/// happened before them. For each opened alert the screener keeps why its rules fired (the
/// `--explain` text), for `riskscreen queue show`.
public struct Screener: Sendable {
    /// The rules in use.
    public var ruleSet: RuleSet
    /// Repeats, escalations, withdrawals, staleness and service levels.
    public var policy: AlertPolicy
    /// Whether to record the explanation of each opened alert's rules.
    public var explainsAlerts = true

    /// Creates a screener.
    public init(ruleSet: RuleSet, policy: AlertPolicy = AlertPolicy()) {
        self.ruleSet = ruleSet
        self.policy = policy
    }

    /// Decides `event` against what the state knows of its patient.
    ///
    /// - Parameter recorded: the content of a recorded event of this patient by id, when the state
    ///   still keeps it (events are decided again when an earlier one arrives late).
    public func screen(
        _ event: Event, state: PatientState, now: Timestamp, recorded: (String) -> Event? = { _ in nil }
    ) -> PolicyDecision {
        let ruleSet = self.ruleSet
        let routing = policy.routing
        var loaded: [String: Event] = [event.eventID: event]
        var decision = policy.decide(
            event, state: state, rulesVersion: ruleSet.version, now: now,
            evaluate: { routing.route(ruleSet.evaluate($0, now: now, history: $1), for: $0) },
            recorded: { id in
                let found = recorded(id)
                if let found { loaded[id] = found }
                return found
            })
        guard explainsAlerts, !decision.opened.isEmpty else { return decision }
        var history = state.history
        if let fact = decision.fact { history.record(fact) }
        let byEvent = Dictionary(grouping: decision.opened, by: \.eventID)
        for (eventID, alerts) in byEvent {
            guard let source = loaded[eventID] else { continue }
            let fired = Set(alerts.flatMap { $0.findings.map(\.ruleID) })
            let (_, explanations) = ruleSet.explain(source, now: now, history: history.before(source), only: fired)
            for alert in alerts {
                let rules = Set(alert.findings.map(\.ruleID))
                decision.explanations[alert.alertID] = explanations.filter { rules.contains($0.ruleID) }
                    .flatMap(ExplanationText.ruleLines).joined(separator: "\n")
            }
        }
        return decision
    }
}
