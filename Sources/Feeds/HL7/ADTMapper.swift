public import Events
public import Foundation

/// What one feed message becomes: an event in the contract's form, or nothing to screen.
public enum FeedMessage: Sendable, Equatable {
    /// The event, as contract JSON (then decoded and validated like any event file).
    case event(FeedEvent)
    /// A message that is not about an encounter (A28 add person, A31 update person, A05
    /// pre-admit…): archived and counted, never screened, never quarantined.
    case ignored(String)
}

/// A feed message's event in the contract's JSON: what is validated, and what the state keeps.
public struct FeedEvent: Sendable, Equatable {
    /// The contract JSON, compact, members in the contract's order.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// From a value (the FHIR mapper's form).
    public init(_ value: JSONValue) { bytes = value.serializedBytes }

    /// The JSON as a value (for tools and tests).
    public var json: JSONValue { JSONValue.parse(bytes) ?? .null }

    /// The JSON as one line of text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Decoded and validated as the contract requires: the one way into the event model.
    public func decoded() throws(InvalidEvent) -> Event { try EventDecoder().decode(bytes) }
}

/// Maps an HL7 v2 ADT message onto the event contract.
///
/// Trigger events: A01 admission, A04 registration, A02/A06/A07 transfer, A03 discharge, A08
/// update, A11 cancel_admission, A13 cancel_discharge; other ADT triggers are ignored; other
/// message types are refused. Errors name the field (`PV1-45: not a date-time "2026-13-01"`).
///
/// The contract JSON is written as the fields are read, on the message's bytes: the only text
/// made on the way is the short codes looked up in tables.
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

/// One message's mapping: the JSON written, the errors found.
private struct Mapping: ~Copyable {
    let message: HL7Message
    let zone: TimeZone
    let site: SiteMapping
    var errors: [EventValidationError] = []
    var out: ContractJSONWriter
    /// The site fields' values, by contract field (the last one read of each).
    var siteValues = SiteFieldValues()

    static let pid = HL7Message.packed("PID" as StaticString)
    static let pv1 = HL7Message.packed("PV1" as StaticString)
    static let evn = HL7Message.packed("EVN" as StaticString)
    static let dg1 = HL7Message.packed("DG1" as StaticString)
    static let pr1 = HL7Message.packed("PR1" as StaticString)
    static let obx = HL7Message.packed("OBX" as StaticString)
    static let in1 = HL7Message.packed("IN1" as StaticString)
    static let ln = HL7Message.packedCode("LN"), loinc = HL7Message.packedCode("LOINC")
    static let i10 = HL7Message.packedCode("I10"), i10c = HL7Message.packedCode("I10C")
    static let icd10cm = HL7Message.packedCode("ICD10CM"), icd10 = HL7Message.packedCode("ICD10")
    static let sct = HL7Message.packedCode("SCT"), snm = HL7Message.packedCode("SNM")
    static let snomedct = HL7Message.packedCode("SNOMEDCT"), snomed = HL7Message.packedCode("SNOMED")
    static let nm = HL7Message.packedCode("NM"), sn = HL7Message.packedCode("SN")
    static let cwe = HL7Message.packedCode("CWE"), ce = HL7Message.packedCode("CE")
    static let cne = HL7Message.packedCode("CNE"), cf = HL7Message.packedCode("CF")

    init(message: HL7Message, zone: TimeZone, site: SiteMapping) {
        self.message = message
        self.zone = zone
        self.site = site
        out = ContractJSONWriter(capacity: message.bytes.count * 2 + 256)
    }

    mutating func fail(_ place: String, _ text: String) {
        errors.append(EventValidationError(path: place, message: text))
    }

    /// The trimmed bytes of field `number` of segment `segment`, component `component`.
    func range(_ segment: Int, _ number: Int, component: Int = 1, sub: Int = 1) -> Range<Int> {
        message.trimmed(message.part(message.field(segment, number), component: component, sub: sub))
    }

    /// The unescaped text of a field's component; a malformed escape is an error at `place`.
    mutating func text(
        _ segment: Int, _ number: Int, component: Int = 1, sub: Int = 1, place: @autoclosure () -> String? = nil
    ) -> String? {
        let range = range(segment, number, component: component, sub: sub)
        guard !range.isEmpty else { return nil }
        do {
            let value = try message.text(range)
            return value.isEmpty ? nil : value
        } catch {
            fail(place() ?? "\(Self.name(message, segment))-\(number)", error.description)
            return nil
        }
    }

