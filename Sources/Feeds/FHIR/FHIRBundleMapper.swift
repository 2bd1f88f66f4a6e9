public import Events
public import Foundation

/// Maps a FHIR R4 `Bundle` onto the event contract: a `message` bundle whose `MessageHeader.focus`
/// is an Encounter, or any bundle with exactly one Encounter.
///
/// Event type from `MessageHeader.eventCoding` (HL7 v2 trigger codes, e.g. `A03`) where present,
/// else from `Encounter.status`. Errors name the element: `Bundle.entry[3].resource.period.start: …`.
///
/// The bundle is read in place on the JSON reader's tape (``JSONTape``): no tree of values is
/// made of it, and a string becomes text only when the mapping reads it.
public struct FHIRBundleMapper: Sendable {
    /// Where a date without a time is (the site's zone).
    public var timeZone: TimeZone
    /// The site's identifiers, codes, fields and code maps.
    public var site: SiteMapping

    public init(timeZone: TimeZone = .current, site: SiteMapping = .none) {
        self.timeZone = site.timeZone ?? timeZone
        self.site = site
    }

    /// Whether `document` is a FHIR resource (it has a `resourceType`), not a contract event.
    public static func isFHIR(_ document: JSONItem) -> Bool {
        if case .string? = document["resourceType"] { return true }
        return false
    }

    /// The parsed document of `bytes` when they are JSON and a FHIR resource; `nil` otherwise.
    public static func resource(in bytes: [UInt8]) -> JSONItem? {
        guard let root = JSONTape.parse(bytes)?.root, isFHIR(root) else { return nil }
        return root
    }

    /// Maps a bundle given as a value (tests and tools; the daemon reads the file's tape).
    public func map(_ bundle: JSONValue) throws(InvalidEvent) -> FeedMessage {
        guard let tape = JSONTape.parse(bundle.serializedBytes) else {
            throw InvalidEvent(errors: [EventValidationError(path: "$", message: "not JSON")], eventID: nil)
        }
        return try map(tape.root)
    }

    /// Maps the bundle `document` (a tape's root).
    public func map(_ bundle: JSONItem) throws(InvalidEvent) -> FeedMessage {
        var mapping = FHIRMapping(bundle: bundle, zone: timeZone, site: site)
        let result = mapping.run()
        if !mapping.errors.isEmpty { throw InvalidEvent(errors: mapping.errors, eventID: mapping.eventID) }
        return result
    }
}

/// An entry's resource: its type, and its place in the bundle for messages (made only when one
/// is reported).
private struct FHIREntry {
    let index: Int
    let type: String?
    let resource: JSONItem

    var place: String { "Bundle.entry[\(index)].resource" }
}

/// The elements of an array, none when the value is absent or not an array.
private struct FHIRItems: Sequence {
    let view: JSONArrayView?

    init(_ value: JSONItem?) {
        if case .array(let items)? = value { view = items } else { view = nil }
    }

    struct Iterator: IteratorProtocol {
        var inner: JSONArrayView.Iterator?
        mutating func next() -> JSONItem? { inner?.next() }
    }

    func makeIterator() -> Iterator { Iterator(inner: view?.makeIterator()) }

    var first: JSONItem? { view?.first }
}

private struct FHIRMapping {
    let bundle: JSONItem
    let zone: TimeZone
    let site: SiteMapping
    var errors: [EventValidationError] = []
    var eventID: String?
    /// Each entry's resource, by the references that can name it.
    var entries: [FHIREntry] = []
    var byReference: [String: Int] = [:]

    init(bundle: JSONItem, zone: TimeZone, site: SiteMapping) {
        self.bundle = bundle
        self.zone = zone
        self.site = site
    }

    mutating func fail(_ place: String, _ message: String) {
        errors.append(EventValidationError(path: place, message: message))
    }

    static func text(_ value: JSONItem?) -> String? {
        if case .string(let text)? = value, !text.isEmpty { return text }
        return nil
    }

    static func array(_ value: JSONItem?) -> FHIRItems { FHIRItems(value) }

    func resources(_ type: String) -> [FHIREntry] {
        entries.filter { $0.type == type }
    }

