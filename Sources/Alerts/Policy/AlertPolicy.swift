public import Events
public import Rules

/// What the policy decided for one event: the alerts to open, what became of every finding, the
/// alerts to withdraw, and the fact the patient history gains. A store records all of it in the
/// event's transaction.
///
/// A decision may reach beyond its event: an event that happened before others already recorded
/// decides those again (their history changed), and a withdrawn alert's repeats are placed again.
public struct PolicyDecision: Sendable {
    /// An alert withdrawn because its event was cancelled or its findings no longer hold: every
    /// sink receives `record`, the alert's record with `status: withdrawn`, under the same `alert_id`.
    public struct Withdrawal: Sendable {
        public var alertID: String
        /// The withdrawn record, as JSON.
        public var record: String
        /// When, and because of which event (also in `record`).
        public var at: Timestamp
        public var byEventID: String
        /// Why, in words (also in `record` as `withdrawn_reason`).
        public var reason: String
    }

    /// The decided event's own evaluation (its scores and findings), when it was evaluated.
    public var evaluation: Evaluation?
    /// New alerts, most urgent first (the event's own first); an escalation names what it supersedes.
    public var opened: [Alert]
    public var withdrawn: [Withdrawal]
    /// Every finding whose fate this decision set or changed: the event's own, then those of events
    /// decided again.
    public var findings: [RecordedFinding]
    /// What the event says about its encounter, for the patient history (`nil`: nothing to record).
    public var fact: EncounterFact?
    /// Whether the event happened longer ago than `stale_after`: its findings open no alert.
    public var stale: Bool
    /// Recorded events decided again because this one happened before them, or because an alert
    /// their findings repeated was withdrawn.
    public var redecided: [String]
    /// Why each opened alert's rules fired (the `--explain` text of its findings), by alert id; kept
    /// with the alert for `riskscreen queue show`.
    public var explanations: [String: String] = [:]
    /// Each opened alert's record as JSON, as its sinks receive it, by alert id: written once when
    /// the alert is made (a store need not serialise the alert again). Empty when the policy keeps
    /// no records (``AlertPolicy/keepsAlertRecords``).
    public var records: [String: String] = [:]

    /// Creates a decision (the policy makes them; stores and tests may too).
    public init(
        opened: [Alert] = [], withdrawn: [Withdrawal] = [], findings: [RecordedFinding] = [],
        fact: EncounterFact? = nil, stale: Bool = false, redecided: [String] = [], evaluation: Evaluation? = nil,
        explanations: [String: String] = [:]
    ) {
        self.opened = opened
        self.withdrawn = withdrawn
        self.findings = findings
        self.fact = fact
        self.stale = stale
        self.redecided = redecided
        self.evaluation = evaluation
        self.explanations = explanations
    }

    /// The findings recorded against an earlier alert instead of opening one.
    public var repeats: [RecordedFinding] {
        findings.filter {
            if case .repeated = $0.fate { return true }
            return false
        }
    }
}

