import Events
import Foundation
import Testing

@Suite("Validating an event against the contract")
struct EventValidationTests {
    @Test("the minimal discharge event is valid")
    func minimalEventIsValid() throws {
        let event = try TestEvent.decode()
        #expect(event.eventType == .discharge)
        #expect(event.diagnoses.isEmpty && event.labs.isEmpty)
        #expect(event.social == nil && event.extensions == nil)
    }

    @Test("a malformed date-time names its path and quotes what came")
    func malformedDateTime() {
        let errors = TestEvent.errors { TestEvent.set(&$0, ["encounter", "admitted_at"], "yesterday") }
        #expect(errors == [#"$.encounter.admitted_at: expected RFC 3339 date-time, got "yesterday""#])
    }

    @Test("every error of one file is reported together, in the contract's order")
    func allErrorsTogether() {
        let errors = TestEvent.errors { event in
            event["event_type"] = "A03"
            TestEvent.set(&event, ["patient", "sex"], "f")
            TestEvent.set(&event, ["encounter", "discharged_at"], 20261122)
            event["labs"] = [["loinc": "718-7", "value": "11.4"], ["value": 9]]
            event["functional"] = ["adl_dependencies": 7]
        }
        #expect(
            errors == [
                #"$.event_type: expected one of "admission", "transfer", "discharge", "registration", "update", "cancel_admission", "cancel_discharge", got "A03""#,
                #"$.patient.sex: expected one of "female", "male", "other", "unknown", got "f""#,
                "$.encounter.discharged_at: expected RFC 3339 date-time, got number 20261122",
                #"$.labs[0].value: expected a number, got "11.4""#,
                "$.labs[1].loinc: required, but missing",
                "$.functional.adl_dependencies: expected an integer from 0 to 6, got 7",
            ])
    }

    @Test("a discharge without discharged_at is invalid; an admission without it is fine")
    func dischargeNeedsDischargedAt() throws {
        let discharge = TestEvent.errors { TestEvent.set(&$0, ["encounter", "discharged_at"], nil) }
        #expect(discharge == ["$.encounter.discharged_at: required on a discharge event, but missing"])
        let admission = try TestEvent.decode {
            $0["event_type"] = "admission"
            TestEvent.set(&$0, ["encounter", "discharged_at"], nil)
        }
        #expect(admission.derived.lengthOfStayDays == nil)
    }

    @Test("missing required properties are each named")
    func missingRequired() {
        let errors = TestEvent.errors { event in
            event["occurred_at"] = nil
            event["patient"] = [String: Any]()
            TestEvent.set(&event, ["encounter", "id"], nil)
        }
        #expect(
            errors == [
                "$.occurred_at: required, but missing", "$.patient.id: required, but missing",
                "$.encounter.id: required, but missing",
            ])
    }

    @Test("unknown properties are ignored at every level")
    func unknownPropertiesIgnored() throws {
        let event = try TestEvent.decode { event in
            event["feed_batch"] = 17
            TestEvent.set(&event, ["patient", "favourite_colour"], ["not": "a string"])
            TestEvent.set(&event, ["encounter", "room_phone"], 5551234)
        }
        #expect(event.patient.id == "S-1")
    }

    @Test("a known property of the wrong type is an error, even null")
    func wrongTypes() {
        let errors = TestEvent.errors { event in
            event["patient"] = "S-1"
            event["diagnoses"] = ["code": "I50"]
            event["coverage"] = ["drug_coverage": "no"]
            event["social"] = ["lives_alone": NSNull()]
        }
        #expect(
            errors == [
                #"$.patient: expected an object, got "S-1""#, "$.diagnoses: expected an array, got an object",
                #"$.coverage.drug_coverage: expected true or false, got "no""#,
                "$.social.lives_alone: expected true or false, got null",
            ])
    }

    @Test("the schema version must be 1")
    func schemaVersion() {
        #expect(
            TestEvent.errors { $0["schema_version"] = 2 } == [
                "$.schema_version: expected 1 (the only version of this contract), got 2"
            ])
        #expect(TestEvent.errors { $0["schema_version"] = "1" } == [#"$.schema_version: expected an integer, got "1""#])
    }

    @Test(
        "event ids follow the contract's pattern, so none can name a path",
        arguments: ["../etc", "", "a b", "-lead", "ok\u{0}x"])
    func eventIDPattern(_ id: String) {
        let errors = TestEvent.errors { $0["event_id"] = id }
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("$.event_id: expected 1–128 characters") == true)
        #expect(errors.first?.contains("\n") == false)
    }

    @Test("an event id of 128 characters is valid; 129 is not")
    func eventIDLength() {
        #expect(TestEvent.errors { $0["event_id"] = String(repeating: "a", count: 128) } == [])
        #expect(TestEvent.errors { $0["event_id"] = String(repeating: "a", count: 129) }.count == 1)
    }

    @Test("ids of patients and encounters have 1 to 64 characters")
    func identifierLengths() {
        #expect(
            TestEvent.errors { TestEvent.set(&$0, ["patient", "id"], String(repeating: "9", count: 65)) } == [
                "$.patient.id: expected 1 to 64 characters, got 65"
            ])
        #expect(
            TestEvent.errors { TestEvent.set(&$0, ["encounter", "id"], "") } == [
                "$.encounter.id: expected 1 to 64 characters, got 0"
            ])
    }

    @Test("numbers keep to their ranges: no negative costs or counts, MCSI items 0–2, exactly 13 of them")
    func numberRanges() {
        let errors = TestEvent.errors { event in
            event["medications"] = [["name": "x", "monthly_out_of_pocket_usd": -5]]
            event["utilization"] = ["ed_visits_6mo": -1, "admissions_12mo": 2.5]
            event["social"] = ["caregiver": ["age": 131, "mcsi_items": [0, 1, 2, 3]]]
        }
        #expect(
            errors == [
                "$.medications[0].monthly_out_of_pocket_usd: expected a number of at least 0, got -5",
                "$.utilization.ed_visits_6mo: expected an integer at least 0, got -1",
                "$.utilization.admissions_12mo: expected an integer, got number 2.5",
                "$.social.caregiver.mcsi_items[3]: expected an integer from 0 to 2, got 3",
                "$.social.caregiver.mcsi_items: expected exactly 13 items (the Modified Caregiver Strain Index, in published order), got 4",
                "$.social.caregiver.age: expected an integer from 0 to 130, got 131",
            ])
    }

    @Test("300,000 values out of range: the first 50 listed with their paths, the rest counted")
    func manyValuesOutOfRange() {
        // Each problem's path is worked out from the document only when it is listed: working
        // out every element's would be a walk along the array per element.
        let errors = TestEvent.errors { event in
            event["social"] = ["caregiver": ["mcsi_items": Array(repeating: 3, count: 300_000)]]
        }
        #expect(errors.count == 51)
        #expect(errors.first == "$.social.caregiver.mcsi_items[0]: expected an integer from 0 to 2, got 3")
        #expect(errors[49] == "$.social.caregiver.mcsi_items[49]: expected an integer from 0 to 2, got 3")
        #expect(errors.last == "$: 299951 more problems not listed (the first 50 are)")
    }

    @Test("a discharge before the admission is an error")
    func dischargeBeforeAdmission() {
        let errors = TestEvent.errors {
            TestEvent.set(&$0, ["encounter", "discharged_at"], "2026-11-14T22:39:00-05:00")
        }
        #expect(
            errors == [
                "$.encounter.discharged_at: 2026-11-14T22:39:00-05:00 is before admitted_at (2026-11-14T22:40:00-05:00)"
            ])
    }

    @Test("a birth date after the event is an error; a malformed one names the format")
    func birthDates() {
        #expect(
            TestEvent.errors { TestEvent.set(&$0, ["patient", "birth_date"], "2026-11-23") } == [
                "$.patient.birth_date: the birth date 2026-11-23 is after occurred_at (2026-11-22)"
            ])
        #expect(
            TestEvent.errors { TestEvent.set(&$0, ["patient", "birth_date"], "1950-02-30") } == [
                #"$.patient.birth_date: expected RFC 3339 full-date (YYYY-MM-DD), got "1950-02-30""#
            ])
    }

    @Test("a screening answer value may be a number, a boolean or a string, nothing else")
    func screeningAnswerValues() throws {
        let event = try TestEvent.decode {
            $0["social"] = [
                "screenings": [
                    ["question": "95614-4", "answer_value": 11], ["question": "93030-5", "answer_value": true],
                    ["question": "x", "answer_value": "often"],
                ]
            ]
        }
        #expect(event.social?.screenings.map(\.answerValue) == [.number(11), .bool(true), .text("often")])
        #expect(
            TestEvent.errors { $0["social"] = ["screenings": [["question": "x", "answer_value": [1]]]] } == [
                "$.social.screenings[0].answer_value: expected a number, a boolean or a string, got an array"
            ])
    }

    @Test("extensions are kept as sent, and must be an object")
    func extensions() throws {
        let event = try TestEvent.decode { $0["extensions"] = ["site": ["fall_risk": 18]] }
        #expect(event.extensions?["site"]?["fall_risk"] == .number(18))
        #expect(TestEvent.errors { $0["extensions"] = [1, 2] } == ["$.extensions: expected an object, got an array"])
    }

    @Test("a duplicated key is refused with its path, because clinical data must not be ambiguous")
    func duplicateKeys() {
        let text =
            #"{"schema_version":1,"event_id":"T-1","event_type":"admission","occurred_at":"2026-11-22T10:15:00Z","patient":{"id":"S-1","id":"S-2"},"encounter":{"id":"E","admitted_at":"2026-11-22T10:15:00Z"}}"#
        let error = #expect(throws: InvalidEvent.self) { try EventDecoder().decode(Array(text.utf8)) }
        #expect(
            error?.errors.map(\.description) == [
                #"$.patient: invalid JSON at line 1, column 122: duplicate key "id"; clinical data must not be ambiguous"#
            ])
    }

    @Test("a file that is not JSON says where it stopped making sense")
    func syntaxErrors() {
        let cases: [(String, String)] = [
            ("", "$: invalid JSON at line 1, column 1: unexpected end of input; expected a value"),
            ("[1,2]", "$: expected an object, got an array"),
            (
                "{\"patient\": {\"id\": \"S\",}}",
                "$.patient: invalid JSON at line 1, column 24: unexpected '}'; expected a quoted key"
            ),
            ("{\"labs\": [1, NaN]}", "$.labs[1]: invalid JSON at line 1, column 14: unexpected 'N'; expected a value"),
            ("{} {}", "$: invalid JSON at line 1, column 4: unexpected '{' after the end of the JSON value"),
        ]
        for (text, expected) in cases {
            let error = #expect(throws: InvalidEvent.self) { try EventDecoder().decode(Array(text.utf8)) }
            #expect(error?.errors.map(\.description) == [expected], "input: \(text)")
        }
    }

    @Test("values quoted in errors are cut short and cannot break a line")
    func quotedValuesAreSafe() {
        let hostile = "line one\nFAKE LOG LINE " + String(repeating: "x", count: 500)
        let errors = TestEvent.errors { $0["event_type"] = hostile }
        #expect(errors.count == 1)
        #expect(errors.first?.contains("\n") == false)
        #expect(errors.first?.contains(#"line one\nFAKE"#) == true)
        #expect((errors.first?.count ?? 0) < 300)
    }

    @Test("an invalid event still reports its id when that part was valid")
    func invalidEventKeepsID() {
        let error = #expect(throws: InvalidEvent.self) { try TestEvent.decode { $0["event_type"] = "nope" } }
        #expect(error?.eventID == "T-0001")
    }
}
