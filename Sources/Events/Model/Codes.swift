/// The closed vocabularies of the event contract (`schemas/event.schema.json`), one enum each.
///
/// Their raw values are the contract's spellings; an event with any other value is invalid.

/// What happened: HL7 v2 A01, A02, A03, A04, A08, A11, A13.
public enum EventType: String, CaseIterable, Sendable {
    case admission, transfer, discharge, registration, update
    case cancelAdmission = "cancel_admission"
    case cancelDischarge = "cancel_discharge"
}

/// Administrative sex as the feed records it.
public enum Sex: String, CaseIterable, Sendable {
    case female, male, other, unknown
}

/// The encounter class (HL7 v2 PV1-2, FHIR `Encounter.class`).
public enum EncounterClass: String, CaseIterable, Sendable {
    case inpatient, observation, emergency, outpatient
    case daySurgery = "day_surgery"
}

/// The admission type (HL7 v2 PV1-4); LACE's "acute" and HOSPITAL's "urgent or emergent" read it.
public enum AdmissionType: String, CaseIterable, Sendable {
    case emergency, urgent, elective, newborn, trauma
}

/// Where the patient came from (HL7 v2 PV1-14).
public enum AdmitSource: String, CaseIterable, Sendable {
    case emergencyDepartment = "emergency_department"
    case physicianReferral = "physician_referral"
    case clinic
    case transferHospital = "transfer_hospital"
    case transferSNF = "transfer_snf"
    case home, other
}

/// Where the patient goes at discharge (HL7 v2 PV1-36, FHIR `hospitalization.dischargeDisposition`).
public enum DischargeDisposition: String, CaseIterable, Sendable {
    case home
    case homeHealth = "home_health"
    case skilledNursing = "skilled_nursing"
    case rehab
    case longTermCare = "long_term_care"
    case hospice
    case transferAcute = "transfer_acute"
    case psychiatric
    case againstMedicalAdvice = "against_medical_advice"
    case expired, other
}

/// The coding system of a procedure.
public enum ProcedureSystem: String, CaseIterable, Sendable {
    case cpt, icd10pcs, snomed, other
}

/// The coding system of a diagnosis.
public enum DiagnosisSystem: String, CaseIterable, Sendable {
    case icd10, snomed, other
}

/// The role of a diagnosis in the encounter.
public enum DiagnosisKind: String, CaseIterable, Sendable {
    case principal, secondary, history
}

/// A medication's status relative to the pre-admission list (discharge reconciliation).
public enum MedicationStatus: String, CaseIterable, Sendable {
    case new, changed, continued, stopped
}

/// The kind of insurance coverage.
public enum CoverageType: String, CaseIterable, Sendable {
    case medicare, medicaid, dual, commercial, marketplace, military, uninsured
    case selfPay = "self_pay"
    case other
}

/// Housing as recorded.
public enum Housing: String, CaseIterable, Sendable {
    case stable
    case atRisk = "at_risk"
    case homeless, unknown
}

/// Whether a caregiver is available.
public enum CaregiverStatus: String, CaseIterable, Sendable {
    case available, limited, none
}

/// The social-needs screening instrument an answer belongs to.
public enum ScreeningInstrument: String, CaseIterable, Sendable {
    case ahcHRSN = "ahc-hrsn"
    case prapare, other
}
