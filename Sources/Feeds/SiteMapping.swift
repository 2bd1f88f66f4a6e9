import Events
public import Foundation

/// How one hospital's feed says what the event contract says: which identifier is the patient's,
/// the site's own codes for the contract's coded fields, site segments and local observations
/// that carry contract fields (a "lives alone" OBX, a ZSW segment, the next of kin), maps from
/// other code systems onto ICD-10-CM, and the site's time zone.
///
/// Read from a YAML file (``SiteMappingReader``) that the configuration names with
/// `site_mapping:`; every mistake in it is reported with its file, line and column. The empty
/// mapping (``none``) is what RiskScreen reads without one: HL7 and FHIR as the standards say.
public struct SiteMapping: Sendable {
    /// The site's zone for times sent without an offset; `nil`: the configuration's.
    public var timeZone: TimeZone?
    /// The identifier type (HL7 CX-5 in PID-3; FHIR `Patient.identifier.type` code) of the patient id.
    public var patientIdentifier = "MR"
    /// The HL7 field that holds the encounter id (PV1-19, the visit number, unless the site says).
    public var encounterIdentifier = HL7Place(segment: "PV1", field: 19)
    /// The site's codes for the contract's coded fields, added to (and before) the standard tables;
    /// keys in upper case.
    public var codes: [CodedField: [String: String]] = [:]
    /// Site segments' fields and local observations read into contract fields, in file order.
    public var fields: [SiteField] = []
    /// Diagnosis code maps: for a contract code system (`snomed`, `other`), code → ICD-10-CM code.
    public var codeMaps: [String: [String: String]] = [:]

    /// The standards alone: no site codes, fields or maps.
    public static let none = SiteMapping()

    public init() {}

    /// The contract value for `code` of `field` from the site's table, if it has one.
    /// (Most sites have few tables, often none: the code's text is made, and uppercased, only
    /// for a field the site has a table for.)
    func siteCode(_ field: CodedField, _ code: @autoclosure () -> String) -> String? {
        guard let table = codes[field] else { return nil }
        return table[code().uppercased()]
    }

    /// What a refused code of `field` is told about the site's codes: the site's own for the field,
    /// or where one of the site's own would go.
    func siteCodesHint(_ field: CodedField) -> String {
        codes[field].map { " nor the site mapping's codes (\($0.keys.sorted().joined(separator: ", ")))" }
            ?? "; a code of the site's own goes in the site mapping under codes: \(field.rawValue)"
    }

    /// A diagnosis mapped onto ICD-10-CM when the site's code map for its system has the code.
    func mapped(code: String, system: String) -> (code: String, system: String) {
        if let target = codeMaps[system]?[code] { return (target, "icd10") }
        return (code, system)
    }
}

/// A place in an HL7 v2 message: segment, field and component (`ZSW-2`, `NK1-3.2`, `PID-18`).
public struct HL7Place: Sendable, Hashable, CustomStringConvertible {
    public var segment: String
    public var field: Int
    public var component: Int

    public init(segment: String, field: Int, component: Int = 1) {
        self.segment = segment
        self.field = field
        self.component = component
    }

    /// `SEG-N` or `SEG-N.C` (a segment name is three capitals or digits, starting with a capital).
    public init?(_ text: String) {
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 3,
            parts[0].utf8.allSatisfy({ (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) }),
            (0x41...0x5A).contains(parts[0].utf8.first!)
        else { return nil }
        let numbers = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(numbers.count), let field = Int(numbers[0]), field >= 1, field <= 999 else {
            return nil
        }
        var component = 1
        if numbers.count == 2 {
            guard let number = Int(numbers[1]), number >= 1, number <= 99 else { return nil }
            component = number
        }
        self.init(segment: String(parts[0]), field: field, component: component)
    }

    public var description: String { component == 1 ? "\(segment)-\(field)" : "\(segment)-\(field).\(component)" }
}

/// A contract field a feed sends as a code, which a site may send in its own codes.
public enum CodedField: String, Sendable, CaseIterable {
    case encounterClass = "encounter.class"
    case admissionType = "encounter.admission_type"
    case admitSource = "encounter.admit_source"
    case dischargeDisposition = "encounter.discharge_disposition"
    case sex = "patient.sex"
    case coverageType = "coverage.type"

