import Events
import Feeds
import Foundation
import Testing

@Suite("Mapping HL7 v2 ADT onto the event contract")
struct ADTMapperTests {
    static let newYork = TimeZone(identifier: "America/New_York")!

    /// An ADT message of `trigger` with `extra` segments; PV1 as given.
    static func message(
        _ trigger: String, type: String = "ADT",
        pid: String =
            "PID|1||999-12-3456^^^SSA^SS~S-1^^^NORTH^MR||Ashdown^Perpetua^Q||19400229|F|||1 Elm^^Town^MA^02139||||EN",
        pv1: String =
            "PV1|1|I|4W^401^02^NORTH|E|||D-1^Doc^Tor|||CAR||||7|||||V-1|||||||||||||||||01||||||||20261120080000-0500|20261124103000-0500",
        _ extra: [String] = []
    ) -> [UInt8] {
        let segments =
            [
                "MSH|^~\\&|ADT|NORTH|RS|NORTH|20261124103500-0500||\(type)^\(trigger)|M-\(trigger)|P|2.5.1",
                "EVN|\(trigger)|20261124103000-0500", pid, pv1,
            ]
            + extra
        return Array(segments.joined(separator: "\r").utf8)
    }

    func map(_ bytes: [UInt8]) -> Result<FeedMessage, InvalidEvent> {
        FeedInput(timeZone: Self.newYork).hl7(bytes)[0].result
    }

    func event(_ bytes: [UInt8]) throws -> Event {
        guard case .success(.event(let json)) = map(bytes) else {
            Issue.record("not an event: \(map(bytes))")
            throw CancellationError()
        }
        return try json.decoded()
    }

    func errors(_ bytes: [UInt8]) -> [String] {
        guard case .failure(let invalid) = map(bytes) else { return [] }
        return invalid.errors.map(\.description)
    }

    @Test(
        "each trigger event becomes its contract event type",
        arguments: [
            ("A01", "admission"), ("A04", "registration"), ("A02", "transfer"), ("A06", "transfer"),
            ("A07", "transfer"), ("A03", "discharge"), ("A08", "update"), ("A11", "cancel_admission"),
            ("A13", "cancel_discharge"),
        ])
    func triggers(trigger: String, type: String) throws {
        #expect(try event(Self.message(trigger)).eventType.rawValue == type)
    }

