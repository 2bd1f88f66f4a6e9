import Events
import Feeds
import Foundation
import Testing
import YAMLDocument

@Suite("A site mapping: this hospital's identifiers, codes, fields and code maps")
struct SiteMappingTests {
    static let newYork = TimeZone(identifier: "America/New_York")!

    static func mapping(_ yaml: String) -> (SiteMapping, [SiteMappingReader.Problem]) {
        let (mapping, problems) = SiteMappingReader().read(bytes: Array(yaml.utf8), file: "site.yaml")
        return (mapping, problems)
    }

    static func site(_ yaml: String) throws -> SiteMapping {
        let (mapping, problems) = mapping(yaml)
        try #require(problems.isEmpty, "\(problems)")
        return mapping
    }

    /// An A03 with the segments given after PV1.
    static func message(
        pid: String = "PID|1||PI-9^^^SOUTH^PI~S-7^^^SOUTH^MR||Tarrow^Ivo||19400101|M",
        pv1: String =
            "PV1|1|I|3N^1^1^SOUTH|E||||||MED||||7|||||V-1|||||||||||||||||01||||||||20261120080000-0500|20261124103000-0500",
        _ extra: [String] = []
    ) -> [UInt8] {
        let segments =
            [
                "MSH|^~\\&|ADT|SOUTH|RS|SOUTH|20261124103500-0500||ADT^A03|M-1|P|2.5.1",
                "EVN|A03|20261124103000-0500", pid, pv1,
            ] + extra
        return Array(segments.joined(separator: "\r").utf8)
    }

    static func map(_ bytes: [UInt8], _ site: SiteMapping) -> Result<FeedMessage, InvalidEvent> {
        FeedInput(timeZone: newYork, site: site).hl7(bytes)[0].result
    }

    static func event(_ bytes: [UInt8], _ site: SiteMapping) throws -> Event {
        guard case .success(.event(let json)) = map(bytes, site) else {
            Issue.record("not an event: \(map(bytes, site))")
            throw CancellationError()
        }
        return try json.decoded()
    }

    static func errors(_ bytes: [UInt8], _ site: SiteMapping) -> [String] {
        guard case .failure(let invalid) = map(bytes, site) else { return [] }
        return invalid.errors.map(\.description)
    }