    /// The contract's values for the field.
    public var values: [String] {
        switch self {
        case .encounterClass: ["inpatient", "observation", "emergency", "outpatient", "day_surgery"]
        case .admissionType: ["emergency", "urgent", "elective", "newborn", "trauma"]
        case .admitSource:
            [
                "emergency_department", "physician_referral", "clinic", "transfer_hospital", "transfer_snf", "home",
                "other",
            ]
        case .dischargeDisposition:
            [
                "home", "home_health", "skilled_nursing", "rehab", "long_term_care", "hospice", "transfer_acute",
                "psychiatric", "against_medical_advice", "expired", "other",
            ]
        case .sex: ["female", "male", "other", "unknown"]
        case .coverageType:
            [
                "medicare", "medicaid", "dual", "commercial", "marketplace", "military", "uninsured", "self_pay",
                "other",
            ]
        }
    }
}

/// One site field: where the feed carries it, the contract field it becomes, and how its values
/// read.
public struct SiteField: Sendable {
    /// Where a value comes from.
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        /// A field of the first segment of its name (HL7 v2 only): `ZSW-2`, `NK1-3`.
        case segment(HL7Place)
        /// An observation by its code: HL7 OBX-3 (first component), FHIR `Observation.code`; the
        /// value from OBX-5 or the Observation's `value[x]`.
        case observation(String)

        public var description: String {
            switch self {
            case .segment(let place): place.description
            case .observation(let code): "observation \(code)"
            }
        }
    }

    public var source: Source
    public var target: SiteFieldTarget
    /// What the feed sends (upper case) → the contract value as text; `nil`: the value as sent.
    public var values: [String: String]?

    /// The contract value for `raw` as sent, or why it cannot be one. Times without an offset are
    /// in `zone`.
    func value(_ raw: String, zone: TimeZone) -> Result<JSONValue, SiteValueError> {
        var text = raw
        if let values {
            guard let mapped = values[raw.uppercased()] else {
                let known = values.keys.sorted().joined(separator: ", ")
                return .failure(
                    SiteValueError(
                        "\"\(raw)\" is not among the values the site mapping gives for \(target.name) (\(known))"))
            }
            text = mapped
        }
        return target.kind.value(text, zone: zone).mapError {
            SiteValueError("\"\(raw)\" \($0.message) for \(target.name)")
        }
    }
}

/// Why a site field's value cannot be read.
struct SiteValueError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// A contract field a site field may set, and the kind of value it takes.
public struct SiteFieldTarget: Sendable, Equatable {
    /// The kinds of contract values.
    public enum Kind: Sendable, Equatable {
        /// `Y`/`N` (HL7 table 0136) or `true`/`false`.
        case boolean
        case integer
        case number
        case text
        /// An HL7 DTM or an RFC 3339 date-time.
        case dateTime
        /// One of the contract's words (sent in any case).
        case oneOf([String])

        /// The contract value of `text`, or what is wrong with it.
        func value(_ text: String, zone: TimeZone) -> Result<JSONValue, SiteValueError> {
            switch self {
            case .boolean:
                switch text.uppercased() {
                case "Y", "TRUE": return .success(.bool(true))
                case "N", "FALSE": return .success(.bool(false))
                default: return .failure(SiteValueError("is not Y, N, true or false"))
                }
            case .integer:
                guard let number = Int(text) else { return .failure(SiteValueError("is not a whole number")) }
                return .success(.number(Double(number)))
            case .number:
                guard let number = Double(text), number.isFinite else {
                    return .failure(SiteValueError("is not a number"))
                }
                return .success(.number(number))
            case .text:
                return .success(.string(text))
            case .dateTime:
                if Timestamp(rfc3339: text) != nil { return .success(.string(text)) }
                guard let converted = HL7DateTime.rfc3339(text, zone: zone) else {
                    return .failure(SiteValueError("is not a date-time"))
                }
                return .success(.string(converted))
            case .oneOf(let words):
                let word = text.lowercased()
                guard words.contains(word) else {
                    return .failure(SiteValueError("is not one of \(words.joined(separator: ", "))"))
                }
                return .success(.string(word))
            }
        }

        /// What a value of this kind is, for messages.
        var description: String {
            switch self {
            case .boolean: "true or false"
            case .integer: "a whole number"
            case .number: "a number"
            case .text: "text"
            case .dateTime: "a date-time"
            case .oneOf(let words): "one of \(words.joined(separator: ", "))"
            }
        }
    }