    /// The entry a reference names (`Patient/123`, a `fullUrl`, `urn:uuid:…`), or an error at `place`.
    mutating func resolve(_ reference: JSONItem?, at place: String) -> FHIREntry? {
        guard let target = Self.text(reference?["reference"]) else {
            fail(place, "no reference")
            return nil
        }
        guard let index = byReference[target] else {
            fail(place + ".reference", "\"\(target)\" names no resource in the bundle")
            return nil
        }
        return entries[index]
    }

    /// The contract's word for `code`: the site's codes for `field`, else `table`; a code in
    /// neither is a mistake at `place`.
    mutating func coded(
        _ code: String?, _ field: CodedField, _ table: [String: String], at place: String, _ what: String,
        _ known: String
    ) -> String? {
        guard let code else { return nil }
        if let value = site.siteCode(field, code) ?? table[code] { return value }
        let siteCodes =
            site.codes[field].map { " nor the site mapping's codes (\($0.keys.sorted().joined(separator: ", ")))" }
            ?? "; a code of the site's own goes in the site mapping under codes: \(field.rawValue)"
        fail(place, "\(what) \"\(code)\" is not \(known)\(siteCodes)")
        return nil
    }

    /// A FHIR dateTime as RFC 3339; a date alone is midnight in the site's zone.
    mutating func dateTime(_ value: JSONItem?, at place: @autoclosure () -> String) -> String? {
        guard let text = Self.text(value) else { return nil }
        if Timestamp(rfc3339: text) != nil { return text }
        let digits = text.replacingOccurrences(of: "-", with: "")
        if text.count == 10, digits.count == 8, let converted = HL7DateTime.rfc3339(digits, zone: zone) {
            return converted
        }
        fail(place(), "not a date-time \"\(text)\"")
        return nil
    }

    /// The first coding of a CodeableConcept whose system is one of `systems` (any when empty).
    static func coding(_ concept: JSONItem?, _ systems: [String] = []) -> (
        code: String, system: String, display: String?
    )? {
        for coding in array(concept?["coding"]) {
            guard let code = text(coding["code"]) else { continue }
            let system = text(coding["system"]) ?? ""
            if systems.isEmpty || systems.contains(system) { return (code, system, text(coding["display"])) }
        }
        return nil
    }

