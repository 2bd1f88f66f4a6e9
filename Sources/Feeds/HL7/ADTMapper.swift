public import Events
public import Foundation

/// What one feed message becomes: an event in the contract's form, or nothing to screen.
public enum FeedMessage: Sendable, Equatable {
    /// The event, as contract JSON (then decoded and validated like any event file).
    case event(JSONValue)
    /// A message that is not about an encounter (A28 add person, A31 update person, A05
    /// pre-admit…): archived and counted, never screened, never quarantined.
    case ignored(String)
}

/// Maps an HL7 v2 ADT message onto the event contract.
///
/// Trigger events: A01 admission, A04 registration, A02/A06/A07 transfer, A03 discharge, A08
/// update, A11 cancel_admission, A13 cancel_discharge; other ADT triggers are ignored; other
/// message types are refused. Errors name the field (`PV1-45: not a date-time "2026-13-01"`).
public struct ADTMapper: Sendable {
    /// Where a time without an offset is (the site's zone).
    public var timeZone: TimeZone
    /// The site's identifiers, codes, fields and code maps.
    public var site: SiteMapping

    public init(timeZone: TimeZone = .current, site: SiteMapping = .none) {
        self.timeZone = site.timeZone ?? timeZone
        self.site = site
    }

    /// The trigger events mapped, and the contract's event type for each.
    public static let triggers: [String: String] = [
        "A01": "admission", "A04": "registration", "A02": "transfer", "A06": "transfer", "A07": "transfer",
        "A03": "discharge", "A08": "update", "A11": "cancel_admission", "A13": "cancel_discharge",
    ]

    public func map(_ message: HL7Message) throws(InvalidEvent) -> FeedMessage {
        var mapping = Mapping(message: message, zone: timeZone, site: site)
        let result = mapping.run()
        if !mapping.errors.isEmpty {
            throw InvalidEvent(errors: mapping.errors, eventID: message.controlID.isEmpty ? nil : message.controlID)
        }
        return result
    }
}

/// One message's mapping: the contract members built, the errors found.
private struct Mapping {
    let message: HL7Message
    let zone: TimeZone
    let site: SiteMapping
    var errors: [EventValidationError] = []

    init(message: HL7Message, zone: TimeZone, site: SiteMapping) {
        self.message = message
        self.zone = zone
        self.site = site
    }

    mutating func fail(_ place: String, _ text: String) {
        errors.append(EventValidationError(path: place, message: text))
    }

    /// Field `number` of `segment`, component `component`, unescaped; a malformed escape is an error.
    mutating func text(_ segment: HL7Segment, _ number: Int, component: Int = 1, sub: Int = 1, place: String? = nil)
        -> String?
    {
        let field = message.field(segment, number)
        do {
            let value = try field.unescaped(component: component, sub: sub).trimmedBlanks
            return value.isEmpty ? nil : value
        } catch {
            fail(place ?? "\(segment.name)-\(number)", error.description)
            return nil
        }
    }

    /// The contract's word for a coded field, from the site's codes for `field`, else `table`
    /// (codes compared in upper case); a code in neither is a mistake at the field:
    /// `PV1-2: patient class "Z" is not in HL7 table 0004 (…)`.
    mutating func coded(
        _ segment: HL7Segment, _ number: Int, _ field: CodedField, _ table: [String: String], _ what: String,
        _ known: String
    ) -> String? {
        guard let raw = text(segment, number) else { return nil }
        if let value = site.siteCode(field, raw) ?? table[raw.uppercased()] { return value }
        let siteCodes =
            site.codes[field].map { " nor the site mapping's codes (\($0.keys.sorted().joined(separator: ", ")))" }
            ?? "; a code of the site's own goes in the site mapping under codes: \(field.rawValue)"
        fail("\(segment.name)-\(number)", "\(what) \"\(raw)\" is not in \(known)\(siteCodes)")
        return nil
    }