    static func name(_ message: HL7Message, _ segment: Int) -> String {
        HL7Segment(message: message, index: segment).name
    }

    /// Writes a field's component as a string member; returns whether one was written.
    @discardableResult
    mutating func write(
        _ key: StaticString, _ segment: Int, _ number: Int, component: Int = 1,
        place: @autoclosure () -> String? = nil
    ) -> Bool {
        let range = range(segment, number, component: component)
        guard !range.isEmpty else { return false }
        if message.hasEscape(range) {
            guard let value = text(segment, number, component: component, place: place()) else { return false }
            out.string(key, value)
        } else {
            out.string(key, message.bytes, range)
        }
        return true
    }

    /// The contract's word for a coded field, from the site's codes for `field`, else `table`
    /// (codes compared in upper case); a code in neither is a mistake at the field:
    /// `PV1-2: patient class "Z" is not in HL7 table 0004 (…)`.
    mutating func coded(
        _ segment: Int, _ number: Int, _ field: CodedField, _ table: [String: String], _ what: String,
        _ known: String
    ) -> String? {
        guard let raw = text(segment, number) else { return nil }
        if let value = site.siteCode(field, raw) ?? table[raw.uppercased()] { return value }
        fail(
            "\(Self.name(message, segment))-\(number)",
            "\(what) \"\(raw)\" is not in \(known)\(site.siteCodesHint(field))")
        return nil
    }

    /// Writes a DTM field as an RFC 3339 member; a value that is not a date-time is an error.
    @discardableResult
    mutating func dateTime(
        _ key: StaticString, _ segment: Int, _ number: Int, place: @autoclosure () -> String? = nil
    ) -> Bool {
        let range = range(segment, number)
        guard !range.isEmpty else { return false }
        var written = false
        let bytes = message.bytes
        let zone = zone
        out.member(key) { output in
            written = HL7DateTime.write(bytes, range, zone: zone, to: &output)
            if !written {
                output.append(UInt8(ascii: "\""))
                output.append(UInt8(ascii: "\""))
            }
        }
        if !written {
            let shown = (try? message.text(range)) ?? ""
            fail(place() ?? "\(Self.name(message, segment))-\(number)", "not a date-time \"\(shown)\"")
        }
        return written
    }

    /// Whether a DTM field holds a date-time; one sent that is not is reported at `place`.
    mutating func checkDateTime(_ segment: Int, _ number: Int, place: @autoclosure () -> String? = nil) -> Bool {
        let range = range(segment, number)
        guard !range.isEmpty else { return false }
        if HL7DateTime.isDateTime(message.bytes, range) { return true }
        let shown = (try? message.text(range)) ?? ""
        fail(place() ?? "\(Self.name(message, segment))-\(number)", "not a date-time \"\(shown)\"")
        return false
    }