    mutating func run() -> FeedMessage {
        guard Self.text(bundle["resourceType"]) == "Bundle" else {
            fail("resourceType", "a \(Self.text(bundle["resourceType"]) ?? "resource") is not read: only a Bundle")
            return .ignored("")
        }
        for (index, entry) in Self.array(bundle["entry"]).enumerated() {
            guard let resource = entry["resource"], case .object = resource else {
                fail("Bundle.entry[\(index)]", "no resource")
                continue
            }
            let type = Self.text(resource["resourceType"])
            entries.append(FHIREntry(index: index, type: type, resource: resource))
            if let url = Self.text(entry["fullUrl"]) { byReference[url] = entries.count - 1 }
            if let type, let id = Self.text(resource["id"]) {
                byReference["\(type)/\(id)"] = entries.count - 1
            }
        }
        // The encounter: the message's focus, else the only one.
        var header: FHIREntry?
        let encounter: FHIREntry
        if Self.text(bundle["type"]) == "message" {
            guard let first = entries.first, first.type == "MessageHeader" else {
                fail("Bundle.entry[0].resource", "a message bundle begins with its MessageHeader")
                return .ignored("")
            }
            header = first
            let focus = Self.array(first.resource["focus"])
            var found: FHIREntry?
            for reference in focus {
                if let target = Self.text(reference["reference"]), let index = byReference[target],
                    entries[index].type == "Encounter"
                {
                    found = entries[index]
                    break
                }
            }
            guard let found else {
                fail(first.place + ".focus", "no focus names an Encounter in the bundle")
                return .ignored("")
            }
            encounter = found
        } else {
            let encounters = resources("Encounter")
            guard encounters.count == 1 else {
                fail(
                    "Bundle.entry",
                    encounters.isEmpty
                        ? "no Encounter: nothing to screen"
                        : "\(encounters.count) Encounters and no MessageHeader focus to choose one")
                return .ignored("")
            }
            encounter = encounters[0]
        }
        let resource = encounter.resource
        let place = encounter.place
        // The event type.
        let status = Self.text(resource["status"]) ?? ""
        let ended = Self.text(resource["period"]?["end"]) != nil
        let eventType: String
        if let header, let trigger = Self.text(header.resource["eventCoding"]?["code"]) {
            let code = trigger.split(separator: "^").last.map(String.init) ?? trigger
            guard let mapped = ADTMapper.triggers[code] else {
                return .ignored("MessageHeader.eventCoding \(trigger) is not about an encounter RiskScreen screens")
            }
            eventType = mapped
        } else {
            switch status {
            case "in-progress", "arrived", "triaged": eventType = "admission"
            case "finished": eventType = "discharge"
            case "cancelled", "entered-in-error": eventType = ended ? "cancel_discharge" : "cancel_admission"
            case "planned": return .ignored("a planned Encounter (a pre-admission) is not screened")
            default:
                fail(
                    place + ".status",
                    "status \"\(status)\" does not say what happened (in-progress, finished, cancelled…)")
                return .ignored("")
            }
        }
        eventID =
            Self.text(bundle["identifier"]?["value"]) ?? Self.text(bundle["id"])
            ?? header.flatMap { Self.text($0.resource["id"]) }
        if eventID == nil { fail("Bundle.id", "no id nor identifier (the event id)") }
        var event: [JSONMember] = [
            JSONMember(key: "schema_version", value: .number(1)),
            JSONMember(key: "event_id", value: .string(eventID ?? "")),
            JSONMember(key: "event_type", value: .string(eventType)),
        ]
        let admitted = dateTime(resource["period"]?["start"], at: place + ".period.start")
        let discharged = dateTime(resource["period"]?["end"], at: place + ".period.end")
        // When it happened: the discharge at the encounter's end, the admission at its start; other
        // events (a transfer, an update, a cancel) when the bundle was made.
        let stamp = dateTime(bundle["timestamp"], at: "Bundle.timestamp")
        let occurred = (eventType == "discharge" ? discharged : eventType == "admission" ? admitted : nil) ?? stamp
        if occurred == nil { fail("Bundle.timestamp", "no time for the event (nor Encounter.period)") }
        event.append(JSONMember(key: "occurred_at", value: .string(occurred ?? "")))
        if let header, let source = Self.text(header.resource["source"]?["name"]) {
            event.append(JSONMember(key: "source", value: .object([JSONMember(key: "system", value: .string(source))])))
        }
        if let patient = resolve(resource["subject"], at: place + ".subject") {
            event.append(JSONMember(key: "patient", value: .object(self.patient(patient))))
        } else {
            event.append(JSONMember(key: "patient", value: .object([JSONMember(key: "id", value: .string(""))])))
        }
        event.append(
            JSONMember(
                key: "encounter",
                value: .object(self.encounter(resource, place: place, admitted: admitted, discharged: discharged))))
        // In the order of the resources' mistakes: conditions, medications, then results.
        let diagnoses = self.diagnoses(principal: resource)
        let medications = self.medications()
        let (labs, screenings) = observations()
        event += ContractEvent.clinical(
            diagnoses: diagnoses, medications: medications, labs: labs, coverage: coverage(), screenings: screenings)
        return .event(FeedEvent(.object(siteFields().applied(to: event))))
    }

