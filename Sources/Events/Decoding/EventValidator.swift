/// Walks a parsed JSON document along the event contract, building the typed event and collecting
/// every problem on the way (it does not stop at the first).
///
/// It reads the tape in place through a ``JSONTape/Reader`` (node indices, keys as static bytes:
/// no `JSONItem`, no `String` but the ones the event keeps), and works out a problem's JSON path
/// from the tape only when it reports one.
struct EventValidator {
    private(set) var errors: [EventValidationError] = []
    /// The event id, once a valid one has been read.
    private(set) var eventID: String?

    private let tape: JSONTape
    private let reader: JSONTape.Reader

    /// The object of the last lookup, and where its next member begins: the contract is read in
    /// the order feeds write it, so the next lookup most often finds its key there.
    private var hintObject: Int32 = -1
    private var hintNext: Int32 = 0

    /// Validates the document of `tape`, read through `reader` (a reader of that tape).
    init(tape: JSONTape, reader: JSONTape.Reader) {
        self.tape = tape
        self.reader = reader
    }

    /// One JSON object of the document, by its node on the tape.
    struct Fields {
        let node: Int32
    }

    // MARK: - The event

    mutating func event() -> Event? {
        guard let root = object(0) else { return nil }
        let schemaVersion = integer(root, "schema_version", required: true)
        if let schemaVersion, schemaVersion != 1 {
            fail(
                root, "schema_version",
                "expected 1 (the only version of this contract), got \(schemaVersion)")
        }
        let id = eventIdentifier(root)
        let type: EventType? = enumeration(root, "event_type", required: true)
        let occurredAt = timestamp(root, "occurred_at", required: true)
        let source = nested(root, "source") { $0.source($1) }
        let patient = nested(root, "patient", required: true) { $0.patient($1) } ?? nil
        let encounter = nested(root, "encounter", required: true) { $0.encounter($1, type: type) } ?? nil
        let diagnoses = objects(root, "diagnoses") { $0.diagnosis($1) }
        let medications = objects(root, "medications") { $0.medication($1) }
        let labs = objects(root, "labs") { $0.lab($1) }
        let utilization = nested(root, "utilization") { $0.utilization($1) }
        let coverage = nested(root, "coverage") { $0.coverage($1) }
        let social = nested(root, "social") { $0.social($1) }
        let functional = nested(root, "functional") { $0.functional($1) }
        var extensions: JSONValue?
        if let value = find(root, "extensions") {
            if kind(value) == .object {
                extensions = tape.item(value).materialized
            } else {
                expected("an object", got: value)
            }
        }

        if let occurredAt, let birthDate = patient?.birthDate, birthDate > occurredAt.localDate {
            fail(
                JSONPath.root.appending("patient").appending("birth_date"),
                "the birth date \(birthDate) is after occurred_at (\(occurredAt.localDate))")
        }
        guard errors.isEmpty, let schemaVersion, let id, let type, let occurredAt, let patient, let encounter else {
            return nil
        }
        return Event(
            schemaVersion: schemaVersion, eventID: id, eventType: type, occurredAt: occurredAt, source: source,
            patient: patient, encounter: encounter, diagnoses: diagnoses ?? [], medications: medications ?? [],
            labs: labs ?? [], utilization: utilization, coverage: coverage, social: social, functional: functional,
            extensions: extensions,
            derived: DerivedFacts(occurredAt: occurredAt, patient: patient, encounter: encounter, labs: labs ?? []))
    }

    private mutating func eventIdentifier(_ root: Fields) -> String? {
        guard let id = string(root, "event_id", required: true) else { return nil }
        // ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$
        var text = id
        let valid = text.withUTF8 { bytes in
            guard !bytes.isEmpty, bytes.count <= 128 else { return false }
            for index in bytes.indices {
                let byte = bytes[index]
                let alphanumeric =
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                let punctuation =
                    byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
                    || byte == UInt8(ascii: "-")
                guard alphanumeric || (index > 0 && punctuation) else { return false }
            }
            return true
        }
        guard valid else {
            fail(
                root, "event_id",
                "expected 1–128 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit, got \(JSONValue.string(id).briefDescription)"
            )
            return nil
        }
        eventID = id
        return id
    }

