/// One admission, discharge or transfer event, decoded and validated against the event contract.
///
/// Every optional property is `nil` when the feed did not send it: missing data is a fact rules
/// reason about ("missing"), never an error. `derived` holds what rules need that the feed does not
/// send directly, computed once at decode time.
public struct Event: Sendable {
    /// Always 1 for this contract.
    public var schemaVersion: Int
    /// The idempotency key: unique per event, stable across re-sends.
    public var eventID: String
    /// What happened.
    public var eventType: EventType
    /// When it happened, in the facility's local offset.
    public var occurredAt: Timestamp
    /// The sending system.
    public var source: Source?
    /// Who.
    public var patient: Patient
    /// The stay.
    public var encounter: Encounter
    /// Diagnoses, in the order sent.
    public var diagnoses: [Diagnosis]
    /// Medications (usually the discharge reconciliation), in the order sent.
    public var medications: [Medication]
    /// Lab results during the stay, in the order sent.
    public var labs: [LabResult]
    /// Prior use of care, excluding this encounter.
    public var utilization: Utilization?
    /// Insurance.
    public var coverage: Coverage?
    /// Living situation, caregiver, social-needs screening answers.
    public var social: Social?
    /// Function and cognition.
    public var functional: Functional?
    /// Site-specific fields, exactly as sent; rules read them with types checked at evaluation.
    public var extensions: JSONValue?
    /// Facts computed from the above once, at decode time.
    public var derived: DerivedFacts
}

/// The system that sent the event.
public struct Source: Sendable {
    /// The sending system, e.g. the interface engine channel.
    public var system: String?
    /// The facility's identifier.
    public var facilityID: String?
    /// The facility's name.
    public var facilityName: String?
}

/// The patient. Names are synthetic in every sample and test.
public struct Patient: Sendable {
    /// The medical record number within the facility.
    public var id: String
    /// Given name.
    public var givenName: String?
    /// Family name.
    public var familyName: String?
    /// Date of birth.
    public var birthDate: LocalDate?
    /// Administrative sex.
    public var sex: Sex?
    /// BCP 47 tag of the preferred language.
    public var language: String?
    /// Whether an interpreter is needed.
    public var interpreterNeeded: Bool?
    /// Postal code.
    public var postalCode: String?
}

/// The encounter (the stay) the event belongs to.
public struct Encounter: Sendable {
    /// The encounter's identifier.
    public var id: String
    /// Inpatient, observation, emergency, ….
    public var encounterClass: EncounterClass?
    /// Emergency, urgent, elective, ….
    public var admissionType: AdmissionType?
    /// Where the patient came from.
    public var admitSource: AdmitSource?
    /// When the stay began.
    public var admittedAt: Timestamp
    /// When it ended; always present on a discharge event.
    public var dischargedAt: Timestamp?
    /// When the team expects discharge.
    public var expectedDischargeAt: Timestamp?
    /// The facility.
    public var facilityID: String?
    /// The nursing unit, e.g. `4W`.
    public var unit: String?
    /// The bed.
    public var bed: String?
    /// The treating service, lower case (`oncology`, `cardiology`, …).
    public var service: String?
    /// The attending clinician's identifier.
    public var attending: String?
    /// Where the patient went at discharge.
    public var dischargeDisposition: DischargeDisposition?
    /// Procedures during the stay.
    public var procedures: [Procedure]
}

/// A procedure during the stay.
public struct Procedure: Sendable {
    /// The code as sent.
    public var code: String
    /// Its coding system.
    public var system: ProcedureSystem?
    /// Human-readable text.
    public var display: String?
    /// When it was performed.
    public var performedAt: Timestamp?
}