    mutating func patient(_ entry: FHIREntry) -> [JSONMember] {
        let resource = entry.resource
        let identifiers = Self.array(resource["identifier"])
        let chosen =
            identifiers.first { Self.coding($0["type"])?.code == site.patientIdentifier }.flatMap {
                Self.text($0["value"])
            }
            ?? identifiers.first { Self.text($0["value"]) != nil }.flatMap { Self.text($0["value"]) }
            ?? Self.text(resource["id"])
        if chosen == nil { fail(entry.place + ".identifier", "no identifier nor id (the patient id)") }
        var patient = [JSONMember(key: "id", value: .string(chosen ?? ""))]
        if let name = Self.array(resource["name"]).first {
            var parts: [JSONMember] = []
            if let given = Self.text(Self.array(name["given"]).first) {
                parts.append(JSONMember(key: "given", value: .string(given)))
            }
            if let family = Self.text(name["family"]) {
                parts.append(JSONMember(key: "family", value: .string(family)))
            }
            if !parts.isEmpty { patient.append(JSONMember(key: "name", value: .object(parts))) }
        }
        if let birth = Self.text(resource["birthDate"]) {
            patient.append(JSONMember(key: "birth_date", value: .string(birth)))
        }
        if let gender = Self.text(resource["gender"]) {
            patient.append(JSONMember(key: "sex", value: .string(site.siteCode(.sex, gender) ?? gender)))
        }
        if let language = Self.coding(Self.array(resource["communication"]).first?["language"])?.code {
            patient.append(JSONMember(key: "language", value: .string(language)))
        }
        if let postal = Self.text(Self.array(resource["address"]).first?["postalCode"]) {
            patient.append(JSONMember(key: "postal_code", value: .string(postal)))
        }
        return patient
    }

    /// v3 ActCode encounter classes; FHIR admit-source and discharge-disposition codes.
    static let classes = [
        "IMP": "inpatient", "ACUTE": "inpatient", "NONAC": "inpatient", "OBSENC": "observation",
        "EMER": "emergency", "AMB": "outpatient", "SS": "day_surgery",
    ]
    static let admitSources = [
        "hosp-trans": "transfer_hospital", "emd": "emergency_department", "outp": "clinic", "gp": "physician_referral",
        "nursing": "transfer_snf", "mp": "other", "born": "other", "psych": "other", "rehab": "other", "other": "other",
    ]
    static let dispositions = [
        "home": "home", "alt-home": "home", "other-hcf": "transfer_acute", "hosp": "hospice", "long": "long_term_care",
        "aadvice": "against_medical_advice", "exp": "expired", "psy": "psychiatric", "rehab": "rehab",
        "snf": "skilled_nursing", "oth": "other",
    ]

    mutating func encounter(_ resource: JSONItem, place: String, admitted: String?, discharged: String?)
        -> [JSONMember]
    {
        let id = Self.text(Self.array(resource["identifier"]).first?["value"]) ?? Self.text(resource["id"])
        if id == nil { fail(place + ".identifier", "no identifier nor id (the encounter id)") }
        var encounter = [JSONMember(key: "id", value: .string(id ?? ""))]
        if let value = coded(
            Self.text(resource["class"]?["code"]), .encounterClass, Self.classes, at: place + ".class.code",
            "encounter class",
            "one RiskScreen knows (IMP, OBSENC, EMER, AMB, SS…)")
        {
            encounter.append(JSONMember(key: "class", value: .string(value)))
        }
        if admitted == nil, !errors.contains(where: { $0.path == place + ".period.start" }) {
            fail(place + ".period.start", "no start of the encounter (the admission)")
        }
        encounter.append(JSONMember(key: "admitted_at", value: .string(admitted ?? "")))
        if let discharged { encounter.append(JSONMember(key: "discharged_at", value: .string(discharged))) }
        if let location = Self.text(Self.array(resource["location"]).first?["location"]?["display"]) {
            encounter.append(JSONMember(key: "unit", value: .string(location)))
        }
        let hospitalization = resource["hospitalization"]
        if let value = coded(
            Self.coding(hospitalization?["admitSource"])?.code, .admitSource, Self.admitSources,
            at: place + ".hospitalization.admitSource", "admit source", "a FHIR admit-source code")
        {
            encounter.append(JSONMember(key: "admit_source", value: .string(value)))
        }
        if let value = coded(
            Self.coding(hospitalization?["dischargeDisposition"])?.code, .dischargeDisposition, Self.dispositions,
            at: place + ".hospitalization.dischargeDisposition", "discharge disposition",
            "a FHIR discharge-disposition code")
        {
            encounter.append(JSONMember(key: "discharge_disposition", value: .string(value)))
        }
        var procedures: [JSONValue] = []
        for entry in resources("Procedure") {
            let procedure = entry.resource
            guard let coding = Self.coding(procedure["code"]) else {
                fail(entry.place + ".code", "no coded procedure")
                continue
            }
            let system: String
            switch coding.system {
            case "http://www.ama-assn.org/go/cpt": system = "cpt"
            case "http://www.cms.gov/Medicare/Coding/ICD10": system = "icd10pcs"
            case "http://snomed.info/sct": system = "snomed"
            default: system = "other"
            }
            var item = [
                JSONMember(key: "code", value: .string(coding.code)), JSONMember(key: "system", value: .string(system)),
            ]
            if let display = coding.display { item.append(JSONMember(key: "display", value: .string(display))) }
            if let performed = dateTime(procedure["performedDateTime"], at: entry.place + ".performedDateTime") {
                item.append(JSONMember(key: "performed_at", value: .string(performed)))
            }
            procedures.append(.object(item))
        }
        if !procedures.isEmpty { encounter.append(JSONMember(key: "procedures", value: .array(procedures))) }
        return encounter
    }