    // MARK: - The parts

    private mutating func source(_ fields: Fields) -> Source {
        Source(
            system: string(fields, "system"), facilityID: string(fields, "facility_id"),
            facilityName: string(fields, "facility_name"))
    }

    private mutating func patient(_ fields: Fields) -> Patient? {
        let id = string(fields, "id", required: true, length: 1...64)
        let name = nested(fields, "name") { validator, name in
            (given: validator.string(name, "given"), family: validator.string(name, "family"))
        }
        let patient = Patient(
            id: id ?? "",
            givenName: name?.given,
            familyName: name?.family,
            birthDate: date(fields, "birth_date"),
            sex: enumeration(fields, "sex"),
            language: string(fields, "language"),
            interpreterNeeded: bool(fields, "interpreter_needed"),
            postalCode: string(fields, "postal_code"))
        return id == nil ? nil : patient
    }

    private mutating func encounter(_ fields: Fields, type: EventType?) -> Encounter? {
        let id = string(fields, "id", required: true, length: 1...64)
        let admittedAt = timestamp(fields, "admitted_at", required: true)
        let dischargedAt = timestamp(
            fields, "discharged_at", required: type == .discharge, requiredBecause: " on a discharge event")
        if let admittedAt, let dischargedAt, dischargedAt < admittedAt {
            fail(fields, "discharged_at", "\(dischargedAt) is before admitted_at (\(admittedAt))")
        }
        let encounterClass: EncounterClass? = enumeration(fields, "class")
        let admissionType: AdmissionType? = enumeration(fields, "admission_type")
        let admitSource: AdmitSource? = enumeration(fields, "admit_source")
        let expectedDischargeAt = timestamp(fields, "expected_discharge_at")
        let facilityID = string(fields, "facility_id")
        let unit = string(fields, "unit")
        let bed = string(fields, "bed")
        let service = string(fields, "service")
        let attending = string(fields, "attending")
        let disposition: DischargeDisposition? = enumeration(fields, "discharge_disposition")
        let procedures = objects(fields, "procedures") { $0.procedure($1) }
        guard let id, let admittedAt else { return nil }
        return Encounter(
            id: id, encounterClass: encounterClass, admissionType: admissionType, admitSource: admitSource,
            admittedAt: admittedAt, dischargedAt: dischargedAt, expectedDischargeAt: expectedDischargeAt,
            facilityID: facilityID, unit: unit, bed: bed, service: service, attending: attending,
            dischargeDisposition: disposition, procedures: procedures ?? [])
    }

    private mutating func procedure(_ fields: Fields) -> Procedure? {
        let code = string(fields, "code", required: true)
        let procedure = Procedure(
            code: code ?? "", system: enumeration(fields, "system"), display: string(fields, "display"),
            performedAt: timestamp(fields, "performed_at"))
        return code == nil ? nil : procedure
    }

    private mutating func diagnosis(_ fields: Fields) -> Diagnosis? {
        let code = string(fields, "code", required: true)
        let system: DiagnosisSystem? = enumeration(fields, "system", required: true)
        let display = string(fields, "display")
        let kind: DiagnosisKind? = enumeration(fields, "kind")
        let presentOnAdmission = bool(fields, "present_on_admission")
        guard let code, let system else { return nil }
        return Diagnosis(
            code: code, normalizedCode: system == .icd10 ? ICD10.normalize(code) : code, system: system,
            display: display, kind: kind, presentOnAdmission: presentOnAdmission)
    }

    private mutating func medication(_ fields: Fields) -> Medication? {
        let name = string(fields, "name", required: true)
        let medication = Medication(
            name: name ?? "", rxnorm: string(fields, "rxnorm"), status: enumeration(fields, "status"),
            monthlyOutOfPocketUSD: number(fields, "monthly_out_of_pocket_usd", minimum: 0),
            specialty: bool(fields, "specialty"), highRisk: bool(fields, "high_risk"))
        return name == nil ? nil : medication
    }