    mutating func dateTime(_ segment: HL7Segment, _ number: Int, place: String? = nil) -> String? {
        guard let raw = text(segment, number, place: place) else { return nil }
        guard let value = HL7DateTime.rfc3339(raw, zone: zone) else {
            fail(place ?? "\(segment.name)-\(number)", "not a date-time \"\(raw)\"")
            return nil
        }
        return value
    }

    mutating func run() -> FeedMessage {
        guard let msh = message.segment("MSH") else {
            fail("MSH", "no MSH segment")
            return .ignored("")
        }
        let type = message.messageType
        guard type.code == "ADT" else {
            let shown = [type.code, type.trigger].filter { !$0.isEmpty }.joined(separator: "^")
            fail("MSH-9", "unsupported message type \(shown.isEmpty ? "(empty)" : shown): only ADT is read")
            return .ignored("")
        }
        guard let eventType = ADTMapper.triggers[type.trigger] else {
            return .ignored("ADT^\(type.trigger) is not about an encounter RiskScreen screens")
        }
        var event: [JSONMember] = [
            JSONMember(key: "schema_version", value: .number(1))
        ]
        let controlID = text(msh, 10)
        if controlID == nil { fail("MSH-10", "no message control id (the event id)") }
        event.append(JSONMember(key: "event_id", value: .string(controlID ?? "")))
        event.append(JSONMember(key: "event_type", value: .string(eventType)))
        let evn = message.segment("EVN")
        let occurred = evn.flatMap { dateTime($0, 2) } ?? dateTime(msh, 7)
        if occurred == nil, errors.isEmpty { fail("EVN-2", "no event time (nor MSH-7)") }
        event.append(JSONMember(key: "occurred_at", value: .string(occurred ?? "")))
        var source: [JSONMember] = []
        if let system = text(msh, 3) { source.append(JSONMember(key: "system", value: .string(system))) }
        if let facility = text(msh, 4) { source.append(JSONMember(key: "facility_id", value: .string(facility))) }
        if !source.isEmpty { event.append(JSONMember(key: "source", value: .object(source))) }
        event.append(JSONMember(key: "patient", value: .object(patient())))
        event.append(JSONMember(key: "encounter", value: .object(encounter(eventType: eventType))))
        // In the order of the segments' mistakes: diagnoses, then results, then coverage.
        let diagnoses = self.diagnoses()
        let (labs, screenings) = observations()
        event += ContractEvent.clinical(diagnoses: diagnoses, labs: labs, coverage: coverage(), screenings: screenings)
        return .event(.object(siteFields().applied(to: event)))
    }

    mutating func patient() -> [JSONMember] {
        var patient: [JSONMember] = []
        guard let pid = message.segment("PID") else {
            fail("PID", "no PID segment (the patient)")
            return [JSONMember(key: "id", value: .string(""))]
        }
        let identifiers = message.field(pid, 3).repetitions
        let chosen =
            identifiers.first { $0.value(component: 5) == site.patientIdentifier }
            ?? identifiers.first { !$0.value().isEmpty }
        let id = chosen.flatMap { try? $0.unescaped() } ?? ""
        if id.isEmpty { fail("PID-3", "no patient identifier") }
        patient.append(JSONMember(key: "id", value: .string(id)))
        var name: [JSONMember] = []
        if let given = text(pid, 5, component: 2) { name.append(JSONMember(key: "given", value: .string(given))) }
        if let family = text(pid, 5, component: 1) { name.append(JSONMember(key: "family", value: .string(family))) }
        if !name.isEmpty { patient.append(JSONMember(key: "name", value: .object(name))) }
        if let raw = text(pid, 7) {
            if let date = HL7DateTime.date(raw) {
                patient.append(JSONMember(key: "birth_date", value: .string(date)))
            } else {
                fail("PID-7", "not a date \"\(raw)\"")
            }
        }
        if let sex = coded(pid, 8, .sex, Self.sexes, "administrative sex", "HL7 table 0001 (F, M, O, A, U, N)") {
            patient.append(JSONMember(key: "sex", value: .string(sex)))
        }
        if let language = text(pid, 15) {
            patient.append(JSONMember(key: "language", value: .string(language.lowercased())))
        }
        if let postal = text(pid, 11, component: 5) {
            patient.append(JSONMember(key: "postal_code", value: .string(postal)))
        }
        return patient
    }

