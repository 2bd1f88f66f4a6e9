import Events

/// The repeating parts of an event that `any`, `all`, `count`, `sum`, `min` and `max` range over.
enum CollectionKind: String, CaseIterable {
    case diagnoses, medications, labs, procedures, screenings

    func count(_ event: Event) -> Int {
        switch self {
        case .diagnoses: event.diagnoses.count
        case .medications: event.medications.count
        case .labs: event.labs.count
        case .procedures: event.encounter.procedures.count
        case .screenings: event.social?.screenings.count ?? 0
        }
    }
}

/// A field rules may read: its type, the values its enum allows (for checking literals), and how
/// to read it from an event.
struct Field {
    var type: ValueType
    var allowed: [String]?
    var read: @Sendable (Context) -> Value

    static func string(_ read: @escaping @Sendable (Event) -> String?) -> Field {
        Field(type: .string) { context in read(context.event).map(Value.string) ?? .missing }
    }
    static func number(_ read: @escaping @Sendable (Event) -> Double?) -> Field {
        Field(type: .number) { context in read(context.event).map(Value.number) ?? .missing }
    }
    static func integer(_ read: @escaping @Sendable (Event) -> Int?) -> Field {
        Field(type: .number) { context in read(context.event).map { .number(Double($0)) } ?? .missing }
    }
    static func bool(_ read: @escaping @Sendable (Event) -> Bool?) -> Field {
        Field(type: .bool) { context in read(context.event).map(Value.bool) ?? .missing }
    }
    static func timestamp(_ read: @escaping @Sendable (Event) -> Timestamp?) -> Field {
        Field(type: .timestamp) { context in read(context.event).map(Value.timestamp) ?? .missing }
    }
    static func choice<E: RawRepresentable & CaseIterable & Sendable>(_ read: @escaping @Sendable (Event) -> E?)
        -> Field
    where E.RawValue == String {
        Field(type: .string, allowed: E.allCases.map(\.rawValue)) { context in
            read(context.event).map { .string($0.rawValue) } ?? .missing
        }
    }

    /// A field of the patient's history; missing when evaluated without a state.
    static func history(
        type: ValueType, allowed: [String]? = nil, _ read: @escaping @Sendable (PatientHistory, Event) -> Value?
    ) -> Field {
        Field(type: type, allowed: allowed) { context in
            guard let history = context.history else { return .missing }
            return read(history, context.event) ?? .missing
        }
    }

    /// A field of the element a collection predicate is visiting.
    static func element<E>(
        _ collection: @escaping @Sendable (Event) -> [E], type: ValueType, allowed: [String]? = nil,
        _ read: @escaping @Sendable (E) -> Value
    ) -> Field {
        Field(type: type, allowed: allowed) { context in
            let index = context.index
            // Through the buffer, the element is lent to `read` rather than copied.
            return collection(context.event).withUnsafeBufferPointer { items in
                index < items.count ? read(items[index]) : .missing
            }
        }
    }
}

