public import Events
public import Rules

/// What the policy decided for one event: the alerts to open, the findings that only repeat an
/// earlier alert, the alerts a cancel withdraws, and the patient's encounter as it now stands.
/// A store records all of it in the event's transaction.
public struct PolicyDecision: Sendable {
    /// A finding that repeats an earlier alert of the same patient and rule at no higher priority:
    /// recorded against that alert ("seen again on event X") instead of opening a new one.
    public struct Repeat: Sendable {
        /// The alert it repeats.
        public var alertID: String
        public var finding: Finding
        public var eventID: String
        public var eventType: EventType
        public var occurredAt: Timestamp
    }

    /// An alert withdrawn by a cancel event: every sink receives `record`, the alert's record with
    /// `status: withdrawn`, under the same `alert_id`.
    public struct Withdrawal: Sendable {
        public var alertID: String
        /// The withdrawn record, as JSON.
        public var record: String
        /// When, and by which cancel event (also in `record`).
        public var at: Timestamp
        public var byEventID: String
    }

    /// New alerts, most urgent first; an escalation names what it supersedes.
    public var opened: [Alert]
    public var repeats: [Repeat]
    public var withdrawn: [Withdrawal]
    /// The event's encounter after the event, for the patient history (`nil`: nothing to record).
    public var encounter: EncounterRecord?
    /// Why each opened alert's rules fired (the `--explain` text of its findings), by alert id; kept
    /// with the alert for `riskscreen queue show`.
    public var explanations: [String: String] = [:]

    /// Creates a decision (the policy makes them; stores and tests may too).
    public init(
        opened: [Alert], repeats: [Repeat] = [], withdrawn: [Withdrawal] = [], encounter: EncounterRecord? = nil,
        explanations: [String: String] = [:]
    ) {
        self.opened = opened
        self.repeats = repeats
        self.withdrawn = withdrawn
        self.encounter = encounter
        self.explanations = explanations
    }
}

/// Decides, from a patient's state, what an event's findings become: the rules say what is wrong,
/// the policy says whether that is news.
///
/// - A finding for the same patient and rule as an earlier alert, at the same or a lower priority,
///   is a **repeat** when it belongs to the same encounter or its event happened within the rule's
///   `suppress_for` (``defaultSuppressFor`` when the rule has none) of that alert's event. It opens
///   nothing and is recorded against the alert. Alerts of any status count, except withdrawn ones:
///   a closed alert's work was done, and a worse finding still gets through.
/// - A finding at a **higher** priority than every such alert opens an escalated alert that lists
///   them in `supersedes`.
/// - `cancel_admission` withdraws the still-open alerts that the encounter's admission or
///   registration raised; `cancel_discharge` those its discharge raised.
public struct AlertPolicy: Sendable {
    /// Turns findings into alert records.
    public var builder: AlertBuilder
    /// The suppression window of a rule without `suppress_for`, in seconds.
    public var defaultSuppressFor: Double

    /// Seven days: a stay and the week after it.
    public static let standardSuppressFor: Double = 7 * 86_400

    public init(builder: AlertBuilder = AlertBuilder(), defaultSuppressFor: Double = AlertPolicy.standardSuppressFor) {
        self.builder = builder
        self.defaultSuppressFor = defaultSuppressFor
    }

    /// The decision for `event`, whose rules found `evaluation`, given what the state knew before it.
    public func decide(
        _ event: Event, evaluation: Evaluation, state: PatientState, rulesVersion: String, now: Timestamp
    ) -> PolicyDecision {
        let withdrawn = withdrawals(for: event, state: state, now: now)
        let withdrawnIDs = Set(withdrawn.map(\.alertID))
        var fresh: [Finding] = []
        var repeats: [PolicyDecision.Repeat] = []
        var superseded: [String: [String]] = [:]
        for finding in evaluation.findings {
            let earlier = state.alerts.compactMap { alert -> (PriorAlert, Priority)? in
                guard alert.status != "withdrawn", !withdrawnIDs.contains(alert.alertID),
                    let found = alert.findings.first(where: { $0.ruleID == finding.ruleID }),
                    alert.encounterID == event.encounter.id
                        || alert.occurredAt.seconds(until: event.occurredAt)
                            < (finding.suppressFor ?? defaultSuppressFor)
                else { return nil }
                return (alert, found.priority)
            }
            // The alert to repeat: the highest priority for this rule, the latest among equals.
            if let (alert, priority) = earlier.max(by: { ($0.1, $0.0.occurredAt) < ($1.1, $1.0.occurredAt) }),
                finding.priority <= priority
            {
                repeats.append(
                    .init(
                        alertID: alert.alertID, finding: finding, eventID: event.eventID, eventType: event.eventType,
                        occurredAt: event.occurredAt))
                continue
            }
            fresh.append(finding)
            if !earlier.isEmpty { superseded[finding.referral, default: []] += earlier.map(\.0.alertID) }
        }
        var opened = builder.alerts(for: event, findings: fresh, rulesVersion: rulesVersion, now: now)
        for index in opened.indices {
            var seen = Set<String>()
            opened[index].supersedes = (superseded[opened[index].referral] ?? []).filter {
                $0 != opened[index].alertID && seen.insert($0).inserted
            }
        }
        return PolicyDecision(
            opened: opened, repeats: repeats, withdrawn: withdrawn, encounter: state.history.updated(by: event))
    }

    /// The event types whose alerts a cancel event withdraws.
    static func cancelled(by type: EventType) -> Set<EventType> {
        switch type {
        case .cancelAdmission: [.admission, .registration]
        case .cancelDischarge: [.discharge]
        default: []
        }
    }

    private func withdrawals(for event: Event, state: PatientState, now: Timestamp) -> [PolicyDecision.Withdrawal] {
        let types = Self.cancelled(by: event.eventType)
        guard !types.isEmpty else { return [] }
        return state.alerts.filter {
            $0.isActive && $0.encounterID == event.encounter.id && types.contains($0.eventType)
        }.map { alert in
            PolicyDecision.Withdrawal(
                alertID: alert.alertID, record: Self.withdrawnRecord(alert.record, at: now, by: event.eventID),
                at: now.utc, byEventID: event.eventID)
        }
    }

    /// `record` with `status: withdrawn`, when, and by which event.
    static func withdrawnRecord(_ record: String, at now: Timestamp, by eventID: String) -> String {
        guard case .object(var members)? = JSONValue.parse(Array(record.utf8)) else { return record }
        members.removeAll { ["status", "withdrawn_at", "withdrawn_by_event_id"].contains($0.key) }
        members += [
            JSONMember(key: "status", value: .string(Alert.Status.withdrawn.rawValue)),
            JSONMember(key: "withdrawn_at", value: .string(now.utc.text)),
            JSONMember(key: "withdrawn_by_event_id", value: .string(eventID)),
        ]
        return JSONValue.object(members).serialized
    }
}