    mutating func diagnoses(principal encounter: JSONItem) -> [JSONValue] {
        // Encounter.diagnosis ranks its conditions: rank 1 is the principal diagnosis.
        var principal: Set<String> = []
        for diagnosis in Self.array(encounter["diagnosis"]) {
            if case .number(1)? = diagnosis["rank"], let target = Self.text(diagnosis["condition"]?["reference"]) {
                principal.insert(target)
            }
        }
        var result: [JSONValue] = []
        for entry in resources("Condition") {
            let condition = entry.resource
            guard let coding = Self.coding(condition["code"]) else {
                fail(entry.place + ".code", "no coded condition")
                continue
            }
            let sent: String
            switch coding.system {
            case "http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10": sent = "icd10"
            case "http://snomed.info/sct": sent = "snomed"
            default: sent = "other"
            }
            let (code, system) = site.mapped(code: coding.code, system: sent)
            let id = Self.text(condition["id"]).map { "Condition/\($0)" }
            let categories = Self.array(condition["category"]).compactMap { Self.coding($0)?.code }
            let kind =
                id.map(principal.contains) == true
                ? "principal" : categories.contains("problem-list-item") ? "history" : "secondary"
            var item = [
                JSONMember(key: "code", value: .string(code)), JSONMember(key: "system", value: .string(system)),
            ]
            if let display = coding.display { item.append(JSONMember(key: "display", value: .string(display))) }
            item.append(JSONMember(key: "kind", value: .string(kind)))
            result.append(.object(item))
        }
        return result
    }

    mutating func medications() -> [JSONValue] {
        var result: [JSONValue] = []
        for entry in resources("MedicationRequest") {
            let request = entry.resource
            let concept = request["medicationCodeableConcept"]
            let rxnorm = Self.coding(concept, ["http://www.nlm.nih.gov/research/umls/rxnorm"])
            guard let name = Self.text(concept?["text"]) ?? rxnorm?.display ?? Self.coding(concept)?.display else {
                fail(entry.place + ".medicationCodeableConcept", "no medication name (text or a coding's display)")
                continue
            }
            var item = [JSONMember(key: "name", value: .string(name))]
            if let rxnorm { item.append(JSONMember(key: "rxnorm", value: .string(rxnorm.code))) }
            result.append(.object(item))
        }
        return result
    }

