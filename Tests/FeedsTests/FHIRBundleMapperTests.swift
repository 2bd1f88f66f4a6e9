import Events
import Feeds
import Foundation
import Testing

@Suite("Mapping FHIR R4 bundles onto the event contract")
struct FHIRBundleMapperTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func sample(_ name: String) throws -> JSONValue {
        let data = try Data(contentsOf: root.appendingPathComponent("samples/fhir/" + name))
        return try #require(JSONValue.parse([UInt8](data)))
    }

    let mapper = FHIRBundleMapper(timeZone: TimeZone(identifier: "America/New_York")!)

    func event(_ bundle: JSONValue) throws -> Event {
        guard case .event(let json) = try mapper.map(bundle) else {
            Issue.record("not an event")
            throw CancellationError()
        }
        return try json.decoded()
    }

    func errors(_ bundle: JSONValue) -> [String] {
        do {
            _ = try mapper.map(bundle)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    /// `bundle` with the member at `path` (keys and array indexes) set to `value`.
    func editing(_ bundle: JSONValue, _ path: [Any], _ value: JSONValue?) -> JSONValue {
        guard let head = path.first else { return value ?? .null }
        let rest = Array(path.dropFirst())
        switch (bundle, head) {
        case (.object(var members), let key as String):
            if let index = members.firstIndex(where: { $0.key == key }) {
                if rest.isEmpty && value == nil {
                    members.remove(at: index)
                } else {
                    members[index].value = editing(members[index].value, rest, value)
                }
            } else if let value {
                members.append(JSONMember(key: key, value: editing(.object([]), rest, value)))
            }
            return .object(members)
        case (.array(var items), let index as Int):
            items[index] = editing(items[index], rest, value)
            return .array(items)
        default: return bundle
        }
    }

    /// A bundle entry: its `fullUrl` (`urn:uuid:` and `id`) and a resource of `type` and `id`
    /// with `members` after those.
    func entry(_ type: String, id: String, _ members: [JSONMember] = []) -> JSONValue {
        .object([
            JSONMember(key: "fullUrl", value: .string("urn:uuid:" + id)),
            JSONMember(
                key: "resource",
                value: .object(
                    [JSONMember(key: "resourceType", value: .string(type)), JSONMember(key: "id", value: .string(id))]
                        + members)),
        ])
    }

    @Test(
        "a message bundle: its MessageHeader's event and focus; patient, encounter, conditions, labs, screening answers, coverage"
    )
    func message() throws {
        let event = try event(try Self.sample("message-a01-admission.json"))
        #expect(event.eventID == "FHIR-A01-0001" && event.eventType.rawValue == "admission")
        #expect(event.patient.id == "S-300101", "the MR identifier")
        #expect(event.encounter.id == "V-8001" && event.encounter.unit == "6N")
        #expect(
            event.occurredAt == Timestamp(rfc3339: "2026-11-23T07:40:00-05:00"), "an admission happens at its start")
        #expect(event.diagnoses.map(\.code) == ["J44.1"] && event.diagnoses[0].kind?.rawValue == "principal")
        #expect(event.labs.map(\.loinc) == ["2951-2"])
        #expect(event.social?.screenings.map(\.answerCode) == ["LA28397-0", "LA6729-3"])
    }

    @Test("a collection with one encounter: finished is a discharge; ranks, problem list, procedures, medications")
    func collection() throws {
        let event = try event(try Self.sample("collection-discharge.json"))
        #expect(event.eventType.rawValue == "discharge")
        #expect(event.occurredAt == Timestamp(rfc3339: "2026-11-24T11:00:00-05:00"))
        #expect(event.diagnoses.map(\.kind?.rawValue) == ["principal", "secondary", "history"])
        #expect(event.diagnoses.map(\.system.rawValue) == ["icd10", "icd10", "snomed"])
        #expect(event.encounter.procedures.map(\.system?.rawValue) == ["cpt"])
        #expect(event.medications.map(\.rxnorm) == ["1656340"])
    }

    @Test(
        "Encounter.status says what happened when no MessageHeader does",
        arguments: [
            ("in-progress", false, "admission"), ("arrived", false, "admission"), ("finished", true, "discharge"),
            ("cancelled", false, "cancel_admission"), ("entered-in-error", true, "cancel_discharge"),
        ])
    func statuses(status: String, ended: Bool, type: String) throws {
        var bundle = try Self.sample("collection-discharge.json")
        bundle = editing(bundle, ["entry", 1, "resource", "status"], .string(status))
        if !ended { bundle = editing(bundle, ["entry", 1, "resource", "period", "end"], nil) }
        if !ended {
            bundle = editing(bundle, ["entry", 1, "resource", "hospitalization", "dischargeDisposition"], nil)
        }
        #expect(try event(bundle).eventType.rawValue == type)
    }

    @Test("a planned encounter and a message about something else are ignored; what is not a bundle is refused")
    func ignoredAndRefused() throws {
        let planned = editing(
            try Self.sample("collection-discharge.json"), ["entry", 1, "resource", "status"], .string("planned"))
        guard case .ignored = try mapper.map(planned) else {
            Issue.record("a planned encounter was screened")
            return
        }
        let a28 = editing(
            try Self.sample("message-a01-admission.json"), ["entry", 0, "resource", "eventCoding", "code"],
            .string("A28"))
        guard case .ignored = try mapper.map(a28) else {
            Issue.record("an A28 message was screened")
            return
        }
        #expect(
            errors(.object([JSONMember(key: "resourceType", value: .string("Patient"))])) == [
                "resourceType: a Patient is not read: only a Bundle"
            ])
    }

    @Test("mistakes name the resource and element")
    func mistakes() throws {
        let bundle = try Self.sample("collection-discharge.json")
        #expect(
            errors(editing(bundle, ["entry", 1, "resource", "subject", "reference"], .string("Patient/nobody"))) == [
                "Bundle.entry[1].resource.subject.reference: \"Patient/nobody\" names no resource in the bundle"
            ])
        #expect(
            errors(editing(bundle, ["entry", 1, "resource", "period", "start"], .string("yesterday"))) == [
                "Bundle.entry[1].resource.period.start: not a date-time \"yesterday\""
            ])
        #expect(
            errors(editing(bundle, ["entry", 1, "resource", "class", "code"], .string("XYZ"))).first?.hasPrefix(
                "Bundle.entry[1].resource.class.code: encounter class \"XYZ\"") == true)
        let message = try Self.sample("message-a01-admission.json")
        #expect(
            errors(editing(message, ["entry", 0, "resource", "focus", 0, "reference"], .string("urn:uuid:nothing")))
                == [
                    "Bundle.entry[0].resource.focus: no focus names an Encounter in the bundle"
                ])
    }

    @Test("FHIR is told apart from contract events by its resourceType")
    func format() throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("samples/fhir/collection-discharge.json"))
        #expect(FeedFormat.of(name: "x.json", bytes: [UInt8](data)) == .fhir)
        let contract = try Data(
            contentsOf: Self.root.appendingPathComponent("samples/04-discharge-lives-alone-adl-dependent.json"))
        #expect(FeedFormat.of(name: "x.json", bytes: [UInt8](contract)) == .json)
        guard case .failure(let invalid) = FeedInput().fhir(Array("{not json".utf8)).result else {
            Issue.record("bytes that are not JSON were read")
            return
        }
        #expect(invalid.errors.map(\.path) == ["$"])
    }

    @Test(
        "text is written as the project's JSON writer writes it: escapes where it escapes, plain text as sent, any length"
    )
    func escapedText() throws {
        let sample = try Self.sample("message-a01-admission.json")
        guard case .array(let entries)? = sample["entry"] else { throw CancellationError() }
        let patient = try #require(entries.firstIndex { $0["resource"]?["resourceType"] == .string("Patient") })
        let names = [
            "O\"Brien \\ del\u{7F} line\u{2028}sep tab\t é", "Plain-ASCII name well over thirty-two bytes long",
            "Zoë", "x", "",
        ]
        for family in names {
            let bundle = editing(sample, ["entry", patient, "resource", "name", 0, "family"], .string(family))
            guard case .event(let contract) = try mapper.map(bundle) else {
                Issue.record("not an event")
                continue
            }
            // Byte for byte what JSONValue writes of the same value: the writer's escapes are its.
            #expect(contract.bytes == contract.json.serializedBytes, "\(family)")
            let event = try contract.decoded()
            #expect(event.patient.familyName == (family.isEmpty ? nil : family))
        }
    }

    @Test(
        "a large bundle reads as a small one: the last entry a reference names wins, every rank-1 condition is principal"
    )
    func largeBundle() throws {
        let sample = try Self.sample("message-a01-admission.json")
        guard case .array(var entries)? = sample["entry"] else { throw CancellationError() }
        let patient = try #require(
            entries.first { $0["resource"]?["resourceType"] == .string("Patient") })
        // The same patient again, later in the bundle, under another identifier: it is the one named.
        let later = editing(patient, ["resource", "identifier", 0, "value"], .string("LATER-1"))
        entries.append(later)
        let small = editing(sample, ["entry"], .array(entries))
        // 60 more conditions, 20 of them ranked 1 by the encounter, and 300 unrelated entries:
        // over 64 entries, references are looked up in a table.
        let hypertension = JSONMember(
            key: "code",
            value: .object([
                JSONMember(
                    key: "coding",
                    value: .array([
                        .object([
                            JSONMember(key: "system", value: "http://hl7.org/fhir/sid/icd-10-cm"),
                            JSONMember(key: "code", value: "I10"),
                        ])
                    ]))
            ]))
        let conditions = (0..<60).map { entry("Condition", id: "c\($0)", [hypertension]) }
        let others = (0..<300).map { entry("Practitioner", id: "o\($0)") }
        let encounterIndex = try #require(
            entries.firstIndex { $0["resource"]?["resourceType"] == .string("Encounter") })
        guard case .array(let ranked)? = entries[encounterIndex]["resource"]?["diagnosis"] else {
            throw CancellationError()
        }
        let moreRanked = stride(from: 0, to: 60, by: 3).map { index -> JSONValue in
            .object([
                JSONMember(
                    key: "condition",
                    value: .object([JSONMember(key: "reference", value: .string("Condition/c\(index)"))])),
                JSONMember(key: "rank", value: 1),
            ])
        }
        var large = editing(small, ["entry"], .array(entries + conditions + others))
        large = editing(large, ["entry", encounterIndex, "resource", "diagnosis"], .array(ranked + moreRanked))
        for bundle in [small, large] {
            let event = try event(bundle)
            #expect(event.patient.id == "LATER-1", "the later of two entries with the same reference")
        }
        let event = try event(large)
        let kinds = event.diagnoses.suffix(60).map { $0.kind?.rawValue ?? "" }
        #expect(kinds.enumerated().allSatisfy { ($0.offset % 3 == 0) == ($0.element == "principal") }, "\(kinds)")
        #expect(kinds.filter { $0 == "principal" }.count == 20)
        #expect(event.diagnoses.first?.kind?.rawValue == "principal", "the sample's own ranked condition too")
    }
}

