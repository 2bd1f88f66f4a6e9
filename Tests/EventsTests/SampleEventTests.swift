import Events
import Foundation
import Testing

@Suite("The samples and the reference event")
struct SampleEventTests {
    static let validSamples = Fixtures.files(in: Fixtures.samples, withExtension: "json")
    static let invalidSamples = Fixtures.files(in: Fixtures.invalidSamples, withExtension: "json")

    @Test("there are at least 15 valid samples and 3 invalid ones")
    func enoughSamples() {
        #expect(Self.validSamples.count >= 15)
        #expect(Self.invalidSamples.count >= 3)
    }

    @Test("every valid sample decodes and validates", arguments: validSamples)
    func validSampleDecodes(_ file: URL) throws {
        let event = try EventDecoder().decode(try Fixtures.bytes(file))
        #expect(!event.eventID.isEmpty)
    }

    @Test("each invalid sample gives exactly its documented JSON-path errors", arguments: invalidSamples)
    func invalidSampleGivesItsErrors(_ file: URL) throws {
        let expectedFile = file.deletingPathExtension().appendingPathExtension("expected")
        let expected = try String(contentsOf: expectedFile, encoding: .utf8).split(separator: "\n").map(String.init)
        let error = try #require(throws: InvalidEvent.self) { try EventDecoder().decode(try Fixtures.bytes(file)) }
        #expect(error.errors.map(\.description) == expected)
    }

    @Test("the samples use every event type of the contract")
    func everyEventType() throws {
        let types = try Set(Self.validSamples.map { try EventDecoder().decode(try Fixtures.bytes($0)).eventType })
        #expect(types == Set(EventType.allCases))
    }

    @Test(
        "the 3.3 KB reference event decodes with the derived facts a social worker would compute",
        .enabled(if: Fixtures.exists(Fixtures.referenceEvent), "../shared/data/reference-event.json is absent"))
    func referenceEvent() throws {
        let event = try EventDecoder().decode(try Fixtures.bytes(Fixtures.referenceEvent))
        #expect(event.eventID == "ref-2026-11-22-000123")
        #expect(event.eventType == .discharge)
        #expect(event.derived.ageYears == 80)  // born 1946-03-02, discharged 2026-11-22
        #expect(event.derived.lengthOfStayDays == 8)  // 14 Nov 22:40 → 22 Nov 10:15
        #expect(event.derived.latestLabs["718-7"]?.value == 11.4)  // the 22 Nov result, not the 20 Nov one
        #expect(event.derived.latestLabs["2951-2"]?.value == 133)
        #expect(event.diagnoses.map(\.normalizedCode) == ["I5023", "E1122", "N184", "J449", "F0390", "I10"])
        #expect(event.medications.count == 6)
        #expect(event.social?.caregiver?.mcsiItems?.reduce(0, +) == 19)
        #expect(event.utilization?.edVisits6mo == 3)
        #expect(event.encounter.procedures.first?.system == .icd10pcs)
    }
}