/// Every field of the event model that rules can name, by its dotted path.
enum FieldCatalog {
    static let event: [String: Field] = [
        "event_id": .string { $0.eventID },
        "event_type": Field(type: .string, allowed: EventType.allCases.map(\.rawValue)) {
            .string($0.event.eventType.rawValue)
        },
        "occurred_at": .timestamp { $0.occurredAt },
        "age": .integer { $0.derived.ageYears },
        "length_of_stay": .integer { $0.derived.lengthOfStayDays },
        "source.system": .string { $0.source?.system },
        "source.facility_id": .string { $0.source?.facilityID },
        "source.facility_name": .string { $0.source?.facilityName },
        "patient.id": .string { $0.patient.id },
        "patient.birth_date": Field(type: .date) { $0.event.patient.birthDate.map(Value.date) ?? .missing },
        "patient.sex": .choice { $0.patient.sex },
        "patient.language": .string { $0.patient.language },
        "patient.interpreter_needed": .bool { $0.patient.interpreterNeeded },
        "patient.postal_code": .string { $0.patient.postalCode },
        "encounter.id": .string { $0.encounter.id },
        "encounter.class": .choice { $0.encounter.encounterClass },
        "encounter.admission_type": .choice { $0.encounter.admissionType },
        "encounter.admit_source": .choice { $0.encounter.admitSource },
        "encounter.admitted_at": .timestamp { $0.encounter.admittedAt },
        "encounter.discharged_at": .timestamp { $0.encounter.dischargedAt },
        "encounter.expected_discharge_at": .timestamp { $0.encounter.expectedDischargeAt },
        "encounter.facility_id": .string { $0.encounter.facilityID },
        "encounter.unit": .string { $0.encounter.unit },
        "encounter.bed": .string { $0.encounter.bed },
        "encounter.service": .string { $0.encounter.service },
        "encounter.attending": .string { $0.encounter.attending },
        "encounter.discharge_disposition": .choice { $0.encounter.dischargeDisposition },
        "utilization.ed_visits_6mo": .integer { $0.utilization?.edVisits6mo },
        "utilization.admissions_12mo": .integer { $0.utilization?.admissions12mo },
        "utilization.last_discharge_at": .timestamp { $0.utilization?.lastDischargeAt },
        "coverage.type": .choice { $0.coverage?.type },
        "coverage.drug_coverage": .bool { $0.coverage?.drugCoverage },
        "coverage.annual_out_of_pocket_usd": .number { $0.coverage?.annualOutOfPocketUSD },
        "social.lives_alone": .bool { $0.social?.livesAlone },
        "social.housing": .choice { $0.social?.housing },
        "social.cost_related_nonadherence": .bool { $0.social?.costRelatedNonadherence },
        "social.caregiver.status": .choice { $0.social?.caregiver?.status },
        "social.caregiver.relationship": .string { $0.social?.caregiver?.relationship },
        "social.caregiver.age": .integer { $0.social?.caregiver?.age },
        "social.caregiver.hours_per_week": .number { $0.social?.caregiver?.hoursPerWeek },
        "social.caregiver.mcsi_items": Field(type: .numberList) { context in
            context.event.social?.caregiver?.mcsiItems.map { .list($0.map { .number(Double($0)) }) } ?? .missing
        },
        "functional.adl_dependencies": .integer { $0.functional?.adlDependencies },
        "functional.cognitive_impairment": .bool { $0.functional?.cognitiveImpairment },
        "functional.falls_6mo": .integer { $0.functional?.falls6mo },
        // What the daemon's state saw of this patient before this encounter.
        "history.days_since_last_discharge": .history(type: .number) { history, event in
            history.daysSinceLastDischarge(before: event).map { .number(Double($0)) }
        },
        "history.last_discharge.encounter_id": .history(type: .string) { history, event in
            history.lastDischarge(before: event).map { .string($0.encounterID) }
        },
        "history.last_discharge.discharged_at": .history(type: .timestamp) { history, event in
            history.lastDischarge(before: event)?.dischargedAt.map(Value.timestamp)
        },
        "history.last_discharge.admitted_at": .history(type: .timestamp) { history, event in
            history.lastDischarge(before: event).map { .timestamp($0.admittedAt) }
        },
        "history.last_discharge.class": .history(type: .string, allowed: EncounterClass.allCases.map(\.rawValue)) {
            history, event in
            history.lastDischarge(before: event)?.encounterClass.map { .string($0.rawValue) }
        },
        "history.last_discharge.disposition": .history(
            type: .string, allowed: DischargeDisposition.allCases.map(\.rawValue)
        ) { history, event in
            history.lastDischarge(before: event)?.disposition.map { .string($0.rawValue) }
        },
        "history.encounters": .history(type: .number) { history, event in
            .number(Double(history.earlier(than: event).count))
        },
        "history.admissions_30d": admissions(30),
        "history.admissions_90d": admissions(90),
        "history.admissions_180d": admissions(180),
        "history.admissions_365d": admissions(365),
        "history.ed_visits_30d": emergencyVisits(30),
        "history.ed_visits_90d": emergencyVisits(90),
        "history.ed_visits_180d": emergencyVisits(180),
        "history.ed_visits_365d": emergencyVisits(365),
    ]

    private static func admissions(_ days: Int) -> Field {
        .history(type: .number) { history, event in .number(Double(history.admissions(withinDays: days, before: event)))
        }
    }

    private static func emergencyVisits(_ days: Int) -> Field {
        .history(type: .number) { history, event in
            .number(Double(history.emergencyVisits(withinDays: days, before: event)))
        }
    }

    /// The names by which a collection may be written.
    static let collections: [String: CollectionKind] = [
        "diagnoses": .diagnoses, "medications": .medications, "labs": .labs, "procedures": .procedures,
        "encounter.procedures": .procedures, "screenings": .screenings, "social.screenings": .screenings,
        "latest_screenings": .screenings, "social.latest_screenings": .screenings,
    ]

    /// Collections that are a view of another: the elements that count. `latest_screenings`: the
    /// screening answers that are not superseded (each question's answers at its latest time).
    static let views: [String: @Sendable (Context) -> [Int]] = [
        "latest_screenings": { $0.latestScreenings() },
        "social.latest_screenings": { $0.latestScreenings() },
    ]