/// Decides, from a patient's state, what an event's findings become: the rules say what is wrong,
/// the policy says whether that is news. The decisions do not depend on the order events arrive in.
///
/// - A finding for the same patient and rule as an alert that is not withdrawn, at the same or a
///   lower priority, is a **repeat** when it belongs to the same encounter or the two events
///   happened within the rule's `suppress_for` (``defaultSuppressFor`` when the rule has none) of
///   each other, **in either direction**: an earlier event that arrives late joins the later alert.
///   `suppress_for: 0s` means the same encounter only. A closed alert still holds back repeats (its
///   work was done); a worse finding still gets through.
/// - A finding at a **higher** priority than every such alert opens an escalated alert that lists
///   them in `supersedes`.
/// - A **cancel** voids the events it cancels — `cancel_admission` every event of its encounter,
///   `cancel_discharge` the encounter's discharges — that happened at or before it, whenever either
///   arrives: their findings count for nothing, their open alerts are withdrawn, and a cancel that
///   arrives first prevents them.
/// - An event that happened longer ago than ``staleAfter`` is **stale**: recorded, in the history,
///   its findings kept, but it opens no alert.
/// - Rules see the history as it stood when their event happened. An event that happened before
///   events already recorded changes their history, so they are **decided again**: a finding that
///   appears is placed as above; one that disappears is retracted, and an alert left with no finding
///   standing is withdrawn. The repeats of a withdrawn alert are placed again.
///
/// The alert *count* can still depend on the order: an escalation exists only when the lower
/// finding came first, and a chain of findings each within the window of the next but not of the
/// first can be one alert or two. What each finding is covered by — an open alert at its priority
/// or higher — does not.
public struct AlertPolicy: Sendable {
    /// Turns findings into alert records.
    public var builder: AlertBuilder
    /// The suppression window of a rule without `suppress_for`, in seconds.
    public var defaultSuppressFor: Double
    /// Events that happened more than this many seconds before `now` open no alert; `nil`: none is
    /// stale.
    public var staleAfter: Double?
    /// Which team a finding goes to, by the patient's facility and unit.
    public var routing: ReferralRouting
    /// Whether the alerts a patient's state remembers keep their record (the JSON the sinks
    /// received, which a withdrawal rewrites). A replay, which sends nothing, does without.
    public var keepsAlertRecords = true

    /// Seven days: a stay and the week after it.
    public static let standardSuppressFor: Double = 7 * 86_400
    /// Seven days: an event older than that is history, not a referral.
    public static let standardStaleAfter: Double = 7 * 86_400

    public init(
        builder: AlertBuilder = AlertBuilder(), defaultSuppressFor: Double = AlertPolicy.standardSuppressFor,
        staleAfter: Double? = AlertPolicy.standardStaleAfter, routing: ReferralRouting = .none
    ) {
        self.builder = builder
        self.defaultSuppressFor = defaultSuppressFor
        self.staleAfter = staleAfter
        self.routing = routing
    }

    /// The decision for `event` given what the state knew before it.
    ///
    /// - Parameters:
    ///   - evaluate: the rules, applied to an event with the history as it stood when it happened.
    ///   - recorded: the content of a recorded event of this patient, for deciding it again; `nil`
    ///     when it is no longer kept (it is then older than ``staleAfter``, and opens nothing).
    public func decide(
        _ event: Event, state: PatientState, rulesVersion: String, now: Timestamp,
        evaluate: (Event, PatientHistory) -> Evaluation, recorded: (String) -> Event? = { _ in nil }
    ) -> PolicyDecision {
        withoutActuallyEscaping(evaluate) { evaluate in
            withoutActuallyEscaping(recorded) { recorded in
                var timeline = Timeline(
                    policy: self, state: state, rulesVersion: rulesVersion, now: now, evaluate: evaluate,
                    recorded: recorded)
                return timeline.arrive(event)
            }
        }
    }

    /// Whether an event that happened at `time` is stale at `now`.
    public func isStale(_ time: Timestamp, now: Timestamp) -> Bool {
        guard let staleAfter else { return false }
        return time.seconds(until: now) > staleAfter
    }

    /// The event types whose events a cancel voids.
    static func cancelled(by type: EventType) -> Set<EventType> {
        switch type {
        case .cancelAdmission: [.admission, .registration, .transfer, .update, .discharge]
        case .cancelDischarge: [.discharge]
        default: []
        }
    }

    /// `record` with `status: withdrawn`, when, by which event, and why.
    static func withdrawnRecord(_ record: String, at now: Timestamp, by eventID: String, reason: String) -> String {
        guard case .object(var members)? = JSONValue.parse(Array(record.utf8)) else { return record }
        let added = ["status", "withdrawn_at", "withdrawn_by_event_id", "withdrawn_reason"]
        members.removeAll { added.contains($0.key) }
        members += [
            JSONMember(key: "status", value: .string(Alert.Status.withdrawn.rawValue)),
            JSONMember(key: "withdrawn_at", value: .string(now.utc.text)),
            JSONMember(key: "withdrawn_by_event_id", value: .string(eventID)),
            JSONMember(key: "withdrawn_reason", value: .string(reason)),
        ]
        return JSONValue.object(members).serialized
    }
}