    mutating func encounter(eventType: String) -> [JSONMember] {
        var encounter: [JSONMember] = []
        guard let pv1 = message.segment("PV1") else {
            fail("PV1", "no PV1 segment (the encounter)")
            return [JSONMember(key: "id", value: .string(""))]
        }
        let place = site.encounterIdentifier
        let visit = message.segment(place.segment).flatMap { text($0, place.field, component: place.component) }
        if visit == nil {
            fail(
                place.description,
                place == HL7Place(segment: "PV1", field: 19)
                    ? "no visit number (the encounter id)" : "no encounter id (the site mapping's encounter_identifier)"
            )
        }
        encounter.append(JSONMember(key: "id", value: .string(visit ?? "")))
        if let value = coded(
            pv1, 2, .encounterClass, Self.classes, "patient class", "HL7 table 0004 (I, O, E, B, R, P)")
        {
            encounter.append(JSONMember(key: "class", value: .string(value)))
        }
        if let value = coded(
            pv1, 4, .admissionType, Self.types, "admission type", "HL7 table 0007 (E, U, C, R, N, A, L) nor 1–5")
        {
            encounter.append(JSONMember(key: "admission_type", value: .string(value)))
        }
        if let value = coded(pv1, 14, .admitSource, Self.sources, "admit source", "HL7 table 0023 (1–9)") {
            encounter.append(JSONMember(key: "admit_source", value: .string(value)))
        }
        let admitted = dateTime(pv1, 44)
        if admitted == nil, !errors.contains(where: { $0.path == "PV1-44" }) {
            fail("PV1-44", "no admit date/time")
        }
        encounter.append(JSONMember(key: "admitted_at", value: .string(admitted ?? "")))
        if let discharged = dateTime(pv1, 45) {
            encounter.append(JSONMember(key: "discharged_at", value: .string(discharged)))
        } else if eventType == "discharge", !errors.contains(where: { $0.path == "PV1-45" }) {
            fail("PV1-45", "a discharge (A03) without a discharge date/time")
        }
        if let facility = text(pv1, 3, component: 4) ?? text(message.segment("MSH")!, 4) {
            encounter.append(JSONMember(key: "facility_id", value: .string(facility)))
        }
        if let unit = text(pv1, 3, component: 1) { encounter.append(JSONMember(key: "unit", value: .string(unit))) }
        if let bed = text(pv1, 3, component: 3) { encounter.append(JSONMember(key: "bed", value: .string(bed))) }
        if let service = text(pv1, 10) {
            encounter.append(JSONMember(key: "service", value: .string(service.lowercased())))
        }
        if let attending = text(pv1, 7) { encounter.append(JSONMember(key: "attending", value: .string(attending))) }
        if let value = coded(
            pv1, 36, .dischargeDisposition, Self.dispositions, "discharge disposition",
            "HL7 table 0112 (UB-04 codes 01–70)")
        {
            encounter.append(JSONMember(key: "discharge_disposition", value: .string(value)))
        }
        let procedures = self.procedures()
        if !procedures.isEmpty { encounter.append(JSONMember(key: "procedures", value: .array(procedures))) }
        return encounter
    }

    /// HL7 table 0001 (administrative sex).
    static let sexes: [String: String] = [
        "F": "female", "M": "male", "O": "other", "A": "other", "U": "unknown", "N": "unknown",
    ]

    /// HL7 table 0004 (patient class).
    static let classes: [String: String] = [
        "I": "inpatient", "O": "outpatient", "E": "emergency", "B": "inpatient", "R": "outpatient",
        "P": "outpatient",
    ]

