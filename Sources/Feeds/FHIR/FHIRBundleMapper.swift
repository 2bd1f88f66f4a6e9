public import Events
public import Foundation

/// Maps a FHIR R4 `Bundle` onto the event contract: a `message` bundle whose `MessageHeader.focus`
/// is an Encounter, or any bundle with exactly one Encounter.
///
/// Event type from `MessageHeader.eventCoding` (HL7 v2 trigger codes, e.g. `A03`) where present,
/// else from `Encounter.status`. Errors name the element: `Bundle.entry[3].resource.period.start: …`.
///
/// The bundle is read in place on the JSON reader's tape (``JSONTape``), node by node: no tree of
/// values is made of it, a string becomes text only where the mapping needs one, and the contract
/// event is written straight into JSON bytes (as the HL7 v2 mapper writes it).
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
        guard case .object(let object) = bundle else {
            throw InvalidEvent(
                errors: [EventValidationError(path: "resourceType", message: "a resource is not read: only a Bundle")],
                eventID: nil)
        }
        let (tape, node) = object.tapeNode
        let (result, errors, eventID) = tape.withReader { reader in
            var mapping = FHIRMapping(tape: reader, bundle: node, zone: timeZone, site: site)
            let result = mapping.run()
            return (result, mapping.errors, mapping.errors.isEmpty ? nil : mapping.eventID)
        }
        if !errors.isEmpty { throw InvalidEvent(errors: errors, eventID: eventID) }
        return result
    }
}

/// The resource types the mapping reads.
private enum FHIRResourceType {
    case messageHeader, encounter, patient, condition, procedure, medicationRequest, observation
    case questionnaireResponse, coverage, other

    /// The names the mapping reads, most frequent first.
    static let names: [(name: StaticString, type: FHIRResourceType)] = [
        ("Observation", .observation), ("Condition", .condition), ("Encounter", .encounter), ("Patient", .patient),
        ("MessageHeader", .messageHeader), ("Procedure", .procedure), ("MedicationRequest", .medicationRequest),
        ("QuestionnaireResponse", .questionnaireResponse), ("Coverage", .coverage),
    ]

    init(_ node: Int32?, on tape: JSONTape.Reader) {
        guard let node = tape.nonEmptyString(node) else {
            self = .other
            return
        }
        // The name's bytes read once, compared with the names of its length alone.
        self = tape.withUTF8(node) { name in
            Self.names.first { candidate in
                candidate.name.utf8CodeUnitCount == name.count
                    && memcmp(candidate.name.utf8Start, name.baseAddress!, name.count) == 0
            }?.type ?? .other
        }
    }
}

/// An entry's resource: its type, the nodes a reference can name it by, and its place in the
/// bundle for messages (made only when one is reported).
private struct FHIREntry {
    let index: Int
    let type: FHIRResourceType
    /// `resourceType`, `id` and the entry's `fullUrl` (strings that are not empty), if present.
    let typeName: Int32?
    let id: Int32?
    let fullUrl: Int32?
    let resource: Int32

    var place: String { "Bundle.entry[\(index)].resource" }
}

/// Codes and the contract's words for them, looked up on the code's bytes (a table is small: its
/// entries compared in turn, length first, cost less than hashing a string).
private struct FHIRCodeTable: ExpressibleByDictionaryLiteral {
    let entries: [(code: [UInt8], word: String)]

    init(dictionaryLiteral elements: (String, String)...) {
        entries = elements.map { (Array($0.0.utf8), $0.1) }
    }

    /// The word for the code `code` (UTF-8), if the table has it.
    func word(for code: UnsafeBufferPointer<UInt8>) -> String? {
        entries.first { $0.code.count == code.count && $0.code.elementsEqual(code) }?.word
    }
}

/// A coding: its object and its code's node (its system and display are looked up when wanted).
private struct FHIRCoding {
    let node: Int32
    let code: Int32
}

/// A date-time for the contract: as sent (a node of RFC 3339 text) or converted from a date.
private enum FHIRTime {
    case sent(Int32)
    case converted(String)
}

private struct FHIRMapping: ~Copyable {
    /// The bundle's tape, read through pointers valid for the mapping's whole life
    /// (`FHIRBundleMapper.map` maps inside `JSONTape.withReader`).
    let tape: JSONTape.Reader
    let bundle: Int32
    let zone: TimeZone
    let site: SiteMapping
    var errors: [EventValidationError] = []
    /// The event id's node, once it is known.
    var eventIDNode: Int32?
    var entries: [FHIREntry] = []
    /// Entries by reference, made only for a bundle too large to search entry by entry.
    var byReference: [String: Int]?
    var out = ContractJSONWriter(capacity: 1536)
    var siteValues = SiteFieldValues()

