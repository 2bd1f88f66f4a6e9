/// What one event said about its encounter: the part of an event the patient history keeps.
///
/// The history is rebuilt from these in the order the events *happened* (`occurred_at`, then
/// `event_id`), never in the order they arrived, so a backlog delivered out of order gives the
/// same history as the live feed would have.
public struct EncounterFact: Sendable, Equatable {
    public var eventID: String
    public var eventType: EventType
    public var occurredAt: Timestamp
    public var encounterID: String
    public var encounterClass: EncounterClass?
    public var admittedAt: Timestamp
    public var dischargedAt: Timestamp?
    public var disposition: DischargeDisposition?

    /// Creates a fact (the state store reads them back this way).
    public init(
        eventID: String, eventType: EventType, occurredAt: Timestamp, encounterID: String,
        encounterClass: EncounterClass?, admittedAt: Timestamp, dischargedAt: Timestamp? = nil,
        disposition: DischargeDisposition? = nil
    ) {
        self.eventID = eventID
        self.eventType = eventType
        self.occurredAt = occurredAt
        self.encounterID = encounterID
        self.encounterClass = encounterClass
        self.admittedAt = admittedAt
        self.dischargedAt = dischargedAt
        self.disposition = disposition
    }

    /// What `event` says about its encounter.
    public init(_ event: Event) {
        self.init(
            eventID: event.eventID, eventType: event.eventType, occurredAt: event.occurredAt,
            encounterID: event.encounter.id, encounterClass: event.encounter.encounterClass,
            admittedAt: event.encounter.admittedAt, dischargedAt: event.encounter.dischargedAt,
            disposition: event.encounter.dischargeDisposition)
    }

    /// Whether this fact comes before an event that happened at `time` with id `eventID`: by time,
    /// then by id, so that any two events have one order whatever order they arrived in.
    public func precedes(_ time: Timestamp, _ eventID: String) -> Bool {
        occurredAt < time || (occurredAt == time && self.eventID < eventID)
    }
}

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
    /// The last event (in the order events happened) that changed this record.
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

    /// The record after `fact`: created by the first fact of an encounter, then updated by each later
    /// one (a discharge sets the discharge, a cancel undoes).
    static func updated(_ record: EncounterRecord?, by fact: EncounterFact) -> EncounterRecord {
        var record =
            record
            ?? EncounterRecord(
                encounterID: fact.encounterID, encounterClass: fact.encounterClass, admittedAt: fact.admittedAt,
                lastEventID: fact.eventID)
        record.lastEventID = fact.eventID
        switch fact.eventType {
        case .cancelAdmission:
            record.cancelled = true
        case .cancelDischarge:
            record.dischargedAt = nil
            record.disposition = nil
        default:
            if fact.eventType == .admission || fact.eventType == .registration { record.cancelled = false }
            record.encounterClass = fact.encounterClass ?? record.encounterClass
            record.admittedAt = fact.admittedAt
            if let discharged = fact.dischargedAt {
                record.dischargedAt = discharged
                record.disposition = fact.disposition ?? record.disposition
            }
        }
        return record
    }
}

/// What RiskScreen knows of one patient's encounters: every event it recorded, as facts in the order
/// they happened, and the encounters those facts make.
///
/// It is kept by the daemon's state (and built from a test case's `history:` events), so rules can
/// ask what the feed's own counts cannot answer reliably: when this patient was last discharged,
/// and how often they came back. Only what the daemon saw is known; an encounter at another
/// hospital is not in it (the feed's `utilization` block may still count it).
///
/// Rules see the history **as it stood when their event happened** (``before(_:)``): the facts of
/// events that happened earlier, whenever they arrived.
public struct PatientHistory: Sendable, Equatable {
    public var patientID: String
    /// Every fact, in the order the events happened (``EncounterFact/precedes(_:_:)``).
    public private(set) var facts: [EncounterFact]
    /// Every encounter, in the order first seen (in time), as the facts leave it.
    public private(set) var encounters: [EncounterRecord]

    /// A history of `facts` (in any order).
    public init(patientID: String, facts: [EncounterFact] = []) {
        self.patientID = patientID
        self.facts = facts.sorted { $0.precedes($1.occurredAt, $1.eventID) }
        encounters = Self.fold(self.facts)
    }

    private static func fold(_ facts: [EncounterFact]) -> [EncounterRecord] {
        var records: [EncounterRecord] = []
        var index: [String: Int] = [:]
        for fact in facts {
            if let position = index[fact.encounterID] {
                records[position] = EncounterRecord.updated(records[position], by: fact)
            } else {
                index[fact.encounterID] = records.count
                records.append(EncounterRecord.updated(nil, by: fact))
            }
        }
        return records
    }

    /// Adds `fact` in its place in time (replacing an earlier fact of the same event).
    public mutating func record(_ fact: EncounterFact) {
        facts.removeAll { $0.eventID == fact.eventID }
        let position = facts.firstIndex { !$0.precedes(fact.occurredAt, fact.eventID) } ?? facts.count
        facts.insert(fact, at: position)
        encounters = Self.fold(facts)
    }

    /// Adds what `event` says about its encounter.
    public mutating func apply(_ event: Event) {
        record(EncounterFact(event))
    }

    /// The history as it stood when `event` happened: only the facts of events before it.
    public func before(_ event: Event) -> PatientHistory {
        let time = event.occurredAt
        let id = event.eventID
        guard let last = facts.last, !last.precedes(time, id) else { return self }
        return PatientHistory(patientID: patientID, sortedFacts: facts.prefix { $0.precedes(time, id) })
    }

    private init(patientID: String, sortedFacts: ArraySlice<EncounterFact>) {
        self.patientID = patientID
        facts = Array(sortedFacts)
        encounters = Self.fold(facts)
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