    /// HL7 table 0007 (admission type), and the UB-04 digits some feeds send instead.
    static let types: [String: String] = [
        "E": "emergency", "U": "urgent", "C": "elective", "R": "elective", "N": "newborn", "A": "trauma",
        "L": "urgent", "1": "emergency", "2": "urgent", "3": "elective", "4": "newborn", "5": "trauma",
    ]

    /// HL7 table 0023 (admit source), its suggested values.
    static let sources: [String: String] = [
        "1": "physician_referral", "2": "clinic", "3": "physician_referral", "4": "transfer_hospital",
        "5": "transfer_snf", "6": "other", "7": "emergency_department", "8": "other", "9": "other",
    ]

    /// HL7 table 0112 (the UB-04 patient discharge status codes) onto the contract.
    static let dispositions: [String: String] = [
        "01": "home", "02": "transfer_acute", "03": "skilled_nursing", "04": "long_term_care",
        "05": "transfer_acute", "06": "home_health", "07": "against_medical_advice", "09": "other",
        "20": "expired", "21": "other", "30": "other", "40": "expired", "41": "expired", "42": "expired",
        "43": "transfer_acute", "50": "hospice", "51": "hospice", "61": "skilled_nursing", "62": "rehab",
        "63": "long_term_care", "64": "long_term_care", "65": "psychiatric", "66": "transfer_acute",
        "69": "other", "70": "other",
    ]

    mutating func diagnoses() -> [JSONValue] {
        var result: [JSONValue] = []
        for (index, dg1) in message.segments("DG1").enumerated() {
            let place = "DG1[\(index + 1)]-3"
            guard let code = text(dg1, 3, place: place) else {
                fail(place, "no diagnosis code")
                continue
            }
            let codingSystem = (text(dg1, 3, component: 3, place: place) ?? text(dg1, 2) ?? "").uppercased()
            let sent: String
            switch codingSystem {
            case "I10", "I10C", "ICD10CM", "ICD-10-CM", "ICD10": sent = "icd10"
            case "SCT", "SNM", "SNOMEDCT", "SNOMED": sent = "snomed"
            default: sent = "other"
            }
            let mapped = site.mapped(code: code, system: sent)
            var diagnosis: [JSONMember] = [
                JSONMember(key: "code", value: .string(mapped.code)),
                JSONMember(key: "system", value: .string(mapped.system)),
            ]
            if let display = text(dg1, 3, component: 2, place: place) ?? text(dg1, 4) {
                diagnosis.append(JSONMember(key: "display", value: .string(display)))
            }
            let priority = text(dg1, 15)
            diagnosis.append(JSONMember(key: "kind", value: .string(priority == "1" ? "principal" : "secondary")))
            result.append(.object(diagnosis))
        }
        return result
    }

    mutating func procedures() -> [JSONValue] {
        var result: [JSONValue] = []
        for (index, pr1) in message.segments("PR1").enumerated() {
            let place = "PR1[\(index + 1)]-3"
            guard let code = text(pr1, 3, place: place) else {
                fail(place, "no procedure code")
                continue
            }
            let system: String
            switch (text(pr1, 3, component: 3, place: place) ?? text(pr1, 2) ?? "").uppercased() {
            case "I10P", "ICD10PCS", "ICD-10-PCS": system = "icd10pcs"
            case "C4", "CPT", "CPT4": system = "cpt"
            case "SCT", "SNM", "SNOMEDCT": system = "snomed"
            default: system = "other"
            }
            var procedure: [JSONMember] = [
                JSONMember(key: "code", value: .string(code)), JSONMember(key: "system", value: .string(system)),
            ]
            if let display = text(pr1, 3, component: 2, place: place) {
                procedure.append(JSONMember(key: "display", value: .string(display)))
            }
            if let performed = dateTime(pr1, 5, place: "PR1[\(index + 1)]-5") {
                procedure.append(JSONMember(key: "performed_at", value: .string(performed)))
            }
            result.append(.object(procedure))
        }
        return result
    }