    static let loinc: StaticString = "http://loinc.org"
    static let rxnorm: StaticString = "http://www.nlm.nih.gov/research/umls/rxnorm"

    init(tape: JSONTape.Reader, bundle: Int32, zone: TimeZone, site: SiteMapping) {
        self.tape = tape
        self.bundle = bundle
        self.zone = zone
        self.site = site
    }

    mutating func fail(_ place: String, _ message: String) {
        errors.append(EventValidationError(path: place, message: message))
    }

    /// The event id, for a refusal's report.
    var eventID: String? { text(eventIDNode) }

    func value(_ node: Int32?, _ key: StaticString) -> Int32? { tape.value(node, key) }

    /// `node` when it is a string that is not empty.
    func string(_ node: Int32?) -> Int32? { tape.nonEmptyString(node) }

    func text(_ node: Int32?) -> String? { tape.text(node) }

    func first(_ array: Int32?) -> Int32? { tape.first(array) }

    /// A coding's system, when it has one.
    func system(_ coding: FHIRCoding) -> Int32? { string(value(coding.node, "system")) }

    /// A coding's display, when it has one.
    func display(_ coding: FHIRCoding?) -> Int32? { coding.flatMap { string(value($0.node, "display")) } }

    /// The first coding of a CodeableConcept with a code, of the system `system` (any when `nil`).
    func coding(_ concept: Int32?, system: StaticString? = nil) -> FHIRCoding? {
        for coding in tape.elements(value(concept, "coding")) {
            guard let code = string(value(coding, "code")) else { continue }
            if let system, !tape.string(value(coding, "system"), is: system) { continue }
            return FHIRCoding(node: coding, code: code)
        }
        return nil
    }

    /// The entry a reference names (`Patient/123`, a `fullUrl`, `urn:uuid:…`), or an error at `place`.
    mutating func resolve(_ reference: Int32?, at place: @autoclosure () -> String) -> FHIREntry? {
        guard let target = string(value(reference, "reference")) else {
            fail(place(), "no reference")
            return nil
        }
        guard let index = entry(named: target) else {
            fail(place() + ".reference", "\"\(tape.text(of: target))\" names no resource in the bundle")
            return nil
        }
        return entries[index]
    }

    /// The index of the entry the reference text `target` names: the last one whose `fullUrl`
    /// or `Type/id` it is.
    func entry(named target: Int32) -> Int? {
        if let byReference { return byReference[tape.text(of: target)] }
        for index in entries.indices.reversed() {
            let entry = entries[index]
            if let url = entry.fullUrl, tape.string(target, equalsString: url) { return index }
            if let type = entry.typeName, let id = entry.id, tape.string(target, joins: type, UInt8(ascii: "/"), id) {
                return index
            }
        }
        return nil
    }

    /// The contract's word for `code`: the site's codes for `field`, else `table`; a code in
    /// neither is a mistake at `place`.
    mutating func coded(
        _ node: Int32?, _ field: CodedField, _ table: FHIRCodeTable, at place: @autoclosure () -> String,
        _ what: String, _ known: String
    ) -> String? {
        guard let node = string(node) else { return nil }
        if let value = site.siteCode(field, tape.text(of: node)) ?? tape.withUTF8(node, { table.word(for: $0) }) {
            return value
        }
        let code = tape.text(of: node)
        fail(place(), "\(what) \"\(code)\" is not \(known)\(site.siteCodesHint(field))")
        return nil
    }

    /// A FHIR dateTime as RFC 3339; a date alone is midnight in the site's zone.
    mutating func dateTime(_ node: Int32?, at place: @autoclosure () -> String) -> FHIRTime? {
        guard let node = string(node) else { return nil }
        if tape.isRFC3339(node) { return .sent(node) }
        let text = tape.text(of: node)
        let digits = text.replacingOccurrences(of: "-", with: "")
        if text.count == 10, digits.count == 8, let converted = HL7DateTime.rfc3339(digits, zone: zone) {
            return .converted(converted)
        }
        fail(place(), "not a date-time \"\(text)\"")
        return nil
    }