@Suite("Moving the HL7 and FHIR samples with the clock, for the demonstration")
struct FeedSampleClockTests {
    @Test("every date moves by the same whole days; the latest event lands within the day before now; order kept")
    func move() throws {
        let root = FHIRBundleMapperTests.root
        let texts = try ["a01-admission.hl7", "a03-discharge.hl7"].map {
            try String(contentsOf: root.appendingPathComponent("samples/hl7v2/" + $0), encoding: .utf8)
        }
        let now = try #require(Timestamp(rfc3339: "2027-03-10T12:00:00Z"))
        let moved = FeedSampleClock.move(texts, fhir: false, before: now)
        let times = moved.compactMap { text -> Timestamp? in
            guard case .success(.event(let contract)) = FeedInput().hl7(Array(text.utf8))[0].result,
                case .string(let occurred)? = contract.json["occurred_at"]
            else { return nil }
            return Timestamp(rfc3339: occurred)
        }
        #expect(times.count == 2)
        #expect(times[0] < times[1], "the admission still comes before the discharge")
        let age = times[1].seconds(until: now)
        #expect(age >= 0 && age < 86_400, "the latest happened within the day before now: \(age) s")
        #expect(moved[1].contains("20270"), "\(moved[1].prefix(120))")
        let bundle = try String(
            contentsOf: root.appendingPathComponent("samples/fhir/collection-discharge.json"), encoding: .utf8)
        let movedBundle = FeedSampleClock.move([bundle], fhir: true, before: now)[0]
        #expect(movedBundle.contains("\"end\": \"2027-03-"), "\(movedBundle.prefix(400))")
    }
}
