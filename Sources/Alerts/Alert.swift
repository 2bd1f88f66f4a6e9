public import Events
public import Rules

/// A referral alert: the record the social work team reads, as the contract fixes it
/// (`../shared/contract/README.md` §2). One per referral per event; it holds every finding for
/// that referral and says why.
public struct Alert: Sendable {
    /// Where an alert stands: open when raised; acknowledged and closed by the team; withdrawn
    /// when its event was cancelled or its findings no longer hold.
    public enum Status: String, Sendable, CaseIterable {
        case open, acknowledged, closed, withdrawn

        /// Whether the team may still act on it (open or acknowledged).
        public var isActive: Bool { self == .open || self == .acknowledged }
    }

    /// Deterministic: the same event and referral always give the same id.
    public var alertID: String
    /// When RiskScreen decided it (UTC).
    public var createdAt: Timestamp
    public var eventID: String
    public var eventType: EventType
    public var occurredAt: Timestamp
    public var patientID: String
    public var encounterID: String
    public var facilityID: String?
    public var unit: String?
    /// The highest priority of its findings, after escalation.
    public var priority: Priority
    /// The deadline from the priority's service level.
    public var respondBy: Timestamp
    /// The team or service the work goes to.
    public var referral: String
    /// One line, at most 140 characters.
    public var summary: String
    /// Every rule that contributed, highest priority first.
    public var findings: [Finding]
    /// The digest of the rule set that decided it.
    public var rulesVersion: String
    public var status: Status
    /// The earlier alerts this one escalates: the same patient and rule at a lower priority.
    public var supersedes: [String] = []
    /// Who the patient is, as the event said (name, age at the event, sex), for the worklist.
    public var patient: PatientIdentity?

    /// Whether it was already past its deadline when raised (an event from a backlog).
    public var raisedOverdue: Bool { !(createdAt < respondBy) }

    /// The id of the alert for `referral` caused by the event `eventID`. `generation` counts the
    /// alerts of one event and referral: 1 for the first (the usual case); an event decided again
    /// after its first alert was withdrawn gets 2, 3, ….
    public static func id(eventID: String, referral: String, generation: Int = 1) -> String {
        let key = eventID + "\u{0}" + referral + (generation > 1 ? "\u{0}\(generation)" : "")
        return "rs-" + SHA256Digest.hex(key).prefix(24)
    }
}

/// Who the patient is, as the alert's event said: the worklist shows it behind its login (as
/// `display.patient_identity` allows). Every field is optional: feeds send what they have.
public struct PatientIdentity: Sendable, Equatable {
    /// Given and family name.
    public var name: String?
    /// Whole years at the event.
    public var age: Int?
    /// Administrative sex.
    public var sex: String?

    public init(name: String? = nil, age: Int? = nil, sex: String? = nil) {
        self.name = name
        self.age = age
        self.sex = sex
    }

    /// The identity `event` gives, or `nil` when it gives none.
    public init?(_ event: Event) {
        let patient = event.patient
        let name = [patient.givenName, patient.familyName].compactMap { $0 }.joined(separator: " ")
        self.init(name: name.isEmpty ? nil : name, age: event.derived.ageYears, sex: patient.sex?.rawValue)
        if self.name == nil && age == nil && sex == nil { return nil }
    }
}