    /// Writes a date-time member (an empty string for one that is missing: the decoder names it).
    static func write(
        _ key: StaticString, _ time: FHIRTime?, on tape: JSONTape.Reader, to out: inout ContractJSONWriter
    ) {
        switch time {
        case .sent(let node)?: out.string(key, tape, node)
        case .converted(let text)?: out.string(key, text)
        case nil: out.string(key, "")
        }
    }

    mutating func run() -> FeedMessage {
        guard tape.string(value(bundle, "resourceType"), is: "Bundle") else {
            fail("resourceType", "a \(text(value(bundle, "resourceType")) ?? "resource") is not read: only a Bundle")
            return .ignored("")
        }
        let entryArray = value(bundle, "entry")
        entries.reserveCapacity(tape.count(entryArray))
        for (index, entry) in tape.elements(entryArray).enumerated() {
            guard let resource = value(entry, "resource"), tape.isObject(resource) else {
                fail("Bundle.entry[\(index)]", "no resource")
                continue
            }
            let type = string(value(resource, "resourceType"))
            entries.append(
                FHIREntry(
                    index: index, type: FHIRResourceType(type, on: tape), typeName: type,
                    id: string(value(resource, "id")), fullUrl: string(value(entry, "fullUrl")), resource: resource))
        }
        if entries.count > 64 {
            // Many entries: references looked up in a table, not entry by entry.
            var table: [String: Int] = [:]
            for (index, entry) in entries.enumerated() {
                if let url = entry.fullUrl { table[tape.text(of: url)] = index }
                if let type = entry.typeName, let id = entry.id {
                    table[tape.text(of: type) + "/" + tape.text(of: id)] = index
                }
            }
            byReference = table
        }
        // The encounter: the message's focus, else the only one.
        var header: FHIREntry?
        let encounter: FHIREntry
        if tape.string(value(bundle, "type"), is: "message") {
            guard let first = entries.first, first.type == .messageHeader else {
                fail("Bundle.entry[0].resource", "a message bundle begins with its MessageHeader")
                return .ignored("")
            }
            header = first
            var found: FHIREntry?
            for reference in tape.elements(value(first.resource, "focus")) {
                if let target = string(value(reference, "reference")), let index = entry(named: target),
                    entries[index].type == .encounter
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
            let encounters = entries.lazy.filter { $0.type == .encounter }
            guard let only = encounters.first, encounters.count == 1 else {
                let count = encounters.count
                fail(
                    "Bundle.entry",
                    count == 0
                        ? "no Encounter: nothing to screen"
                        : "\(count) Encounters and no MessageHeader focus to choose one")
                return .ignored("")
            }
            encounter = only
        }
        let resource = encounter.resource
        // The event type.
        let status = value(resource, "status")
        let period = value(resource, "period")
        let ended = string(value(period, "end")) != nil
        let eventType: String
        if let header, let trigger = text(value(value(header.resource, "eventCoding"), "code")) {
            // `ADT^A03` or `A03`: the trigger after the last caret.
            let code =
                trigger.utf8.contains(UInt8(ascii: "^")) ? String(trigger.split(separator: "^").last ?? "") : trigger
            guard let mapped = ADTMapper.triggers[code] else {
                return .ignored("MessageHeader.eventCoding \(trigger) is not about an encounter RiskScreen screens")
            }
            eventType = mapped
        } else {
            if tape.string(status, is: "in-progress") || tape.string(status, is: "arrived")
                || tape.string(status, is: "triaged")
            {
                eventType = "admission"
            } else if tape.string(status, is: "finished") {
                eventType = "discharge"
            } else if tape.string(status, is: "cancelled") || tape.string(status, is: "entered-in-error") {
                eventType = ended ? "cancel_discharge" : "cancel_admission"
            } else if tape.string(status, is: "planned") {
                return .ignored("a planned Encounter (a pre-admission) is not screened")
            } else {
                fail(
                    encounter.place + ".status",
                    "status \"\(text(status) ?? "")\" does not say what happened (in-progress, finished, cancelled…)")
                return .ignored("")
            }
        }
        let id =
            string(value(value(bundle, "identifier"), "value")) ?? string(value(bundle, "id"))
            ?? header.flatMap { string(value($0.resource, "id")) }
        eventIDNode = id
        if id == nil { fail("Bundle.id", "no id nor identifier (the event id)") }
        out.beginObject()
        out.integer("schema_version", 1)
        if let id { out.string("event_id", tape, id) } else { out.string("event_id", "") }
        out.string("event_type", eventType)
        let admitted = dateTime(value(period, "start"), at: encounter.place + ".period.start")
        let discharged = dateTime(value(period, "end"), at: encounter.place + ".period.end")
        // When it happened: the discharge at the encounter's end, the admission at its start; other
        // events (a transfer, an update, a cancel) when the bundle was made.
        let stamp = dateTime(value(bundle, "timestamp"), at: "Bundle.timestamp")
        let occurred = (eventType == "discharge" ? discharged : eventType == "admission" ? admitted : nil) ?? stamp
        if occurred == nil { fail("Bundle.timestamp", "no time for the event (nor Encounter.period)") }
        Self.write("occurred_at", occurred, on: tape, to: &out)
        if let header, let source = string(value(value(header.resource, "source"), "name")) {
            out.beginObject("source")
            out.string("system", tape, source)
            out.endObject()
        }
        // The site's fields are read first, so that each object is written whole; their mistakes
        // are reported after the standard fields'.
        let standardErrors = errors
        errors = []
        readSiteFields()
        let siteErrors = errors
        errors = standardErrors
        out.beginObject("patient")
        if let patient = resolve(value(resource, "subject"), at: encounter.place + ".subject") {
            self.patient(patient)
        } else {
            out.string("id", "")
        }
        siteValues.write("patient", to: &out)
        out.endObject()
        self.encounter(encounter, admitted: admitted, discharged: discharged)
        // In the order of the resources' mistakes: conditions, medications, then results.
        diagnoses(principal: resource)
        medications()
        var screenings = ContractJSONWriter(capacity: 0)
        observations(screenings: &screenings)
        coverage()
        siteValues.writeSocialAndSiteObjects(screenings: screenings, to: &out)
        out.endObject()
        errors += siteErrors
        return .event(FeedEvent(bytes: out.bytes))
    }

    mutating func patient(_ entry: FHIREntry) {
        let resource = entry.resource
        let identifiers = tape.elements(value(resource, "identifier"))
        var chosen: Int32?
        if let typed = identifiers.first(where: { identifier in
            coding(value(identifier, "type")).map { tape.string($0.code, equals: site.patientIdentifier) } == true
        }) {
            chosen = string(value(typed, "value"))
        }
        if chosen == nil, let valued = identifiers.first(where: { string(value($0, "value")) != nil }) {
            chosen = string(value(valued, "value"))
        }
        if chosen == nil { chosen = string(value(resource, "id")) }
        if let chosen {
            out.string("id", tape, chosen)
        } else {
            fail(entry.place + ".identifier", "no identifier nor id (the patient id)")
            out.string("id", "")
        }
        if let name = first(value(resource, "name")) {
            let given = string(first(value(name, "given")))
            let family = string(value(name, "family"))
            if given != nil || family != nil {
                out.beginObject("name")
                if let given { out.string("given", tape, given) }
                if let family { out.string("family", tape, family) }
                out.endObject()
            }
        }
        if let birth = string(value(resource, "birthDate")) { out.string("birth_date", tape, birth) }
        if let gender = string(value(resource, "gender")) {
            if let code = site.siteCode(.sex, tape.text(of: gender)) {
                out.string("sex", code)
            } else {
                out.string("sex", tape, gender)
            }
        }
        if !siteValues.sets("patient.language"),
            let language = coding(value(first(value(resource, "communication")), "language"))?.code
        {
            out.string("language", tape, language)
        }
        if let postal = string(value(first(value(resource, "address")), "postalCode")) {
            out.string("postal_code", tape, postal)
        }
    }

    /// v3 ActCode encounter classes; FHIR admit-source and discharge-disposition codes.
    static let classes: FHIRCodeTable = [
        "IMP": "inpatient", "ACUTE": "inpatient", "NONAC": "inpatient", "OBSENC": "observation",
        "EMER": "emergency", "AMB": "outpatient", "SS": "day_surgery",
    ]
    static let admitSources: FHIRCodeTable = [
        "hosp-trans": "transfer_hospital", "emd": "emergency_department", "outp": "clinic", "gp": "physician_referral",
        "nursing": "transfer_snf", "mp": "other", "born": "other", "psych": "other", "rehab": "other", "other": "other",
    ]
    static let dispositions: FHIRCodeTable = [
        "home": "home", "alt-home": "home", "other-hcf": "transfer_acute", "hosp": "hospice", "long": "long_term_care",
        "aadvice": "against_medical_advice", "exp": "expired", "psy": "psychiatric", "rehab": "rehab",
        "snf": "skilled_nursing", "oth": "other",
    ]

    mutating func encounter(_ entry: FHIREntry, admitted: FHIRTime?, discharged: FHIRTime?) {
        let resource = entry.resource
        var place: String { entry.place }
        out.beginObject("encounter")
        if let id = string(value(first(value(resource, "identifier")), "value")) ?? string(value(resource, "id")) {
            out.string("id", tape, id)
        } else {
            fail(place + ".identifier", "no identifier nor id (the encounter id)")
            out.string("id", "")
        }
        if let value = coded(
            value(value(resource, "class"), "code"), .encounterClass, Self.classes, at: place + ".class.code",
            "encounter class",
            "one RiskScreen knows (IMP, OBSENC, EMER, AMB, SS…)")
        {
            out.string("class", value)
        }
        if admitted == nil, !errors.contains(where: { $0.path == place + ".period.start" }) {
            fail(place + ".period.start", "no start of the encounter (the admission)")
        }
        Self.write("admitted_at", admitted, on: tape, to: &out)
        if let discharged { Self.write("discharged_at", discharged, on: tape, to: &out) }
        if let location = string(value(value(first(value(resource, "location")), "location"), "display")) {
            out.string("unit", tape, location)
        }
        let hospitalization = value(resource, "hospitalization")
        if let value = coded(
            coding(value(hospitalization, "admitSource"))?.code, .admitSource,
            Self.admitSources,
            at: place + ".hospitalization.admitSource", "admit source", "a FHIR admit-source code")
        {
            out.string("admit_source", value)
        }
        if let value = coded(
            coding(value(hospitalization, "dischargeDisposition"))?.code,
            .dischargeDisposition,
            Self.dispositions, at: place + ".hospitalization.dischargeDisposition", "discharge disposition",
            "a FHIR discharge-disposition code")
        {
            out.string("discharge_disposition", value)
        }
        var opened = false
        for entry in entries where entry.type == .procedure {
            let procedure = entry.resource
            guard let coding = coding(value(procedure, "code")) else {
                fail(entry.place + ".code", "no coded procedure")
                continue
            }
            let kind: String
            let sent = system(coding)
            if tape.string(sent, is: "http://www.ama-assn.org/go/cpt") {
                kind = "cpt"
            } else if tape.string(sent, is: "http://www.cms.gov/Medicare/Coding/ICD10") {
                kind = "icd10pcs"
            } else if tape.string(sent, is: "http://snomed.info/sct") {
                kind = "snomed"
            } else {
                kind = "other"
            }
            let performed = dateTime(value(procedure, "performedDateTime"), at: entry.place + ".performedDateTime")
            if !opened {
                out.beginArray("procedures")
                opened = true
            }
            out.beginElement()
            out.string("code", tape, coding.code)
            out.string("system", kind)
            if let display = display(coding) { out.string("display", tape, display) }
            if let performed { Self.write("performed_at", performed, on: tape, to: &out) }
            out.endObject()
        }
        if opened { out.endArray() }
        siteValues.write("encounter", to: &out)
        out.endObject()
    }

    mutating func diagnoses(principal encounter: Int32) {
        // Encounter.diagnosis ranks its conditions: rank 1 is the principal diagnosis.
        var principal: [Int32] = []
        for diagnosis in tape.elements(value(encounter, "diagnosis")) {
            if tape.number(value(diagnosis, "rank")) == 1,
                let target = string(value(value(diagnosis, "condition"), "reference"))
            {
                principal.append(target)
            }
        }
        // Many ranked diagnoses (not a real encounter's): looked up in a set.
        let principalSet = principal.count > 16 ? Set(principal.map { tape.text(of: $0) }) : nil
        var opened = false
        for entry in entries where entry.type == .condition {
            let condition = entry.resource
            guard let coding = coding(value(condition, "code")) else {
                fail(entry.place + ".code", "no coded condition")
                continue
            }
            let sent: String
            let codingSystem = system(coding)
            if tape.string(codingSystem, is: "http://hl7.org/fhir/sid/icd-10-cm")
                || tape.string(codingSystem, is: "http://hl7.org/fhir/sid/icd-10")
            {
                sent = "icd10"
            } else if tape.string(codingSystem, is: "http://snomed.info/sct") {
                sent = "snomed"
            } else {
                sent = "other"
            }
            let mapped = site.codeMaps.isEmpty ? nil : site.mapped(code: tape.text(of: coding.code), system: sent)
            let isPrincipal: Bool
            if let id = string(value(condition, "id")) {
                if let principalSet {
                    isPrincipal = principalSet.contains("Condition/" + tape.text(of: id))
                } else {
                    isPrincipal = principal.contains { tape.string($0, is: "Condition/", followedBy: id) }
                }
            } else {
                isPrincipal = false
            }
            let kind =
                isPrincipal
                ? "principal"
                : tape.elements(value(condition, "category")).contains(where: { category in
                    self.coding(category).map { tape.string($0.code, is: "problem-list-item") } == true
                }) ? "history" : "secondary"
            if !opened {
                out.beginArray("diagnoses")
                opened = true
            }
            out.beginElement()
            if let mapped {
                out.string("code", mapped.code)
                out.string("system", mapped.system)
            } else {
                out.string("code", tape, coding.code)
                out.string("system", sent)
            }
            if let display = display(coding) { out.string("display", tape, display) }
            out.string("kind", kind)
            out.endObject()
        }
        if opened { out.endArray() }
    }

    mutating func medications() {
        var opened = false
        for entry in entries where entry.type == .medicationRequest {
            let concept = value(entry.resource, "medicationCodeableConcept")
            let rxnorm = coding(concept, system: Self.rxnorm)
            guard let name = string(value(concept, "text")) ?? display(rxnorm) ?? display(coding(concept)) else {
                fail(entry.place + ".medicationCodeableConcept", "no medication name (text or a coding's display)")
                continue
            }
            if !opened {
                out.beginArray("medications")
                opened = true
            }
            out.beginElement()
            out.string("name", tape, name)
            if let rxnorm { out.string("rxnorm", tape, rxnorm.code) }
            out.endObject()
        }
        if opened { out.endArray() }
    }

    /// Observations: LOINC quantities are labs (written to the event); LOINC questions answered
    /// with a LOINC answer code (or a number for a question a screening RiskScreen knows) are
    /// screening answers (written to `screenings`). A QuestionnaireResponse's items, by LOINC
    /// question code, are screening answers too.
    mutating func observations(screenings: inout ContractJSONWriter) {
        var opened = false
        for entry in entries where entry.type == .observation {
            let observation = entry.resource
            guard let code = coding(value(observation, "code"), system: Self.loinc)?.code else { continue }
            let observed = dateTime(value(observation, "effectiveDateTime"), at: entry.place + ".effectiveDateTime")
            if let coded = coding(value(observation, "valueCodeableConcept"), system: Self.loinc)?.code {
                answer(code, code: coded, value: nil, at: observed, to: &screenings)
            } else if let quantity = value(observation, "valueQuantity"),
                let number = tape.number(value(quantity, "value"))
            {
                if tape.withUTF8(code, CatalogQuestions.isAHCHRSN) != nil {
                    answer(code, code: nil, value: number, at: observed, to: &screenings)
                } else {
                    if !opened {
                        out.beginArray("labs")
                        opened = true
                    }
                    out.beginElement()
                    out.string("loinc", tape, code)
                    out.number("value", number)
                    if let unit = string(value(quantity, "unit")) {
                        out.string("unit", tape, unit)
                    }
                    if let observed { Self.write("observed_at", observed, on: tape, to: &out) }
                    out.endObject()
                }
            }
        }
        if opened { out.endArray() }
        for entry in entries where entry.type == .questionnaireResponse {
            let response = entry.resource
            let authored = dateTime(value(response, "authored"), at: entry.place + ".authored")
            for (index, item) in tape.elements(value(response, "item")).enumerated() {
                guard
                    let question = coding(value(item, "code"), system: Self.loinc)?.code
                        ?? string(value(item, "linkId"))
                else {
                    fail("\(entry.place).item[\(index)]", "no LOINC question code nor linkId")
                    continue
                }
                for answer in tape.elements(value(item, "answer")) {
                    if let code = string(value(value(answer, "valueCoding"), "code")) {
                        self.answer(question, code: code, value: nil, at: authored, to: &screenings)
                    } else if let number = tape.number(value(answer, "valueInteger") ?? value(answer, "valueDecimal")) {
                        self.answer(question, code: nil, value: number, at: authored, to: &screenings)
                    }
                }
            }
        }
    }

    /// One answer to the screening question `question` (a LOINC code's node): a coded answer or a
    /// number. The instrument is `ahc-hrsn` for the questions of that screening RiskScreen knows,
    /// else `other`.
    func answer(
        _ question: Int32, code: Int32?, value: Double?, at time: FHIRTime?, to screenings: inout ContractJSONWriter
    ) {
        screenings.beginElement()
        let known = tape.withUTF8(question, CatalogQuestions.isAHCHRSN)
        screenings.string("instrument", known == true ? "ahc-hrsn" : "other")
        screenings.string("question", tape, question)
        if let code { screenings.string("answer_code", tape, code) }
        if let value { screenings.number("answer_value", value) }
        if let time { Self.write("answered_at", time, on: tape, to: &screenings) }
        screenings.endObject()
    }

    /// Coverage.type by its words (sites code it their own way): Medicare, Medicaid, … else other;
    /// and the site's coverage fields.
    mutating func coverage() {
        var type: String?
        if let coverage = entries.first(where: { $0.type == .coverage })?.resource {
            let concept = value(coverage, "type")
            let code = coding(concept)
            if let code, let value = site.siteCode(.coverageType, tape.text(of: code.code)) {
                type = value
            } else {
                // The display and the text, lowered (ASCII: the words looked for are).
                var lowered: [UInt8] = []
                lowered.reserveCapacity(64)
                func append(_ node: Int32?) {
                    guard let node = string(node) else { return }
                    tape.withUTF8(node) { text in
                        lowered.append(contentsOf: text.lazy.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 })
                    }
                }
                append(display(code))
                lowered.append(UInt8(ascii: " "))
                append(value(concept, "text"))
                let medicare = Self.mentions(lowered, "medicare")
                let medicaid = Self.mentions(lowered, "medicaid")
                type =
                    medicare && medicaid
                    ? "dual"
                    : medicare
                        ? "medicare"
                        : medicaid
                            ? "medicaid"
                            : Self.mentions(lowered, "self")
                                ? "self_pay" : Self.mentions(lowered, "commercial") ? "commercial" : "other"
            }
        }
        guard type != nil || siteValues.setsAny(in: "coverage") else { return }
        out.beginObject("coverage")
        if let type { out.string("type", type) }
        siteValues.write("coverage", to: &out)
        out.endObject()
    }