    mutating func run() -> FeedMessage {
        guard let msh = message.first(HL7Message.msh) else {
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
        readSiteFields()
        out.beginObject()
        out.integer("schema_version", 1)
        if !write("event_id", msh, 10) {
            fail("MSH-10", "no message control id (the event id)")
            out.string("event_id", "")
        }
        out.string("event_type", eventType)
        if let evn = message.first(Self.evn), checkDateTime(evn, 2) {
            dateTime("occurred_at", evn, 2)
        } else if checkDateTime(msh, 7) {
            dateTime("occurred_at", msh, 7)
        } else {
            if errors.isEmpty { fail("EVN-2", "no event time (nor MSH-7)") }
            out.string("occurred_at", "")
        }
        if !range(msh, 3).isEmpty || !range(msh, 4).isEmpty {
            out.beginObject("source")
            write("system", msh, 3)
            write("facility_id", msh, 4)
            out.endObject()
        }
        patient()
        encounter(eventType: eventType, msh: msh)
        // In the order of the segments' mistakes: diagnoses, then results, then coverage.
        diagnoses()
        let screenings = observations()
        coverage()
        siteValues.writeSocialAndSiteObjects(screenings: screenings, to: &out)
        out.endObject()
        return .event(FeedEvent(bytes: out.bytes))
    }

    mutating func patient() {
        out.beginObject("patient")
        defer { out.endObject() }
        guard let pid = message.first(Self.pid) else {
            fail("PID", "no PID segment (the patient)")
            out.string("id", "")
            return
        }
        let identifiers = message.repetitions(message.field(pid, 3))
        let chosen =
            identifiers.first {
                message.equals(message.trimmed(message.part($0, component: 5)), site.patientIdentifier)
            }
            ?? identifiers.first { !message.trimmed(message.part($0)).isEmpty }
        let id = chosen.flatMap { try? message.text(message.trimmed(message.part($0))) } ?? ""
        if id.isEmpty { fail("PID-3", "no patient identifier") }
        out.string("id", id)
        let given = range(pid, 5, component: 2)
        let family = range(pid, 5, component: 1)
        if !given.isEmpty || !family.isEmpty {
            out.beginObject("name")
            write("given", pid, 5, component: 2)
            write("family", pid, 5, component: 1)
            out.endObject()
        }
        if let raw = text(pid, 7) {
            if let date = HL7DateTime.date(raw) {
                out.string("birth_date", date)
            } else {
                fail("PID-7", "not a date \"\(raw)\"")
            }
        }
        if let sex = coded(pid, 8, .sex, Self.sexes, "administrative sex", "HL7 table 0001 (F, M, O, A, U, N)") {
            out.string("sex", sex)
        }
        if let language = text(pid, 15), !siteValues.sets("patient.language") {
            out.string("language", language.lowercased())
        }
        write("postal_code", pid, 11, component: 5)
        siteValues.write("patient", to: &out)
    }

    mutating func encounter(eventType: String, msh: Int) {
        out.beginObject("encounter")
        defer { out.endObject() }
        guard let pv1 = message.first(Self.pv1) else {
            fail("PV1", "no PV1 segment (the encounter)")
            out.string("id", "")
            return
        }
        let place = site.encounterIdentifier
        let visitSegment = message.first(HL7Message.packed(place.segment))
        if visitSegment.map({ write("id", $0, place.field, component: place.component) }) != true {
            fail(
                place.description,
                place == HL7Place(segment: "PV1", field: 19)
                    ? "no visit number (the encounter id)" : "no encounter id (the site mapping's encounter_identifier)"
            )
            out.string("id", "")
        }
        if let value = coded(
            pv1, 2, .encounterClass, Self.classes, "patient class", "HL7 table 0004 (I, O, E, B, R, P)")
        {
            out.string("class", value)
        }
        if let value = coded(
            pv1, 4, .admissionType, Self.types, "admission type", "HL7 table 0007 (E, U, C, R, N, A, L) nor 1–5")
        {
            out.string("admission_type", value)
        }
        if let value = coded(pv1, 14, .admitSource, Self.sources, "admit source", "HL7 table 0023 (1–9)") {
            out.string("admit_source", value)
        }
        if range(pv1, 44).isEmpty {
            fail("PV1-44", "no admit date/time")
            out.string("admitted_at", "")
        } else {
            dateTime("admitted_at", pv1, 44)
        }
        if !range(pv1, 45).isEmpty {
            dateTime("discharged_at", pv1, 45)
        } else if eventType == "discharge" {
            fail("PV1-45", "a discharge (A03) without a discharge date/time")
        }
        if !write("facility_id", pv1, 3, component: 4) { write("facility_id", msh, 4) }
        write("unit", pv1, 3, component: 1)
        write("bed", pv1, 3, component: 3)
        if let service = text(pv1, 10), !siteValues.sets("encounter.service") {
            out.string("service", service.lowercased())
        }
        if !siteValues.sets("encounter.attending") { write("attending", pv1, 7) }
        if let value = coded(
            pv1, 36, .dischargeDisposition, Self.dispositions, "discharge disposition",
            "HL7 table 0112 (UB-04 codes 01–70)")
        {
            out.string("discharge_disposition", value)
        }
        procedures()
        siteValues.write("encounter", to: &out)
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

    mutating func diagnoses() {
        var opened = false
        for (index, dg1) in message.all(Self.dg1).enumerated() {
            guard let code = text(dg1, 3, place: "DG1[\(index + 1)]-3") else {
                fail("DG1[\(index + 1)]-3", "no diagnosis code")
                continue
            }
            var systemRange = range(dg1, 3, component: 3)
            if systemRange.isEmpty { systemRange = range(dg1, 2) }
            let sent: String
            switch message.packedCode(systemRange) {
            case Self.i10, Self.i10c, Self.icd10cm, Self.icd10: sent = "icd10"
            case Self.sct, Self.snm, Self.snomedct, Self.snomed: sent = "snomed"
            case 0 where systemRange.count > 8 && (try? message.text(systemRange).uppercased()) == "ICD-10-CM":
                sent = "icd10"
            default: sent = "other"
            }
            let mapped = site.codeMaps.isEmpty ? (code: code, system: sent) : site.mapped(code: code, system: sent)
            if !opened {
                out.beginArray("diagnoses")
                opened = true
            }
            out.beginElement()
            out.string("code", mapped.code)
            out.string("system", mapped.system)
            if !write("display", dg1, 3, component: 2, place: "DG1[\(index + 1)]-3") { write("display", dg1, 4) }
            out.string("kind", message.equals(range(dg1, 15), "1") ? "principal" : "secondary")
            out.endObject()
        }
        if opened { out.endArray() }
    }

    mutating func procedures() {
        var opened = false
        for (index, pr1) in message.all(Self.pr1).enumerated() {
            guard let code = text(pr1, 3, place: "PR1[\(index + 1)]-3") else {
                fail("PR1[\(index + 1)]-3", "no procedure code")
                continue
            }
            let system: String
            switch (text(pr1, 3, component: 3, place: "PR1[\(index + 1)]-3") ?? text(pr1, 2) ?? "").uppercased() {
            case "I10P", "ICD10PCS", "ICD-10-PCS": system = "icd10pcs"
            case "C4", "CPT", "CPT4": system = "cpt"
            case "SCT", "SNM", "SNOMEDCT": system = "snomed"
            default: system = "other"
            }
            if !opened {
                out.beginArray("procedures")
                opened = true
            }
            out.beginElement()
            out.string("code", code)
            out.string("system", system)
            write("display", pr1, 3, component: 2, place: "PR1[\(index + 1)]-3")
            dateTime("performed_at", pr1, 5, place: "PR1[\(index + 1)]-5")
            out.endObject()
        }
        if opened { out.endArray() }
    }

    /// OBX results: numeric LOINC results are labs (written); LOINC questions of a screening the
    /// catalog knows (AHC HRSN, HITS) are screening answers (returned, for `social`).
    mutating func observations() -> ContractJSONWriter {
        var screenings = ContractJSONWriter(capacity: 0)
        var opened = false
        for (index, obx) in message.all(Self.obx).enumerated() {
            guard let code = text(obx, 3, place: "OBX[\(index + 1)]-3") else {
                fail("OBX[\(index + 1)]-3", "no observation identifier")
                continue
            }
            let codeSystem = message.packedCode(range(obx, 3, component: 3))
            guard codeSystem == Self.ln || codeSystem == Self.loinc else { continue }  // kept out: not LOINC
            let observed = checkDateTime(obx, 14, place: "OBX[\(index + 1)]-14")
            // A screening answer, not a lab: whether the catalog knows the question (and whether
            // it is the AHC HRSN's).
            let question = CatalogQuestions.isAHCHRSN(code)
            let typeRange = range(obx, 2)
            switch message.packedCode(typeRange) {
            case Self.nm, Self.sn:
                guard let raw = text(obx, 5, place: "OBX[\(index + 1)]-5") else { continue }
                guard let number = message.decimal(range(obx, 5)) ?? Double(raw), number.isFinite else {
                    let type = ((try? message.text(typeRange)) ?? "").uppercased()
                    fail("OBX[\(index + 1)]-5", "not a number \"\(raw)\" (OBX-2 says \(type))")
                    continue
                }
                if question != nil {
                    swap(&out, &screenings)
                    answer(code, question, obx: obx, observed: observed) { $0.number("answer_value", number) }
                    swap(&out, &screenings)
                } else {
                    if !opened {
                        out.beginArray("labs")
                        opened = true
                    }
                    out.beginElement()
                    out.string("loinc", code)
                    out.number("value", number)
                    write("name", obx, 3, component: 2)
                    write("unit", obx, 6)
                    if observed { dateTime("observed_at", obx, 14) }
                    out.endObject()
                }
            case Self.cwe, Self.ce, Self.cne, Self.cf:
                guard let answerCode = text(obx, 5, place: "OBX[\(index + 1)]-5") else { continue }
                swap(&out, &screenings)
                answer(code, question, obx: obx, observed: observed) { $0.string("answer_code", answerCode) }
                swap(&out, &screenings)
            default:
                continue
            }
        }
        if opened { out.endArray() }
        return screenings
    }

    /// One screening answer, written to `out` (the screenings' writer while it is called).
    mutating func answer(
        _ code: String, _ isAHCHRSN: Bool?, obx: Int, observed: Bool,
        _ value: (inout ContractJSONWriter) -> Void
    ) {
        out.beginElement()
        out.string("instrument", isAHCHRSN == true ? "ahc-hrsn" : "other")
        out.string("question", code)
        value(&out)
        if observed { dateTime("answered_at", obx, 14) }
        out.endObject()
    }

    /// IN1-15 (plan type, HL7 table 0086, defined by each site) onto the contract's coverage types:
    /// the site's codes, else the common words, else other; and the site's coverage fields.
    mutating func coverage() {
        var type: String?
        if let in1 = message.first(Self.in1), let raw = text(in1, 15) {
            type = site.siteCode(.coverageType, raw) ?? Self.coverageTypes[raw.uppercased()] ?? "other"
        }
        guard type != nil || siteValues.setsAny(in: "coverage") else { return }
        out.beginObject("coverage")
        if let type { out.string("type", type) }
        siteValues.write("coverage", to: &out)
        out.endObject()
    }

    static let coverageTypes = [
        "MEDICARE": "medicare", "MC": "medicare", "MCR": "medicare", "MEDICAID": "medicaid", "MCD": "medicaid",
        "DUAL": "dual", "COMMERCIAL": "commercial", "COM": "commercial", "HMO": "commercial", "PPO": "commercial",
        "MARKETPLACE": "marketplace", "MILITARY": "military", "TRICARE": "military", "VA": "military",
        "UNINSURED": "uninsured", "SELF": "self_pay", "SELFPAY": "self_pay", "SP": "self_pay",
    ]

    /// The site mapping's fields: a site segment's field (the first segment of its name), or the
    /// first OBX whose OBX-3 code is the site's observation code (its value in OBX-5).
    mutating func readSiteFields() {
        for field in site.fields {
            var raw: String?
            var place = ""
            switch field.source {
            case .segment(let at):
                place = at.description
                if let segment = message.first(HL7Message.packed(at.segment)) {
                    raw = text(segment, at.field, component: at.component, place: place)
                }
            case .observation(let code):
                for (index, obx) in message.all(Self.obx).enumerated() where message.equals(range(obx, 3), code) {
                    place = "OBX[\(index + 1)]-5"
                    raw = text(obx, 5, place: place)
                    break
                }
            }
            guard let raw else { continue }
            switch field.value(raw, zone: zone) {
            case .success(let value):
                siteValues.set(field.target, value)
            case .failure(let error): fail(place, error.message)
            }
        }
    }
}

extension HL7Message {
    /// Whether the bytes of `range` are the text `expected`.
    func equals(_ range: Range<Int>, _ expected: String) -> Bool {
        var expected = expected
        return expected.withUTF8 { text in
            guard range.count == text.count else { return false }
            var offset = 0
            for index in range {
                if bytes[index] != text[offset] { return false }
                offset += 1
            }
            return true
        }
    }

    /// Up to eight bytes of `range` in upper case, packed into one number (0 when longer or
    /// empty): a short code compared without making text of it.
    func packedCode(_ range: Range<Int>) -> UInt64 {
        guard !range.isEmpty, range.count <= 8 else { return 0 }
        var code: UInt64 = 0
        for index in range {
            var byte = bytes[index]
            if byte >= 0x61 && byte <= 0x7A { byte -= 0x20 }
            code = code << 8 | UInt64(byte)
        }
        return code
    }

    static func packedCode(_ text: String) -> UInt64 {
        text.utf8.count <= 8 ? text.uppercased().utf8.reduce(0) { $0 << 8 | UInt64($1) } : 0
    }

    /// A plain decimal (`-12.5`, `134`: at most 15 digits, no exponent) read exactly as `Double`
    /// reads it (an integer of up to 15 digits and a power of ten up to 10^22 are exact, so one
    /// division rounds correctly); `nil` for anything else, which `Double(String)` then reads.
    func decimal(_ range: Range<Int>) -> Double? {
        guard !range.isEmpty else { return nil }
        var index = range.lowerBound
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var fraction = 0
        var point = false
        while index < range.upperBound {
            let byte = bytes[index]
            if byte == UInt8(ascii: "."), !point {
                point = true
            } else if byte >= 0x30 && byte <= 0x39 {
                // More than 15 digits is not exact in a Double: left to `Double(String)` (and never
                // past what a UInt64 holds).
                guard digits < 15 else { return nil }
                mantissa = mantissa * 10 + UInt64(byte - 0x30)
                digits += 1
                if point { fraction += 1 }
            } else {
                return nil
            }
            index += 1
        }
        guard digits > 0, digits <= 15 else { return nil }
        let value = Double(mantissa) / Self.powersOfTen[fraction]
        return negative ? -value : value
    }

    private static let powersOfTen: [Double] = (0...15).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}