    private mutating func lab(_ fields: Fields) -> LabResult? {
        let loinc = string(fields, "loinc", required: true)
        let name = string(fields, "name")
        let value = number(fields, "value", required: true)
        let unit = string(fields, "unit")
        let observedAt = timestamp(fields, "observed_at")
        guard let loinc, let value else { return nil }
        return LabResult(loinc: loinc, name: name, value: value, unit: unit, observedAt: observedAt)
    }

    private mutating func utilization(_ fields: Fields) -> Utilization {
        Utilization(
            edVisits6mo: integer(fields, "ed_visits_6mo", range: 0...Int.max),
            admissions12mo: integer(fields, "admissions_12mo", range: 0...Int.max),
            lastDischargeAt: timestamp(fields, "last_discharge_at"))
    }

    private mutating func coverage(_ fields: Fields) -> Coverage {
        Coverage(
            type: enumeration(fields, "type"), drugCoverage: bool(fields, "drug_coverage"),
            annualOutOfPocketUSD: number(fields, "annual_out_of_pocket_usd", minimum: 0))
    }

    private mutating func social(_ fields: Fields) -> Social {
        Social(
            livesAlone: bool(fields, "lives_alone"),
            housing: enumeration(fields, "housing"),
            costRelatedNonadherence: bool(fields, "cost_related_nonadherence"),
            caregiver: nested(fields, "caregiver") { $0.caregiver($1) },
            screenings: objects(fields, "screenings") { $0.screening($1) } ?? [])
    }

    private mutating func caregiver(_ fields: Fields) -> Caregiver {
        var items = array(fields, "mcsi_items") { validator, value in
            validator.integer(value, range: 0...2)
        }
        if let raw = find(fields, "mcsi_items"), kind(raw) == .array, reader.count(raw) != 13 {
            fail(
                fields, "mcsi_items",
                "expected exactly 13 items (the Modified Caregiver Strain Index, in published order), got \(reader.count(raw))"
            )
            items = nil
        }
        return Caregiver(
            status: enumeration(fields, "status"), relationship: string(fields, "relationship"),
            age: integer(fields, "age", range: 0...130), hoursPerWeek: number(fields, "hours_per_week", minimum: 0),
            mcsiItems: items)
    }

    private mutating func screening(_ fields: Fields) -> ScreeningAnswer? {
        let question = string(fields, "question", required: true)
        var answerValue: AnswerValue?
        if let value = find(fields, "answer_value") {
            switch kind(value) {
            case .number: answerValue = .number(reader.nodes[Int(value)].number)
            case .bool: answerValue = .bool(reader.nodes[Int(value)].flag)
            case .string: answerValue = .text(reader.text(of: value))
            default: expected("a number, a boolean or a string", got: value)
            }
        }
        let answer = ScreeningAnswer(
            instrument: enumeration(fields, "instrument"), question: question ?? "",
            answerCode: string(fields, "answer_code"), answerValue: answerValue,
            answeredAt: timestamp(fields, "answered_at"))
        return question == nil ? nil : answer
    }

    private mutating func functional(_ fields: Fields) -> Functional {
        Functional(
            adlDependencies: integer(fields, "adl_dependencies", range: 0...6),
            cognitiveImpairment: bool(fields, "cognitive_impairment"),
            falls6mo: integer(fields, "falls_6mo", range: 0...Int.max))
    }

    // MARK: - Reporting

    private mutating func fail(_ path: JSONPath, _ message: String) {
        // A hostile file can hold hundreds of thousands of wrong elements: the first problems say
        // what is wrong, the rest are counted (the reason file and the ledger stay small).
        guard errors.count < Self.errorLimit else {
            omitted += 1
            return
        }
        errors.append(EventValidationError(path: path.description, message: message))
    }

    /// Reports a problem with the value `node`. Its path is worked out only for a problem that is
    /// listed (the path of the last of a long array's elements is a walk along the array).
    private mutating func fail(at node: Int32, _ message: String) {
        fail(errors.count < Self.errorLimit ? path(to: node) : .root, message)
    }