    /// Observations: LOINC quantities are labs; LOINC questions answered with a LOINC answer code
    /// (or a number for a question a screening RiskScreen knows) are screening answers. A
    /// QuestionnaireResponse's items, by LOINC question code, are screening answers too.
    mutating func observations() -> (labs: [JSONValue], screenings: [JSONValue]) {
        var labs: [JSONValue] = []
        var screenings: [JSONValue] = []
        let loinc = ["http://loinc.org"]
        for entry in resources("Observation") {
            let observation = entry.resource
            guard let code = Self.coding(observation["code"], loinc)?.code else { continue }
            let observed = dateTime(observation["effectiveDateTime"], at: entry.place + ".effectiveDateTime")
            if let answer = Self.coding(observation["valueCodeableConcept"], loinc)?.code {
                screenings.append(ContractEvent.screeningAnswer(code, code: answer, value: nil, at: observed))
            } else if case .number(let value)? = observation["valueQuantity"]?["value"] {
                if ScreeningCatalog.questions[code] != nil {
                    screenings.append(ContractEvent.screeningAnswer(code, code: nil, value: value, at: observed))
                } else {
                    labs.append(
                        ContractEvent.lab(
                            code, value: value, name: nil, unit: Self.text(observation["valueQuantity"]?["unit"]),
                            at: observed))
                }
            }
        }
        for entry in resources("QuestionnaireResponse") {
            let response = entry.resource
            let authored = dateTime(response["authored"], at: entry.place + ".authored")
            for (index, item) in Self.array(response["item"]).enumerated() {
                let question = Self.coding(item["code"], loinc)?.code ?? Self.text(item["linkId"])
                guard let question else {
                    fail("\(entry.place).item[\(index)]", "no LOINC question code nor linkId")
                    continue
                }
                for answer in Self.array(item["answer"]) {
                    if let code = Self.text(answer["valueCoding"]?["code"]) {
                        screenings.append(ContractEvent.screeningAnswer(question, code: code, value: nil, at: authored))
                    } else if case .number(let value)? = answer["valueInteger"] ?? answer["valueDecimal"] {
                        screenings.append(
                            ContractEvent.screeningAnswer(question, code: nil, value: value, at: authored))
                    }
                }
            }
        }
        return (labs, screenings)
    }

    /// Coverage.type by its words (sites code it their own way): Medicare, Medicaid, … else other.
    func coverage() -> [JSONMember]? {
        guard let coverage = resources("Coverage").first?.resource else { return nil }
        if let code = Self.coding(coverage["type"])?.code, let value = site.siteCode(.coverageType, code) {
            return [JSONMember(key: "type", value: .string(value))]
        }
        let words =
            ((Self.coding(coverage["type"])?.display ?? "") + " " + (Self.text(coverage["type"]?["text"]) ?? ""))
            .lowercased()
        let type =
            words.contains("medicare") && words.contains("medicaid")
            ? "dual"
            : words.contains("medicare")
                ? "medicare"
                : words.contains("medicaid")
                    ? "medicaid"
                    : words.contains("self") ? "self_pay" : words.contains("commercial") ? "commercial" : "other"
        return [JSONMember(key: "type", value: .string(type))]
    }

    /// The site mapping's observation fields: the first Observation whose code has the site's
    /// code, its value from valueCodeableConcept, valueString, valueBoolean, valueInteger or
    /// valueQuantity. (Site segments are HL7 v2's alone.)
    mutating func siteFields() -> SiteFieldValues {
        var values = SiteFieldValues()
        let observations = resources("Observation")
        for field in site.fields {
            guard case .observation(let code) = field.source else { continue }
            let found = observations.first { entry in
                Self.array(entry.resource["code"]?["coding"]).contains { Self.text($0["code"]) == code }
            }
            guard let found else { continue }
            let place = found.place
            let observation = found.resource
            var raw: String?
            var element = place + ".value"
            if let coded = Self.coding(observation["valueCodeableConcept"])?.code {
                raw = coded
                element = place + ".valueCodeableConcept"
            } else if let text = Self.text(observation["valueString"]) {
                raw = text
                element = place + ".valueString"
            } else if case .bool(let flag)? = observation["valueBoolean"] {
                raw = flag ? "true" : "false"
                element = place + ".valueBoolean"
            } else if case .number(let number)? = observation["valueInteger"] ?? observation["valueQuantity"]?["value"]
            {
                raw = number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
                element = place + (observation["valueInteger"] != nil ? ".valueInteger" : ".valueQuantity.value")
            }
            guard let raw else { continue }
            switch field.value(raw, zone: zone) {
            case .success(let value): values.set(field.target, value)
            case .failure(let error): fail(element, error.message)
            }
        }
        return values
    }
}