    @Test("triggers not about an encounter are ignored; other message types are refused at MSH-9")
    func ignoredAndRefused() {
        for trigger in ["A28", "A31", "A05", "A40"] {
            guard case .success(.ignored(let reason)) = map(Self.message(trigger)) else {
                Issue.record("\(trigger) was not ignored")
                continue
            }
            #expect(reason.contains("ADT^\(trigger)"))
        }
        #expect(
            errors(Self.message("R01", type: "ORU")) == ["MSH-9: unsupported message type ORU^R01: only ADT is read"])
    }

    @Test("the fields: ids, names, dates, tables, place and times, in the contract's words")
    func fields() throws {
        let event = try event(Self.message("A03"))
        #expect(event.eventID == "M-A03")
        #expect(event.patient.id == "S-1", "the MR identifier, not the first")
        #expect(event.occurredAt == Timestamp(rfc3339: "2026-11-24T10:30:00-05:00"))
        #expect(event.encounter.id == "V-1")
        #expect(event.encounter.unit == "4W" && event.encounter.bed == "02")
        #expect(event.encounter.admittedAt == Timestamp(rfc3339: "2026-11-20T08:00:00-05:00"))
        #expect(event.encounter.dischargedAt == Timestamp(rfc3339: "2026-11-24T10:30:00-05:00"))
        guard case .success(.event(let contract)) = map(Self.message("A03")) else { return }
        let json = contract.json
        #expect(json["patient"]?["birth_date"] == .string("1940-02-29"))
        #expect(json["patient"]?["sex"] == .string("female"))
        #expect(json["patient"]?["language"] == .string("en"))
        #expect(json["patient"]?["postal_code"] == .string("02139"))
        #expect(json["encounter"]?["class"] == .string("inpatient"))
        #expect(json["encounter"]?["admission_type"] == .string("emergency"))
        #expect(json["encounter"]?["admit_source"] == .string("emergency_department"))
        #expect(json["encounter"]?["discharge_disposition"] == .string("home"))
        #expect(json["encounter"]?["attending"] == .string("D-1"))
    }

    @Test("times without an offset are the site's, in summer and winter")
    func localTimes() throws {
        let pv1 = "PV1|1|I|4W||||||||||||||||V-1|||||||||||||||||||||||||20260701080000|20261124103000"
        let event = try event(Self.message("A03", pv1: pv1))
        #expect(event.encounter.admittedAt == Timestamp(rfc3339: "2026-07-01T08:00:00-04:00"))
        #expect(event.encounter.dischargedAt == Timestamp(rfc3339: "2026-11-24T10:30:00-05:00"))
    }

    @Test("diagnoses by coding system, procedures, LOINC labs and screening answers, coverage")
    func clinicalSegments() throws {
        let extra = [
            "DG1|1|I10|I50.9^Heart failure^I10|||F|||||||||1",
            "DG1|2||12345^Local code^L|||F",
            "DG1|3||44054006^Diabetes^SCT",
            "PR1|1|I10P|0SRR0J9^Hip^I10P||20261121090000-0500",
            "OBX|1|NM|2951-2^Sodium^LN||131|mmol/L|||||F|||20261124060000-0500",
            "OBX|2|NM|9999-9^Local^L||5",
            "OBX|3|CWE|88122-7^Worried food^LN||LA28397-0^Often true^LN||||||F|||20261123090000-0500",
            "OBX|4|NM|95614-4^HITS total^LN||14",
            "IN1|1|P1|MEDICAID|Plan|||||||||||MEDICAID",
        ]
        let event = try event(Self.message("A03", extra))
        #expect(event.diagnoses.map(\.code) == ["I50.9", "12345", "44054006"])
        #expect(event.diagnoses.map(\.system.rawValue) == ["icd10", "other", "snomed"])
        #expect(event.diagnoses.map(\.kind?.rawValue) == ["principal", "secondary", "secondary"])
        #expect(event.encounter.procedures.map(\.code) == ["0SRR0J9"])
        #expect(event.labs.map(\.loinc) == ["2951-2"], "numeric LOINC results only")
        let screenings = event.social?.screenings ?? []
        #expect(screenings.map(\.question) == ["88122-7", "95614-4"])
        #expect(screenings[0].answerCode == "LA28397-0")
        guard case .success(.event(let contract)) = map(Self.message("A03", extra)) else { return }
        let json = contract.json
        #expect(json["coverage"]?["type"] == .string("medicaid"))
    }

    @Test("mistakes name the field: dates, tables, missing ids, escapes — all of them at once")
    func mistakes() {
        let pid = "PID|1||S-1^^^N^MR||Ash\\Xzz\\^Per||19401332|Q"
        let pv1 = "PV1|1|Z|4W|Q||||||||||77||||||||||||||||||||||||||||||2026112|20261324103000-0500"
        #expect(
            errors(Self.message("A03", pid: pid, pv1: pv1)) == [
                "PID-5: \\Xzz\\ is not hexadecimal",
                "PID-7: not a date \"19401332\"",
                "PID-8: administrative sex \"Q\" is not in HL7 table 0001 (F, M, O, A, U, N); a code of the site's own goes in the site mapping under codes: patient.sex",
                "PV1-19: no visit number (the encounter id)",
                "PV1-2: patient class \"Z\" is not in HL7 table 0004 (I, O, E, B, R, P); a code of the site's own goes in the site mapping under codes: encounter.class",
                "PV1-4: admission type \"Q\" is not in HL7 table 0007 (E, U, C, R, N, A, L) nor 1–5; a code of the site's own goes in the site mapping under codes: encounter.admission_type",
                "PV1-14: admit source \"77\" is not in HL7 table 0023 (1–9); a code of the site's own goes in the site mapping under codes: encounter.admit_source",
                "PV1-44: not a date-time \"2026112\"",
                "PV1-45: not a date-time \"20261324103000-0500\"",
            ])
        #expect(errors(Self.message("A01", pid: "PID|1")) == ["PID-3: no patient identifier"])
    }

    @Test("a lab value reads as Double reads its text, on the fast path for plain decimals and off it")
    func labValues() throws {
        var generator = SystemRandomNumberGenerator()
        var texts = [
            "134", "0.5", "-2.75", "1.10", "007", ".5", "5.", "123456789012345", "1234567890123456",
            "611200900002026112308150000000000", "1e3",
            "+4", "0.1", "0.30000000000000004", "-0",
        ]
        for _ in 0..<200 {
            let digits = Int.random(in: 1...15, using: &generator)
            let number = String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
            let point = Int.random(in: 0...digits, using: &generator)
            texts.append(String(number.prefix(point)) + "." + String(number.dropFirst(point)))
        }
        for text in texts {
            let obx = "OBX|1|NM|2951-2^Sodium^LN||\(text)|mmol/L|||||F"
            let lab = try event(Self.message("A03", [obx])).labs.first
            #expect(lab?.value == Double(text), "\(text)")
        }
    }
}