    /// The contract field's path (`social.lives_alone`).
    public var name: String
    public var kind: Kind

    /// The contract fields a site field may set: facts about the patient's situation that a
    /// standard feed has no place for.
    public static let all: [SiteFieldTarget] = [
        SiteFieldTarget(name: "patient.interpreter_needed", kind: .boolean),
        SiteFieldTarget(name: "patient.language", kind: .text),
        SiteFieldTarget(name: "encounter.expected_discharge_at", kind: .dateTime),
        SiteFieldTarget(name: "encounter.attending", kind: .text),
        SiteFieldTarget(name: "encounter.service", kind: .text),
        SiteFieldTarget(name: "utilization.ed_visits_6mo", kind: .integer),
        SiteFieldTarget(name: "utilization.admissions_12mo", kind: .integer),
        SiteFieldTarget(name: "utilization.last_discharge_at", kind: .dateTime),
        SiteFieldTarget(name: "coverage.drug_coverage", kind: .boolean),
        SiteFieldTarget(name: "coverage.annual_out_of_pocket_usd", kind: .number),
        SiteFieldTarget(name: "social.lives_alone", kind: .boolean),
        SiteFieldTarget(name: "social.housing", kind: .oneOf(["stable", "at_risk", "homeless", "unknown"])),
        SiteFieldTarget(name: "social.cost_related_nonadherence", kind: .boolean),
        SiteFieldTarget(name: "social.caregiver.status", kind: .oneOf(["available", "limited", "none"])),
        SiteFieldTarget(name: "social.caregiver.relationship", kind: .text),
        SiteFieldTarget(name: "social.caregiver.age", kind: .integer),
        SiteFieldTarget(name: "social.caregiver.hours_per_week", kind: .number),
        SiteFieldTarget(name: "functional.adl_dependencies", kind: .integer),
        SiteFieldTarget(name: "functional.cognitive_impairment", kind: .boolean),
        SiteFieldTarget(name: "functional.falls_6mo", kind: .integer),
    ]

    /// The target named `name`, if a site field may set it.
    public static func named(_ name: String) -> SiteFieldTarget? { all.first { $0.name == name } }
}

/// Site field values as they are read from one message (the last one read of each field), written
/// into the event as the mappers write its objects: a standard field the site sets is left to it.
struct SiteFieldValues {
    private var values: [(name: String, value: JSONValue)] = []

    mutating func set(_ target: SiteFieldTarget, _ value: JSONValue) {
        values.removeAll { $0.name == target.name }
        values.append((target.name, value))
    }

    /// Whether a site field sets `name` (`patient.language`).
    func sets(_ name: String) -> Bool { values.contains { $0.name == name } }

    /// Whether a site field sets anything inside the object `object` (`social`).
    func setsAny(in object: String) -> Bool {
        values.contains { $0.name.hasPrefix(object + ".") }
    }

    /// The end of an event both mappers write alike: `social` (the screening answers written in
    /// `screenings`, and the site's social fields), then the site's `utilization` and
    /// `functional` objects — each only when it holds something.
    func writeSocialAndSiteObjects(screenings: borrowing ContractJSONWriter, to out: inout ContractJSONWriter) {
        if !screenings.isEmpty || setsAny(in: "social") {
            out.beginObject("social")
            if !screenings.isEmpty {
                out.beginArray("screenings")
                out.members(of: screenings)
                out.endArray()
            }
            write("social", to: &out)
            out.endObject()
        }
        for object in ["utilization", "functional"] where setsAny(in: object) {
            out.beginObject(named: object)
            write(object, to: &out)
            out.endObject()
        }
    }

    /// The site fields' members of the object `prefix` (one level; a nested object, such as
    /// `social.caregiver`, as an object of its own), written into the object `out` is writing.
    func write(_ prefix: String, to out: inout ContractJSONWriter) {
        guard !values.isEmpty else { return }
        let head = prefix + "."
        var nested: [String] = []
        for (name, value) in values where name.hasPrefix(head) {
            let rest = name.dropFirst(head.count)
            if let dot = rest.firstIndex(of: ".") {
                let inner = String(rest[..<dot])
                if !nested.contains(inner) { nested.append(inner) }
            } else {
                out.member(named: String(rest), value)
            }
        }
        for inner in nested {
            out.beginObject(named: inner)
            write(head + inner, to: &out)
            out.endObject()
        }
    }
}