    /// Whether `text` holds `word` (bytes compared; Foundation's search is slow for so little).
    static func mentions(_ text: [UInt8], _ word: StaticString) -> Bool {
        let word = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard text.count >= word.count else { return false }
        for start in 0...(text.count - word.count) where text[start] == word[0] {
            if text[start..<start + word.count].elementsEqual(word) { return true }
        }
        return false
    }

    /// The site mapping's observation fields: the first Observation whose code has the site's
    /// code, its value from valueCodeableConcept, valueString, valueBoolean, valueInteger or
    /// valueQuantity. (Site segments are HL7 v2's alone.)
    mutating func readSiteFields() {
        for field in site.fields {
            guard case .observation(let code) = field.source else { continue }
            let found = entries.first { entry in
                entry.type == .observation
                    && tape.elements(value(value(entry.resource, "code"), "coding")).contains {
                        tape.string(string(value($0, "code")), equals: code)
                    }
            }
            guard let found else { continue }
            let observation = found.resource
            var raw: String?
            var element = ".value"
            if let coded = coding(value(observation, "valueCodeableConcept"))?.code {
                raw = tape.text(of: coded)
                element = ".valueCodeableConcept"
            } else if let text = text(value(observation, "valueString")) {
                raw = text
                element = ".valueString"
            } else if let flag = tape.bool(value(observation, "valueBoolean")) {
                raw = flag ? "true" : "false"
                element = ".valueBoolean"
            } else if let number = tape.number(
                value(observation, "valueInteger") ?? value(value(observation, "valueQuantity"), "value"))
            {
                raw = number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
                element = value(observation, "valueInteger") != nil ? ".valueInteger" : ".valueQuantity.value"
            }
            guard let raw else { continue }
            switch field.value(raw, zone: zone) {
            case .success(let value): siteValues.set(field.target, value)
            case .failure(let error): fail(found.place + element, error.message)
            }
        }
    }
}