    /// Reports a problem with the member `key` of `fields` (present or not).
    private mutating func fail(_ fields: Fields, _ key: StaticString, _ message: String) {
        fail(errors.count < Self.errorLimit ? path(to: fields.node).appending(key.description) : .root, message)
    }

    /// At most this many problems are listed per file.
    static let errorLimit = 50
    /// Problems found beyond ``errorLimit``.
    private(set) var omitted = 0

    /// The problems, with a last line counting those not listed.
    var reportedErrors: [EventValidationError] {
        omitted == 0
            ? errors
            : errors + [
                EventValidationError(
                    path: "$",
                    message:
                        "\(omitted) more problem\(omitted == 1 ? "" : "s") not listed (the first \(Self.errorLimit) are)"
                )
            ]
    }

    /// Reports that the value `node` is not `what` (the problem's path is the node's).
    private mutating func expected(_ what: String, got node: Int32) {
        fail(at: node, "expected \(what), got \(tape.item(node).briefDescription)")
    }

    /// The JSON path of `target`, worked out by descending from the root to it (only when a
    /// problem is reported: nothing on the way down keeps a path).
    private func path(to target: Int32) -> JSONPath {
        let nodes = reader.nodes
        var path = JSONPath.root
        var current: Int32 = 0
        descending: while current != target {
            let container = nodes[Int(current)]
            var child = current + 1
            var position = 0
            while child < container.next {
                let value = container.kind == .object ? child + 1 : child
                let end = nodes[Int(value)].next
                if target >= child, target < end {
                    path =
                        container.kind == .object
                        ? path.appending(reader.text(of: child)) : path.appending(index: position)
                    current = value
                    continue descending
                }
                child = end
                position += 1
            }
            break  // not below `current` (cannot happen for a node of this tape)
        }
        return path
    }

    // MARK: - Finding members

    private func kind(_ node: Int32) -> JSONTape.Kind { reader.nodes[Int(node)].kind }

    /// The value node of `key` in `fields`, or `nil`. The search starts where the last lookup in
    /// the same object ended and wraps around, so a document in the contract's order costs one
    /// key comparison per member read.
    private mutating func find(_ fields: Fields, _ key: StaticString) -> Int32? {
        let object = fields.node
        let expected = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        let first = object + 1
        let end = reader.nodes[Int(object)].next
        let start = hintObject == object ? hintNext : first
        guard
            let found = reader.member(from: start, to: end, expected) ?? reader.member(from: first, to: start, expected)
        else { return nil }
        hintObject = object
        hintNext = reader.nodes[Int(found)].next
        return found
    }

    /// The value of `key`, or `nil`; reports it when it is required and missing.
    private mutating func lookup(
        _ fields: Fields, _ key: StaticString, required: Bool, requiredBecause reason: String = ""
    ) -> Int32? {
        if let value = find(fields, key) { return value }
        if required { fail(fields, key, "required\(reason), but missing") }
        return nil
    }

    // MARK: - Reading typed values

    private mutating func object(_ node: Int32) -> Fields? {
        guard kind(node) == .object else {
            expected("an object", got: node)
            return nil
        }
        return Fields(node: node)
    }

    private mutating func object(_ fields: Fields, _ key: StaticString, required: Bool = false) -> Fields? {
        guard let value = lookup(fields, key, required: required) else { return nil }
        return object(value)
    }

    /// Reads an optional (or required) object member through `body`; `nil` when absent or not an object.
    private mutating func nested<Result>(
        _ fields: Fields, _ key: StaticString, required: Bool = false, _ body: (inout EventValidator, Fields) -> Result
    ) -> Result? {
        guard let inner = object(fields, key, required: required) else { return nil }
        let outer = (hintObject, hintNext)
        defer { (hintObject, hintNext) = outer }
        return body(&self, inner)
    }

    /// Reads an array of objects, each through `element`.
    private mutating func objects<Element>(
        _ fields: Fields, _ key: StaticString, _ element: (inout EventValidator, Fields) -> Element?
    ) -> [Element]? {
        array(fields, key) { validator, value in
            guard let inner = validator.object(value) else { return nil }
            return element(&validator, inner)
        }
    }