/// A diagnosis.
public struct Diagnosis: Sendable {
    /// The code as sent (`I50.9` or `I509`).
    public var code: String
    /// For ICD-10 codes, the code without dots, upper case (`I509`); other systems' codes as sent.
    /// Compare codes through this, never through `code`.
    public var normalizedCode: String
    /// Its coding system.
    public var system: DiagnosisSystem
    /// Human-readable text.
    public var display: String?
    /// Principal, secondary or history.
    public var kind: DiagnosisKind?
    /// Present on admission.
    public var presentOnAdmission: Bool?
}

/// A medication, usually from the discharge reconciliation.
public struct Medication: Sendable {
    /// The name as sent.
    public var name: String
    /// The RxNorm code.
    public var rxnorm: String?
    /// New, changed, continued or stopped.
    public var status: MedicationStatus?
    /// The patient's monthly out-of-pocket cost in US dollars.
    public var monthlyOutOfPocketUSD: Double?
    /// Dispensed by a specialty pharmacy.
    public var specialty: Bool?
    /// A high-alert drug (anticoagulant, insulin, opioid, …).
    public var highRisk: Bool?
}

/// A lab result during the stay.
public struct LabResult: Sendable {
    /// The LOINC code (`718-7` hemoglobin, `2951-2` sodium).
    public var loinc: String
    /// Human-readable name.
    public var name: String?
    /// The numeric value.
    public var value: Double
    /// The unit.
    public var unit: String?
    /// When it was observed.
    public var observedAt: Timestamp?
}

/// Prior use of care reported by the feed, excluding the current encounter.
public struct Utilization: Sendable {
    /// Emergency department visits in the previous six months.
    public var edVisits6mo: Int?
    /// Admissions in the previous twelve months.
    public var admissions12mo: Int?
    /// The last discharge before this encounter.
    public var lastDischargeAt: Timestamp?
}

/// Insurance coverage.
public struct Coverage: Sendable {
    /// The kind of coverage.
    public var type: CoverageType?
    /// Whether prescription drugs are covered.
    public var drugCoverage: Bool?
    /// The patient's annual out-of-pocket cost in US dollars.
    public var annualOutOfPocketUSD: Double?
}

/// The patient's social situation.
public struct Social: Sendable {
    /// Lives alone.
    public var livesAlone: Bool?
    /// Housing status.
    public var housing: Housing?
    /// Cost-related non-adherence in the past 12 months (NHIS items).
    public var costRelatedNonadherence: Bool?
    /// The caregiver, if any was recorded.
    public var caregiver: Caregiver?
    /// Raw social-needs screening answers.
    public var screenings: [ScreeningAnswer]
}

/// The patient's caregiver.
public struct Caregiver: Sendable {
    /// Available, limited or none.
    public var status: CaregiverStatus?
    /// Relationship to the patient.
    public var relationship: String?
    /// The caregiver's age in years.
    public var age: Int?
    /// Hours of care per week.
    public var hoursPerWeek: Double?
    /// The 13 Modified Caregiver Strain Index items in published order, each 0, 1 or 2.
    public var mcsiItems: [Int]?
}

/// One answer of a social-needs screening.
public struct ScreeningAnswer: Sendable {
    /// The instrument.
    public var instrument: ScreeningInstrument?
    /// The LOINC code of the question.
    public var question: String
    /// The LOINC answer code.
    public var answerCode: String?
    /// A value answer (a number, a yes/no, or text).
    public var answerValue: AnswerValue?
    /// When it was answered.
    public var answeredAt: Timestamp?
}

/// A screening answer given as a value rather than an answer code.
public enum AnswerValue: Sendable, Equatable {
    /// A number (a score, a count).
    case number(Double)
    /// Yes or no.
    case bool(Bool)
    /// Text.
    case text(String)
}

/// Function and cognition.
public struct Functional: Sendable {
    /// Katz activities of daily living that need help (0–6).
    public var adlDependencies: Int?
    /// Cognitive impairment recorded.
    public var cognitiveImpairment: Bool?
    /// Falls in the previous six months.
    public var falls6mo: Int?
}
