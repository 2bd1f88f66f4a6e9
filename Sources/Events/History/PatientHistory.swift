/// One encounter of a patient as RiskScreen saw it, from the events it processed.
public struct EncounterRecord: Sendable, Equatable {
    public var encounterID: String
    /// Inpatient, emergency, …, as the last event that said so sent it.
    public var encounterClass: EncounterClass?
    public var admittedAt: Timestamp
    /// Set by a discharge; cleared by a `cancel_discharge`.
    public var dischargedAt: Timestamp?
    public var disposition: DischargeDisposition?
    /// Set by a `cancel_admission`: the encounter did not happen and no rule counts it.
    public var cancelled: Bool
    /// The last event that changed this record.
    public var lastEventID: String

    /// Creates a record.
    public init(
        encounterID: String, encounterClass: EncounterClass?, admittedAt: Timestamp, dischargedAt: Timestamp? = nil,
        disposition: DischargeDisposition? = nil, cancelled: Bool = false, lastEventID: String
    ) {
        self.encounterID = encounterID
        self.encounterClass = encounterClass
        self.admittedAt = admittedAt
        self.dischargedAt = dischargedAt
        self.disposition = disposition
        self.cancelled = cancelled
        self.lastEventID = lastEventID
    }
}

/// What RiskScreen knows of one patient's earlier encounters: every encounter it saw an event of.
///
/// It is kept by the daemon's state (and built from a test case's `history:` events), so rules can
/// ask what the feed's own counts cannot answer reliably: when this patient was last discharged,
/// and how often they came back. Only what the daemon saw is known; an encounter at another
/// hospital is not in it (the feed's `utilization` block may still count it).
public struct PatientHistory: Sendable, Equatable {
    public var patientID: String
    /// Every encounter seen, in the order first seen.
    public var encounters: [EncounterRecord]

    /// Creates a history.
    public init(patientID: String, encounters: [EncounterRecord] = []) {
        self.patientID = patientID
        self.encounters = encounters
    }

    /// The record `event` leaves for its encounter: created by the first event of an encounter,
    /// then updated by each later one (a discharge sets the discharge, a cancel undoes).
    public func updated(by event: Event) -> EncounterRecord {
        let encounter = event.encounter
        var record =
            encounters.first { $0.encounterID == encounter.id }
            ?? EncounterRecord(
                encounterID: encounter.id, encounterClass: encounter.encounterClass, admittedAt: encounter.admittedAt,
                lastEventID: event.eventID)
        record.lastEventID = event.eventID
        switch event.eventType {
        case .cancelAdmission:
            record.cancelled = true
        case .cancelDischarge:
            record.dischargedAt = nil
            record.disposition = nil
        default:
            if event.eventType == .admission || event.eventType == .registration { record.cancelled = false }
            record.encounterClass = encounter.encounterClass ?? record.encounterClass
            record.admittedAt = encounter.admittedAt
            if let discharged = encounter.dischargedAt {
                record.dischargedAt = discharged
                record.disposition = encounter.dischargeDisposition ?? record.disposition
            }
        }
        return record
    }

    /// Applies `event` to the history (see ``updated(by:)``).
    public mutating func apply(_ event: Event) {
        let record = updated(by: event)
        if let index = encounters.firstIndex(where: { $0.encounterID == record.encounterID }) {
            encounters[index] = record
        } else {
            encounters.append(record)
        }
    }

    /// The encounters before `event`'s: other encounters, not cancelled, admitted before it.
    public func earlier(than event: Event) -> [EncounterRecord] {
        let admitted = event.encounter.admittedAt
        return encounters.filter {
            $0.encounterID != event.encounter.id && !$0.cancelled && $0.admittedAt < admitted
        }
    }

    /// The most recent discharge from a hospital stay (inpatient or observation; a stay of unknown
    /// class counts) before `event`'s encounter began. An emergency visit's release is not one.
    public func lastDischarge(before event: Event) -> EncounterRecord? {
        let admitted = event.encounter.admittedAt
        return earlier(than: event)
            .filter { [nil, .inpatient, .observation].contains($0.encounterClass) }
            .filter { $0.dischargedAt.map { !(admitted < $0) } ?? false }
            .max { ($0.dischargedAt ?? admitted) < ($1.dischargedAt ?? admitted) }
    }

    /// Calendar days (in the offsets sent) from the last discharge to this encounter's admission.
    public func daysSinceLastDischarge(before event: Event) -> Int? {
        lastDischarge(before: event)?.dischargedAt.map { $0.calendarDays(until: event.encounter.admittedAt) }
    }

    /// Earlier inpatient encounters admitted in the `days` before this encounter's admission.
    public func admissions(withinDays days: Int, before event: Event) -> Int {
        count(of: .inpatient, withinDays: days, before: event)
    }

    /// Earlier emergency encounters begun in the `days` before this encounter's admission.
    public func emergencyVisits(withinDays days: Int, before event: Event) -> Int {
        count(of: .emergency, withinDays: days, before: event)
    }

    private func count(of kind: EncounterClass, withinDays days: Int, before event: Event) -> Int {
        let admitted = event.encounter.admittedAt
        let start = admitted.adding(seconds: -Double(days) * 86_400)
        return earlier(than: event).count { $0.encounterClass == kind && !($0.admittedAt < start) }
    }
}