    /// The fields of each collection's elements, named without a prefix inside a predicate.
    static let elements: [CollectionKind: [String: Field]] = [
        .diagnoses: [
            // Always the normalised code: no dots, upper case.
            "code": .element({ $0.diagnoses }, type: .string) { .string($0.normalizedCode) },
            "system": .element({ $0.diagnoses }, type: .string, allowed: DiagnosisSystem.allCases.map(\.rawValue)) {
                .string($0.system.rawValue)
            },
            "display": .element({ $0.diagnoses }, type: .string) { $0.display.map(Value.string) ?? .missing },
            "kind": .element({ $0.diagnoses }, type: .string, allowed: DiagnosisKind.allCases.map(\.rawValue)) {
                $0.kind.map { .string($0.rawValue) } ?? .missing
            },
            "present_on_admission": .element({ $0.diagnoses }, type: .bool) {
                $0.presentOnAdmission.map(Value.bool) ?? .missing
            },
        ],
        .medications: [
            "name": .element({ $0.medications }, type: .string) { .string($0.name) },
            "rxnorm": .element({ $0.medications }, type: .string) { $0.rxnorm.map(Value.string) ?? .missing },
            "status": .element({ $0.medications }, type: .string, allowed: MedicationStatus.allCases.map(\.rawValue)) {
                $0.status.map { .string($0.rawValue) } ?? .missing
            },
            "monthly_out_of_pocket_usd": .element({ $0.medications }, type: .number) {
                $0.monthlyOutOfPocketUSD.map(Value.number) ?? .missing
            },
            "specialty": .element({ $0.medications }, type: .bool) { $0.specialty.map(Value.bool) ?? .missing },
            "high_risk": .element({ $0.medications }, type: .bool) { $0.highRisk.map(Value.bool) ?? .missing },
        ],
        .labs: [
            "loinc": .element({ $0.labs }, type: .string) { .string($0.loinc) },
            "name": .element({ $0.labs }, type: .string) { $0.name.map(Value.string) ?? .missing },
            "value": .element({ $0.labs }, type: .number) { .number($0.value) },
            "unit": .element({ $0.labs }, type: .string) { $0.unit.map(Value.string) ?? .missing },
            "observed_at": .element({ $0.labs }, type: .timestamp) { $0.observedAt.map(Value.timestamp) ?? .missing },
        ],
        .procedures: [
            "code": .element({ $0.encounter.procedures }, type: .string) { .string($0.code) },
            "system": .element(
                { $0.encounter.procedures }, type: .string, allowed: ProcedureSystem.allCases.map(\.rawValue)
            ) { $0.system.map { .string($0.rawValue) } ?? .missing },
            "display": .element({ $0.encounter.procedures }, type: .string) {
                $0.display.map(Value.string) ?? .missing
            },
            "performed_at": .element({ $0.encounter.procedures }, type: .timestamp) {
                $0.performedAt.map(Value.timestamp) ?? .missing
            },
        ],
        .screenings: [
            "instrument": .element(
                { $0.social?.screenings ?? [] }, type: .string, allowed: ScreeningInstrument.allCases.map(\.rawValue)
            ) { $0.instrument.map { .string($0.rawValue) } ?? .missing },
            "question": .element({ $0.social?.screenings ?? [] }, type: .string) { .string($0.question) },
            "answer_code": .element({ $0.social?.screenings ?? [] }, type: .string) {
                $0.answerCode.map(Value.string) ?? .missing
            },
            "answer_value": .element({ $0.social?.screenings ?? [] }, type: .dynamic) { answerValue($0.answerValue) },
            // The answer's points: its number, or the points of its code in the published list (HITS).
            "answer_score": .element({ $0.social?.screenings ?? [] }, type: .number) {
                ScreeningCatalog.score(of: $0).map(Value.number) ?? .missing
            },
            // The answer in words: the text of its code in the published list, or the value sent.
            "answer_text": .element({ $0.social?.screenings ?? [] }, type: .string) {
                ScreeningCatalog.text(of: $0).map(Value.string) ?? .missing
            },
            "answered_at": .element({ $0.social?.screenings ?? [] }, type: .timestamp) {
                $0.answeredAt.map(Value.timestamp) ?? .missing
            },
        ],
    ]

    static func answerValue(_ value: AnswerValue?) -> Value {
        switch value {
        case .number(let number)?: .number(number)
        case .bool(let flag)?: .bool(flag)
        case .text(let text)?: .string(text)
        case nil: .missing
        }
    }

    /// Reads `extensions.a.b…` at evaluation: its type is whatever the event holds.
    static func extensionField(_ keys: [String]) -> Field {
        Field(type: .dynamic) { context in
            var value = context.event.extensions
            for key in keys { value = value?[key] }
            switch value {
            case .bool(let flag)?: return .bool(flag)
            case .number(let number)?: return .number(number)
            case .string(let text)?: return .string(text)
            case .array(let items)?:
                return .list(
                    items.map {
                        switch $0 {
                        case .number(let number): .number(number)
                        case .string(let text): .string(text)
                        case .bool(let flag): .bool(flag)
                        default: .missing
                        }
                    })
            default: return .missing
            }
        }
    }

    /// Every name an author could have meant, for did-you-mean suggestions.
    static var allNames: [String] {
        Array(event.keys) + Array(collections.keys)
    }
}
