public import Events
public import Rules

/// An alert already raised for a patient, as the policy needs to see it.
public struct PriorAlert: Sendable, Equatable {
    /// One finding of the alert: which rule, at which priority.
    public struct RuleFinding: Sendable, Equatable {
        public var ruleID: String
        public var priority: Priority

        public init(ruleID: String, priority: Priority) {
            self.ruleID = ruleID
            self.priority = priority
        }
    }

    public var alertID: String
    public var eventID: String
    public var eventType: EventType
    public var encounterID: String
    /// When the event that raised it happened: suppression windows are measured from here.
    public var occurredAt: Timestamp
    public var priority: Priority
    public var referral: String
    /// `open`, `acknowledged`, `closed` or `withdrawn`.
    public var status: String
    public var findings: [RuleFinding]
    /// The alert record (JSON) as the sinks received it.
    public var record: String

    public init(
        alertID: String, eventID: String, eventType: EventType, encounterID: String, occurredAt: Timestamp,
        priority: Priority, referral: String, status: String, findings: [RuleFinding], record: String
    ) {
        self.alertID = alertID
        self.eventID = eventID
        self.eventType = eventType
        self.encounterID = encounterID
        self.occurredAt = occurredAt
        self.priority = priority
        self.referral = referral
        self.status = status
        self.findings = findings
        self.record = record
    }

    /// The alert as its sinks first received it.
    public init(_ alert: Alert) {
        self.init(
            alertID: alert.alertID, eventID: alert.eventID, eventType: alert.eventType, encounterID: alert.encounterID,
            occurredAt: alert.occurredAt, priority: alert.priority, referral: alert.referral,
            status: alert.status.rawValue,
            findings: alert.findings.map { RuleFinding(ruleID: $0.ruleID, priority: $0.priority) },
            record: alert.json.serialized)
    }

    /// Whether the team may still act on it.
    public var isActive: Bool { status == "open" || status == "acknowledged" }
}

/// Everything the state knows of one patient that the policy and the rules read: earlier
/// encounters and earlier alerts.
public struct PatientState: Sendable, Equatable {
    public var history: PatientHistory
    /// The patient's alerts, oldest first.
    public var alerts: [PriorAlert]

    public init(history: PatientHistory, alerts: [PriorAlert] = []) {
        self.history = history
        self.alerts = alerts
    }

    /// A patient the state has never seen.
    public init(patientID: String) {
        self.init(history: PatientHistory(patientID: patientID))
    }

    /// The state after `decision` was recorded: what a store does, in memory (rule
    /// tests run sequences of events through this).
    public mutating func apply(_ decision: PolicyDecision) {
        if let encounter = decision.encounter {
            if let index = history.encounters.firstIndex(where: { $0.encounterID == encounter.encounterID }) {
                history.encounters[index] = encounter
            } else {
                history.encounters.append(encounter)
            }
        }
        for withdrawal in decision.withdrawn {
            if let index = alerts.firstIndex(where: { $0.alertID == withdrawal.alertID }) {
                alerts[index].status = "withdrawn"
                alerts[index].record = withdrawal.record
            }
        }
        alerts += decision.opened.map(PriorAlert.init)
    }
}