    /// OBX results: numeric LOINC results are labs; LOINC questions of a screening the catalog
    /// knows (AHC HRSN, HITS) are screening answers (a coded answer, or a number).
    mutating func observations() -> (labs: [JSONValue], screenings: [JSONValue]) {
        var labs: [JSONValue] = []
        var screenings: [JSONValue] = []
        for (index, obx) in message.segments("OBX").enumerated() {
            let place = "OBX[\(index + 1)]"
            let valueType = (text(obx, 2) ?? "").uppercased()
            guard let code = text(obx, 3, place: "\(place)-3") else {
                fail("\(place)-3", "no observation identifier")
                continue
            }
            let codeSystem = (text(obx, 3, component: 3) ?? "").uppercased()
            guard codeSystem == "LN" || codeSystem == "LOINC" else { continue }  // kept out: not LOINC
            let observed = dateTime(obx, 14, place: "\(place)-14")
            let question = ScreeningCatalog.questions[code]  // a screening answer, not a lab
            switch valueType {
            case "NM", "SN":
                guard let raw = text(obx, 5, place: "\(place)-5") else { continue }
                guard let number = Double(raw), number.isFinite else {
                    fail("\(place)-5", "not a number \"\(raw)\" (OBX-2 says \(valueType))")
                    continue
                }
                if question != nil {
                    screenings.append(ContractEvent.screeningAnswer(code, code: nil, value: number, at: observed))
                } else {
                    labs.append(
                        ContractEvent.lab(
                            code, value: number, name: text(obx, 3, component: 2), unit: text(obx, 6), at: observed))
                }
            case "CWE", "CE", "CNE", "CF":
                guard let answerCode = text(obx, 5, place: "\(place)-5") else { continue }
                screenings.append(ContractEvent.screeningAnswer(code, code: answerCode, value: nil, at: observed))
            default:
                continue
            }
        }
        return (labs, screenings)
    }

    /// IN1-15 (plan type, HL7 table 0086, defined by each site) onto the contract's coverage types:
    /// the site's codes, else the common words, else other.
    mutating func coverage() -> [JSONMember]? {
        guard let in1 = message.segment("IN1"), let raw = text(in1, 15) else { return nil }
        if let value = site.siteCode(.coverageType, raw) {
            return [JSONMember(key: "type", value: .string(value))]
        }
        let types = [
            "MEDICARE": "medicare", "MC": "medicare", "MCR": "medicare", "MEDICAID": "medicaid", "MCD": "medicaid",
            "DUAL": "dual", "COMMERCIAL": "commercial", "COM": "commercial", "HMO": "commercial", "PPO": "commercial",
            "MARKETPLACE": "marketplace", "MILITARY": "military", "TRICARE": "military", "VA": "military",
            "UNINSURED": "uninsured", "SELF": "self_pay", "SELFPAY": "self_pay", "SP": "self_pay",
        ]
        return [JSONMember(key: "type", value: .string(types[raw.uppercased()] ?? "other"))]
    }

    /// The site mapping's fields: a site segment's field (the first segment of its name), or the
    /// first OBX whose OBX-3 code is the site's observation code (its value in OBX-5).
    mutating func siteFields() -> SiteFieldValues {
        var values = SiteFieldValues()
        for field in site.fields {
            var raw: String?
            var place = ""
            switch field.source {
            case .segment(let at):
                place = at.description
                raw = message.segment(at.segment).flatMap { text($0, at.field, component: at.component, place: place) }
            case .observation(let code):
                for (index, obx) in message.segments("OBX").enumerated() where message.field(obx, 3).value() == code {
                    place = "OBX[\(index + 1)]-5"
                    raw = text(obx, 5, place: place)
                    break
                }
            }
            guard let raw else { continue }
            switch field.value(raw, zone: zone) {
            case .success(let value): values.set(field.target, value)
            case .failure(let error): fail(place, error.message)
            }
        }
        return values
    }
}