    @Test("the sample site mapping reads without a mistake")
    func sampleReads() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("samples/site/site-mapping.yaml").path
        let (mapping, problems) = SiteMappingReader().read(path: path)
        #expect(problems.isEmpty, "\(problems)")
        #expect(mapping.timeZone?.identifier == "America/Chicago")
        #expect(mapping.fields.count == 7)
        #expect(mapping.codeMaps["snomed"]?["84114007"] == "I50.9")
    }

    @Test("every mistake is reported at its line and column, all at once")
    func mistakes() {
        let (_, problems) = Self.mapping(
            """
            timezone: Europe/Lndon
            patient_identifer: MR
            codes:
              encounter.class: { OBS: observatoin }
            fields:
              - { from: ZSW2, to: social.lives_alone }
              - { observation: X1, to: social.lives_alone, values: { Y: maybe } }
              - { to: functional.falls_6mo }
            code_maps:
              snomed: { "84114007": heart }
            """)
        let shown = problems.map { "\($0.mark.line):\($0.mark.column) \($0.message)" }
        #expect(shown.count == 7, "\(shown)")
        #expect(shown.contains { $0.hasPrefix("1:11 ") && $0.contains("Europe/London") }, "\(shown)")
        #expect(shown.contains { $0.hasPrefix("2:1 ") && $0.contains("did you mean \"patient_identifier\"") })
        #expect(
            shown.contains { $0.hasPrefix("4:27 ") && $0.contains("\"observatoin\" is not a value of encounter.class") }
        )
        #expect(shown.contains { $0.hasPrefix("6:13 ") && $0.contains("ZSW-2") })
        #expect(shown.contains { $0.hasPrefix("7:61 ") && $0.contains("\"maybe\" is not true or false") }, "\(shown)")
        #expect(shown.contains { $0.hasPrefix("8:5 ") && $0.contains("needs from:") })
        #expect(shown.contains { $0.hasPrefix("10:25 ") && $0.contains("not an ICD-10-CM code") })
    }

    @Test("without a mapping, MR is the patient id; with one, the identifier type it names")
    func patientIdentifier() throws {
        #expect(try Self.event(Self.message(), .none).patient.id == "S-7")
        #expect(try Self.event(Self.message(), Self.site("patient_identifier: PI")).patient.id == "PI-9")
    }

    @Test("the encounter id from another field when the mapping says so; missing there is a mistake there")
    func encounterIdentifier() throws {
        let site = try Self.site("encounter_identifier: PID-18")
        let pid = "PID|1||S-7^^^SOUTH^MR||Tarrow^Ivo||19400101|M||||||||||ACCT-55"
        #expect(try Self.event(Self.message(pid: pid), site).encounter.id == "ACCT-55")
        #expect(Self.errors(Self.message(), site).contains { $0.hasPrefix("PID-18: no encounter id") })
    }

    @Test("site codes are read before the HL7 tables; a code in neither says where a site code goes")
    func codes() throws {
        let pv1 =
            "PV1|1|OBS|3N^1^1^SOUTH|E||||||MED||||7|||||V-1|||||||||||||||||HHA||||||||20261120080000-0500|20261124103000-0500"
        let errors = Self.errors(Self.message(pv1: pv1), .none)
        #expect(
            errors.contains { $0.contains("PV1-2: patient class \"OBS\"") && $0.contains("codes: encounter.class") })
        let site = try Self.site(
            """
            codes:
              encounter.class: { obs: observation }
              encounter.discharge_disposition: { HHA: home_health, "01": hospice }
              coverage.type: { BCBS: commercial }
            """)
        let event = try Self.event(Self.message(pv1: pv1, ["IN1|1|B1|BCBS||||||||||||BCBS"]), site)
        #expect(event.encounter.encounterClass == .observation)
        #expect(event.encounter.dischargeDisposition == .homeHealth)
        #expect(event.coverage?.type == .commercial)
        // A site code wins over the standard table's meaning of the same code.
        #expect(try Self.event(Self.message(), site).encounter.dischargeDisposition == .hospice)
        let unknown = Self.errors(Self.message(pv1: pv1.replacingOccurrences(of: "|OBS|", with: "|ZZ|")), site)
        #expect(unknown.contains { $0.contains("\"ZZ\"") && $0.contains("nor the site mapping's codes (OBS)") })
    }

    @Test(
        "site segments and local observations set contract fields; a value the mapping does not know is a mistake at its field"
    )
    func fields() throws {
        let site = try Self.site(
            """
            fields:
              - { from: ZSW-2, to: social.lives_alone }
              - { from: ZSW-3, to: social.housing, values: { H: homeless, S: stable } }
              - { from: NK1-3.2, to: social.caregiver.relationship }
              - { from: ZSW-4, to: social.caregiver.status, values: { N: none } }
              - { observation: LOC-ADL, to: functional.adl_dependencies }
              - { observation: LOC-DRUG, to: coverage.drug_coverage }
            """)
        let extra = [
            "NK1|1|Tarrow^Bea|DAU^Daughter^HL70063", "ZSW|1|Y|H|N",
            "OBX|1|NM|LOC-ADL^ADL dependencies^L||4||||||F", "OBX|2|ST|LOC-DRUG^Drug plan^L||N||||||F",
        ]
        let event = try Self.event(Self.message(extra), site)
        #expect(event.social?.livesAlone == true)
        #expect(event.social?.housing == .homeless)
        #expect(event.social?.caregiver?.relationship == "Daughter")
        #expect(event.social?.caregiver?.status == CaregiverStatus.none)
        #expect(event.functional?.adlDependencies == 4)
        #expect(event.coverage?.drugCoverage == false)
        // Without the mapping, the same message says none of it.
        let plain = try Self.event(Self.message(extra), .none)
        #expect(plain.social == nil && plain.functional == nil)
        // Values the mapping does not know are refused at their field, with what it knows.
        let wrong = ["ZSW|1|maybe|Q", "OBX|1|NM|LOC-ADL^ADL^L||several||||||F"]
        let errors = Self.errors(Self.message(wrong), site)
        #expect(errors.contains { $0.hasPrefix("ZSW-2: \"maybe\" is not Y, N, true or false") }, "\(errors)")
        #expect(errors.contains { $0.hasPrefix("ZSW-3: \"Q\" is not among the values") && $0.contains("(H, S)") })
        #expect(errors.contains { $0.hasPrefix("OBX[1]-5: \"several\" is not a whole number") }, "\(errors)")
    }

    @Test("diagnoses in SNOMED CT become ICD-10-CM through the code map; codes it lacks stay as sent")
    func codeMaps() throws {
        let site = try Self.site("code_maps: { snomed: { \"84114007\": I50.9 } }")
        let extra = [
            "DG1|1|SCT|84114007^Heart failure^SCT|||F|||||||||1", "DG1|2|SCT|38341003^Hypertension^SCT|||F",
        ]
        let diagnoses = try Self.event(Self.message(extra), site).diagnoses
        #expect(diagnoses.map(\.code) == ["I50.9", "38341003"])
        #expect(diagnoses.map(\.system) == [.icd10, .snomed])
        #expect(diagnoses[0].display == "Heart failure")
    }

    @Test("the mapping's time zone places times sent without an offset")
    func timeZone() throws {
        let site = try Self.site("timezone: America/Chicago")
        let pv1 = "PV1|1|I|3N^1^1^SOUTH|E||||||MED||||7|||||V-1|||||||||||||||||01||||||||202611200800|202611241030"
        let event = try Self.event(Self.message(pv1: pv1), site)
        #expect(event.encounter.admittedAt == Timestamp(rfc3339: "2026-11-20T08:00:00-06:00"))
    }

    @Test("FHIR: the identifier type, site codes, observation fields and code maps apply to bundles too")
    func fhir() throws {
        let site = try Self.site(
            """
            patient_identifier: PI
            codes: { encounter.class: { OBS: observation } }
            fields: [{ observation: LOC-ADL, to: functional.adl_dependencies }, { observation: LOC-ALONE, to: social.lives_alone }]
            code_maps: { snomed: { "84114007": I50.9 } }
            """)
        let bundle = """
            {"resourceType":"Bundle","type":"collection","id":"b-1","timestamp":"2026-11-24T10:00:00-05:00","entry":[
             {"resource":{"resourceType":"Patient","id":"p","identifier":[{"type":{"coding":[{"code":"MR"}]},"value":"S-7"},{"type":{"coding":[{"code":"PI"}]},"value":"PI-9"}]}},
             {"resource":{"resourceType":"Encounter","id":"e","status":"finished","class":{"code":"OBS"},"subject":{"reference":"Patient/p"},"period":{"start":"2026-11-20T08:00:00-05:00","end":"2026-11-24T10:00:00-05:00"}}},
             {"resource":{"resourceType":"Condition","code":{"coding":[{"system":"http://snomed.info/sct","code":"84114007"}]}}},
             {"resource":{"resourceType":"Observation","code":{"coding":[{"code":"LOC-ADL"}]},"valueInteger":3}},
             {"resource":{"resourceType":"Observation","code":{"coding":[{"code":"LOC-ALONE"}]},"valueBoolean":true}}]}
            """
        guard case .success(.event(let json)) = FeedInput(site: site).fhir(Array(bundle.utf8)).result else {
            Issue.record("not an event")
            return
        }
        let event = try json.decoded()
        #expect(event.patient.id == "PI-9")
        #expect(event.encounter.encounterClass == .observation)
        #expect(event.functional?.adlDependencies == 3)
        #expect(event.social?.livesAlone == true)
        #expect(event.diagnoses.first?.code == "I50.9" && event.diagnoses.first?.system == .icd10)
    }
}
