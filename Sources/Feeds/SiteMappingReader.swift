import Foundation
public import YAMLDocument

/// Reads a site mapping file (YAML), reporting every mistake at its file, line and column.
///
/// ```yaml
/// timezone: America/Chicago       # times sent without an offset (else the configuration's)
/// patient_identifier: MR          # PID-3 identifier type (CX-5) / Patient.identifier type code
/// encounter_identifier: PV1-19    # HL7 field with the encounter id (PID-18: the account number)
/// codes:                          # this site's codes → the contract's values
///   encounter.discharge_disposition: { HHA: home_health, SNF: skilled_nursing }
///   coverage.type: { BCBS: commercial, MCR: medicare }
/// fields:                         # site segments and local observations → contract fields
///   - { from: ZSW-2, to: social.lives_alone }                     # Y/N
///   - { from: ZSW-3, to: social.housing, values: { H: homeless, S: stable, R: at_risk } }
///   - { from: NK1-3.1, to: social.caregiver.relationship }
///   - { observation: 99ADL, to: functional.adl_dependencies }      # OBX-3 / Observation.code
/// code_maps:                      # diagnoses in another system → ICD-10-CM (what rules use)
///   snomed: { "84114007": I50.9, "44054006": E11.9 }
/// ```
public struct SiteMappingReader: Sendable {
    /// One mistake in the file.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var mark: SourceMark
        public var message: String

        public var description: String { "\(mark): error: \(message)" }
    }

    static let keys = ["timezone", "patient_identifier", "encounter_identifier", "codes", "fields", "code_maps"]
    static let fieldKeys = ["from", "observation", "to", "values"]

    public init() {}

    /// The mapping in the file at `path`, and every mistake found (the mapping is unusable when
    /// there is any).
    public func read(path: String) -> (mapping: SiteMapping, problems: [Problem]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            return (
                .none,
                [Problem(mark: SourceMark(file: path, line: 1, column: 1), message: "the site mapping cannot be read")]
            )
        }
        return read(bytes: [UInt8](data), file: path)
    }

    /// The mapping in `bytes`, named `file` in the problems.
    public func read(bytes: [UInt8], file: String) -> (mapping: SiteMapping, problems: [Problem]) {
        var reading = Reading()
        let root: YAMLNode?
        do {
            root = try YAMLParser().parse(bytes: bytes, file: file)
        } catch {
            return (.none, [Problem(mark: error.mark, message: error.message)])
        }
        guard let root else { return (.none, []) }
        reading.mapping(root)
        return (reading.mapping, reading.problems)
    }
}

/// One file's reading: the mapping so far and the mistakes.
private struct Reading {
    var mapping = SiteMapping()
    var problems: [SiteMappingReader.Problem] = []

    mutating func report(_ mark: SourceMark, _ message: String) {
        problems.append(SiteMappingReader.Problem(mark: mark, message: message))
    }

    static func expected(_ name: String, among keys: [String]) -> String {
        let hint = Suggestions.hint(for: name, among: keys)
        return hint.isEmpty ? "; expected one of \(keys.joined(separator: ", "))" : hint
    }

    mutating func mapping(_ root: YAMLNode) {
        guard let entries = root.mapping else {
            report(root.mark, "a site mapping is a mapping of \(SiteMappingReader.keys.joined(separator: ", "))")
            return
        }
        for entry in entries {
            let value = entry.value
            switch entry.key.text {
            case "timezone":
                guard let text = value.scalar?.text, let zone = TimeZone(identifier: text) else {
                    let text = value.scalar?.text ?? ""
                    report(
                        value.mark,
                        "unknown time zone \"\(text)\"\(Suggestions.hint(for: text, among: TimeZone.knownTimeZoneIdentifiers)); timezone is an IANA name such as America/New_York"
                    )
                    continue
                }
                mapping.timeZone = zone
            case "patient_identifier":
                guard let text = value.scalar?.text, !text.isEmpty, !text.contains(where: \.isWhitespace) else {
                    report(value.mark, "patient_identifier is an identifier type code such as MR or PI")
                    continue
                }
                mapping.patientIdentifier = text
            case "encounter_identifier":
                guard let text = value.scalar?.text, let place = HL7Place(text) else {
                    report(value.mark, "encounter_identifier is an HL7 field such as PV1-19 or PID-18")
                    continue
                }
                mapping.encounterIdentifier = place
            case "codes":
                codes(value)
            case "fields":
                fields(value)
            case "code_maps":
                codeMaps(value)
            default:
                report(
                    entry.keyMark,
                    "unknown key \"\(entry.key.text)\" in the site mapping\(Self.expected(entry.key.text, among: SiteMappingReader.keys))"
                )
            }
        }
    }

    /// `codes:` — for each coded contract field, site code → contract value.
    mutating func codes(_ value: YAMLNode) {
        guard let entries = value.mapping else {
            report(
                value.mark, "codes is a mapping of contract field to a table, e.g. coverage.type: { BCBS: commercial }")
            return
        }
        let names = CodedField.allCases.map(\.rawValue)
        for entry in entries {
            guard let field = CodedField(rawValue: entry.key.text) else {
                report(
                    entry.keyMark,
                    "\"\(entry.key.text)\" is not a coded contract field\(Self.expected(entry.key.text, among: names))")
                continue
            }
            guard let table = entry.value.mapping else {
                report(entry.value.mark, "the codes of \(field.rawValue) are a mapping of site code to contract value")
                continue
            }
            var codes: [String: String] = [:]
            for code in table {
                guard let word = code.value.scalar?.text, field.values.contains(word) else {
                    let word = code.value.scalar?.text ?? ""
                    report(
                        code.value.mark,
                        "\"\(word)\" is not a value of \(field.rawValue)\(Self.expected(word, among: field.values))")
                    continue
                }
                codes[code.key.text.uppercased()] = word
            }
            mapping.codes[field] = codes
        }
    }

