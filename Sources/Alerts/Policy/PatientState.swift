public import Events
public import Rules

/// An alert already raised for a patient, as the policy needs to see it.
public struct PriorAlert: Sendable, Equatable {
    public var alertID: String
    public var eventID: String
    public var eventType: EventType
    public var encounterID: String
    /// When the event that raised it happened: suppression windows are measured from here.
    public var occurredAt: Timestamp
    public var priority: Priority
    public var referral: String
    public var status: Alert.Status
    /// The alert record (JSON) as the sinks received it.
    public var record: String

    public init(
        alertID: String, eventID: String, eventType: EventType, encounterID: String, occurredAt: Timestamp,
        priority: Priority, referral: String, status: Alert.Status, record: String
    ) {
        self.alertID = alertID
        self.eventID = eventID
        self.eventType = eventType
        self.encounterID = encounterID
        self.occurredAt = occurredAt
        self.priority = priority
        self.referral = referral
        self.status = status
        self.record = record
    }

    /// The alert as its sinks first received it (`keepingRecord: false`: without the record).
    public init(_ alert: Alert, keepingRecord: Bool = true) {
        self.init(alert, record: keepingRecord ? alert.json.serialized : "")
    }

    /// The alert with its record already written (`alert.json.serialized`, or "" for none).
    public init(_ alert: Alert, record: String) {
        self.init(
            alertID: alert.alertID, eventID: alert.eventID, eventType: alert.eventType, encounterID: alert.encounterID,
            occurredAt: alert.occurredAt, priority: alert.priority, referral: alert.referral,
            status: alert.status, record: record)
    }

    /// Whether the team may still act on it.
    public var isActive: Bool { status.isActive }
}

/// One finding of a recorded event — one rule that fired on it — and what became of it.
///
/// Every finding of every event is kept with its fate, so that an event decided again (an earlier
/// event arrived late, a cancel came, an alert it repeated was withdrawn) can be compared with what
/// was decided before, and nothing a rule found disappears without a trace.
public struct RecordedFinding: Sendable, Equatable {
    /// What the finding became.
    public enum Fate: Sendable, Equatable {
        /// It opened this alert.
        case opened(alertID: String)
        /// It repeats this alert: recorded against it, opening nothing.
        case repeated(alertID: String)
        /// Its event happened longer ago than `stale_after`: recorded, no alert.
        case stale
        /// Its event was cancelled by this cancel event: it counts for nothing.
        case void(byEventID: String)
        /// Decided again after this event arrived, the rule no longer finds it (or finds it at
        /// another priority, recorded as a new finding).
        case retracted(byEventID: String)

        /// The fate's name as the state stores it.
        public var name: String {
            switch self {
            case .opened: "opened"
            case .repeated: "repeated"
            case .stale: "stale"
            case .void: "void"
            case .retracted: "retracted"
            }
        }

        /// The alert it opened or repeats.
        public var alertID: String? {
            switch self {
            case .opened(let id), .repeated(let id): id
            default: nil
            }
        }

        /// The event that voided or retracted it.
        public var byEventID: String? {
            switch self {
            case .void(let id), .retracted(let id): id
            default: nil
            }
        }

        /// The fate from its stored name and ids; `nil` for an unknown name.
        public init?(name: String, alertID: String?, byEventID: String?) {
            switch (name, alertID, byEventID) {
            case ("opened", let id?, _): self = .opened(alertID: id)
            case ("repeated", let id?, _): self = .repeated(alertID: id)
            case ("stale", _, _): self = .stale
            case ("void", _, let id?): self = .void(byEventID: id)
            case ("retracted", _, let id?): self = .retracted(byEventID: id)
            default: return nil
            }
        }
    }

    public var eventID: String
    public var eventType: EventType
    public var occurredAt: Timestamp
    public var encounterID: String
    public var ruleID: String
    public var referral: String
    public var priority: Priority
    /// The rule's reason, with this event's values.
    public var reason: String
    public var fate: Fate

    public init(
        eventID: String, eventType: EventType, occurredAt: Timestamp, encounterID: String, ruleID: String,
        referral: String, priority: Priority, reason: String, fate: Fate
    ) {
        self.eventID = eventID
        self.eventType = eventType
        self.occurredAt = occurredAt
        self.encounterID = encounterID
        self.ruleID = ruleID
        self.referral = referral
        self.priority = priority
        self.reason = reason
        self.fate = fate
    }

    /// `finding` of `event`, with its fate.
    public init(_ finding: Finding, of event: Event, fate: Fate) {
        self.init(
            eventID: event.eventID, eventType: event.eventType, occurredAt: event.occurredAt,
            encounterID: event.encounter.id, ruleID: finding.ruleID, referral: finding.referral,
            priority: finding.priority, reason: finding.reason, fate: fate)
    }

    /// The alert it opened or repeats.
    public var alertID: String? { fate.alertID }
}

/// Everything the state knows of one patient that the policy and the rules read: the facts of
/// every event recorded (the history), the alerts raised, and every finding with its fate.
public struct PatientState: Sendable, Equatable {
    public var history: PatientHistory
    /// The patient's alerts, oldest first.
    public var alerts: [PriorAlert]
    /// Every finding of the patient's recorded events, with what became of it.
    public var findings: [RecordedFinding]

    public init(history: PatientHistory, alerts: [PriorAlert] = [], findings: [RecordedFinding] = []) {
        self.history = history
        self.alerts = alerts
        self.findings = findings
    }

    /// A patient the state has never seen.
    public init(patientID: String) {
        self.init(history: PatientHistory(patientID: patientID))
    }

    /// The state after `decision` was recorded: what a store does, in memory (rule tests and
    /// `eval --state` run sequences of events through this). `keepingRecords: false` leaves the
    /// alerts' records out (a replay's states).
    public mutating func apply(_ decision: PolicyDecision, keepingRecords: Bool = true) {
        if let fact = decision.fact { history.record(fact) }
        alerts += decision.opened.map { PriorAlert($0, keepingRecord: keepingRecords) }
        for withdrawal in decision.withdrawn {
            if let index = alerts.firstIndex(where: { $0.alertID == withdrawal.alertID }) {
                alerts[index].status = .withdrawn
                alerts[index].record = withdrawal.record
            }
        }
        var index: [String: Int] = [:]
        for (position, finding) in findings.enumerated() {
            index[finding.eventID + "\u{0}" + finding.ruleID] = position
        }
        for finding in decision.findings {
            if let position = index[finding.eventID + "\u{0}" + finding.ruleID] {
                findings[position] = finding
            } else {
                index[finding.eventID + "\u{0}" + finding.ruleID] = findings.count
                findings.append(finding)
            }
        }
    }
}