    /// Reads an array whose every element goes through `element`; `nil` when absent or not an array.
    private mutating func array<Element>(
        _ fields: Fields, _ key: StaticString, element: (inout EventValidator, Int32) -> Element?
    ) -> [Element]? {
        guard let value = find(fields, key) else { return nil }
        guard kind(value) == .array else {
            expected("an array", got: value)
            return nil
        }
        let outer = (hintObject, hintNext)
        defer { (hintObject, hintNext) = outer }
        var result: [Element] = []
        result.reserveCapacity(reader.count(value))
        for item in reader.elements(value) {
            if let decoded = element(&self, item) { result.append(decoded) }
        }
        return result
    }

    private mutating func string(
        _ fields: Fields, _ key: StaticString, required: Bool = false, length: ClosedRange<Int>? = nil
    ) -> String? {
        guard let value = lookup(fields, key, required: required) else { return nil }
        guard kind(value) == .string else {
            expected("a string", got: value)
            return nil
        }
        let text = reader.text(of: value)
        if let length {
            let count = text.unicodeScalars.count
            guard length.contains(count) else {
                fail(at: value, "expected \(length.lowerBound) to \(length.upperBound) characters, got \(count)")
                return nil
            }
        }
        return text
    }

    private mutating func bool(_ fields: Fields, _ key: StaticString) -> Bool? {
        guard let value = find(fields, key) else { return nil }
        guard kind(value) == .bool else {
            expected("true or false", got: value)
            return nil
        }
        return reader.nodes[Int(value)].flag
    }

    private mutating func number(
        _ fields: Fields, _ key: StaticString, required: Bool = false, minimum: Double? = nil
    ) -> Double? {
        guard let value = lookup(fields, key, required: required) else { return nil }
        guard kind(value) == .number else {
            expected("a number", got: value)
            return nil
        }
        let number = reader.nodes[Int(value)].number
        if let minimum, number < minimum {
            fail(
                at: value,
                "expected a number of at least \(JSONValue.format(minimum)), got \(JSONValue.format(number))")
            return nil
        }
        return number
    }

    private mutating func integer(
        _ fields: Fields, _ key: StaticString, required: Bool = false, range: ClosedRange<Int>? = nil
    ) -> Int? {
        guard let value = lookup(fields, key, required: required) else { return nil }
        return integer(value, range: range)
    }

    private mutating func integer(_ value: Int32, range: ClosedRange<Int>? = nil) -> Int? {
        let node = reader.nodes[Int(value)]
        guard node.kind == .number, node.number == node.number.rounded(), abs(node.number) < 9.0e15 else {
            expected("an integer", got: value)
            return nil
        }
        let integer = Int(node.number)
        if let range, !range.contains(integer) {
            let bounds =
                range.upperBound == Int.max
                ? "at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            fail(at: value, "expected an integer \(bounds), got \(integer)")
            return nil
        }
        return integer
    }

    private mutating func enumeration<Value: ContractVocabulary>(
        _ fields: Fields, _ key: StaticString, required: Bool = false
    ) -> Value? {
        guard let value = lookup(fields, key, required: required) else { return nil }
        if kind(value) == .string, let result = reader.withUTF8(value, { Value.words.value($0) }) { return result }
        let allowed = Value.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        expected("one of \(allowed)", got: value)
        return nil
    }

    private mutating func timestamp(
        _ fields: Fields, _ key: StaticString, required: Bool = false, requiredBecause reason: String = ""
    ) -> Timestamp? {
        guard let value = lookup(fields, key, required: required, requiredBecause: reason) else { return nil }
        guard kind(value) == .string, let timestamp = reader.withUTF8(value, { Timestamp(rfc3339: $0) }) else {
            expected("RFC 3339 date-time", got: value)
            return nil
        }
        return timestamp
    }

    private mutating func date(_ fields: Fields, _ key: StaticString) -> LocalDate? {
        guard let value = find(fields, key) else { return nil }
        guard kind(value) == .string, let date = reader.withUTF8(value, { LocalDate(rfc3339: $0) }) else {
            expected("RFC 3339 full-date (YYYY-MM-DD)", got: value)
            return nil
        }
        return date
    }
}