    /// `fields:` — a list of `{ from: SEG-N[.C] | observation: CODE, to: FIELD, values: {…} }`.
    mutating func fields(_ value: YAMLNode) {
        guard let items = value.sequence else {
            report(value.mark, "fields is a list of { from: ZSW-2, to: social.lives_alone }")
            return
        }
        for item in items {
            guard let entries = item.mapping else {
                report(item.mark, "a site field is a mapping: { from: ZSW-2, to: social.lives_alone }")
                continue
            }
            var source: SiteField.Source?
            var target: SiteFieldTarget?
            var values: [String: String]?
            var valuesNode: YAMLNode?
            var complete = true
            for entry in entries {
                let text = entry.value.scalar?.text
                switch entry.key.text {
                case "from":
                    guard let text, let place = HL7Place(text) else {
                        report(
                            entry.value.mark, "from is an HL7 field such as ZSW-2 or NK1-3.1 (segment-field.component)")
                        complete = false
                        continue
                    }
                    if source != nil { report(entry.keyMark, "a site field has one source: from or observation") }
                    source = .segment(place)
                case "observation":
                    guard let text, !text.isEmpty else {
                        report(entry.value.mark, "observation is the code of an observation (OBX-3, Observation.code)")
                        complete = false
                        continue
                    }
                    if source != nil { report(entry.keyMark, "a site field has one source: from or observation") }
                    source = .observation(text)
                case "to":
                    let names = SiteFieldTarget.all.map(\.name)
                    guard let text, let found = SiteFieldTarget.named(text) else {
                        let text = text ?? ""
                        report(
                            entry.value.mark,
                            "\"\(text)\" is not a contract field a site field may set\(Self.expected(text, among: names))"
                        )
                        complete = false
                        continue
                    }
                    target = found
                case "values":
                    guard let table = entry.value.mapping else {
                        report(entry.value.mark, "values is a mapping of what the feed sends to the contract value")
                        complete = false
                        continue
                    }
                    values = [:]
                    for pair in table { values?[pair.key.text.uppercased()] = pair.value.scalar?.text ?? "" }
                    valuesNode = entry.value
                default:
                    report(
                        entry.keyMark,
                        "unknown key \"\(entry.key.text)\" in a site field\(Self.expected(entry.key.text, among: SiteMappingReader.fieldKeys))"
                    )
                }
            }
            if source == nil, complete { report(item.mark, "a site field needs from: (an HL7 field) or observation:") }
            if target == nil, complete { report(item.mark, "a site field needs to: (the contract field it sets)") }
            guard let source, let target else { continue }
            // Every value the table gives must be one the contract field takes.
            for pair in valuesNode?.mapping ?? [] {
                let word = pair.value.scalar?.text ?? ""
                if case .failure = target.kind.value(word, zone: TimeZone(identifier: "UTC")!) {
                    report(pair.value.mark, "\"\(word)\" is not \(target.kind.description) (\(target.name))")
                }
            }
            mapping.fields.append(SiteField(source: source, target: target, values: values))
        }
    }

    /// `code_maps:` — for a contract code system (snomed, other), code → ICD-10-CM code.
    mutating func codeMaps(_ value: YAMLNode) {
        guard let entries = value.mapping else {
            report(value.mark, "code_maps is a mapping of code system to a table, e.g. snomed: { \"84114007\": I50.9 }")
            return
        }
        for entry in entries {
            let system = entry.key.text
            guard system == "snomed" || system == "other" else {
                report(
                    entry.keyMark,
                    "code_maps maps diagnoses coded in snomed or other onto ICD-10-CM, not \"\(system)\"\(Self.expected(system, among: ["snomed", "other"]))"
                )
                continue
            }
            guard let table = entry.value.mapping else {
                report(entry.value.mark, "the \(system) code map is a mapping of code to ICD-10-CM code")
                continue
            }
            var codes: [String: String] = [:]
            for pair in table {
                let target = pair.value.scalar?.text ?? ""
                guard Self.isICD10CM(target) else {
                    report(pair.value.mark, "\"\(target)\" is not an ICD-10-CM code (such as I50.9 or E11.65)")
                    continue
                }
                codes[pair.key.text] = target
            }
            mapping.codeMaps[system] = codes
        }
    }

    /// A letter, two characters, then optionally a dot and up to four more (`I50.9`, `E11.65`, `Z59.0`).
    static func isICD10CM(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 3, (0x41...0x5A).contains(bytes[0]), (0x30...0x39).contains(bytes[1]) else {
            return false
        }
        func alphanumeric(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) }
        guard alphanumeric(bytes[2]) else { return false }
        if bytes.count == 3 { return true }
        guard bytes[3] == UInt8(ascii: "."), (5...8).contains(bytes.count) else { return false }
        return bytes[4...].allSatisfy(alphanumeric)
    }
}
