import Events
import Testing

@Suite("Facts derived from an event: length of stay, age, latest labs, ICD-10 codes")
struct DerivedFactsTests {
    private func stay(_ admitted: String, _ discharged: String) throws -> Int? {
        try TestEvent.decode {
            TestEvent.set(&$0, ["encounter", "admitted_at"], admitted)
            TestEvent.set(&$0, ["encounter", "discharged_at"], discharged)
            $0["occurred_at"] = discharged
        }.derived.lengthOfStayDays
    }

    private func age(born: String, on occurred: String) throws -> Int? {
        try TestEvent.decode {
            TestEvent.set(&$0, ["patient", "birth_date"], born)
            $0["occurred_at"] = occurred
            TestEvent.set(&$0, ["encounter", "discharged_at"], occurred)
            TestEvent.set(&$0, ["encounter", "admitted_at"], occurred)
        }.derived.ageYears
    }

    @Test("a stay that begins and ends on the same local day is 0 days")
    func sameDay() throws {
        #expect(try stay("2026-11-22T00:05:00-05:00", "2026-11-22T23:55:00-05:00") == 0)
    }

    @Test("admitted 23:00, discharged 09:00 the next day is 1 day: one midnight")
    func overnight() throws {
        #expect(try stay("2026-11-21T23:00:00-05:00", "2026-11-22T09:00:00-05:00") == 1)
    }

    @Test("a stay of 23 hours 59 minutes within one day is 0, and one minute past midnight is 1")
    func midnightBoundary() throws {
        #expect(try stay("2026-11-21T00:00:00-05:00", "2026-11-21T23:59:59-05:00") == 0)
        #expect(try stay("2026-11-21T23:59:00-05:00", "2026-11-22T00:00:00-05:00") == 1)
    }

    @Test("across the end of daylight saving time, days are counted on local dates")
    func acrossDSTChange() throws {
        // US clocks went back on 1 Nov 2026: admitted in EDT (-04:00), discharged in EST (-05:00).
        #expect(try stay("2026-10-31T23:30:00-04:00", "2026-11-01T23:30:00-05:00") == 1)
        #expect(try stay("2026-10-30T22:15:00-04:00", "2026-11-03T10:00:00-05:00") == 4)
        // Spring forward, 8 Mar 2026: a 23-hour local day still counts as one day.
        #expect(try stay("2026-03-07T12:00:00-05:00", "2026-03-08T12:00:00-04:00") == 1)
    }

    @Test("when admit and discharge offsets differ, each date is read in its own offset")
    func differingOffsets() throws {
        // 23:30 on 21 Nov in New York is 04:30 UTC on 22 Nov; an hour later in Paris is 06:30 on 22 Nov.
        #expect(try stay("2026-11-21T23:30:00-05:00", "2026-11-22T06:30:00+01:00") == 1)
        // The same instants, both written in UTC, are the same local (UTC) day.
        #expect(try stay("2026-11-22T04:30:00Z", "2026-11-22T05:30:00Z") == 0)
        // Ten minutes later in time, but an earlier local date (-10:00 is far west): never negative.
        #expect(try stay("2026-11-22T01:00:00+02:00", "2026-11-21T13:10:00-10:00") == 0)
    }

    @Test("age turns over on the birthday itself, not the day before")
    func ageAroundBirthday() throws {
        #expect(try age(born: "1950-06-15", on: "2026-06-14T23:59:00-04:00") == 75)
        #expect(try age(born: "1950-06-15", on: "2026-06-15T00:00:00-04:00") == 76)
        #expect(try age(born: "1950-06-15", on: "2026-06-16T08:00:00-04:00") == 76)
    }

    @Test("age is taken on the local date of occurred_at, not the UTC date")
    func ageOnLocalDate() throws {
        // 21:00 on 14 June in New York is already 15 June in UTC.
        #expect(try age(born: "1950-06-15", on: "2026-06-14T21:00:00-04:00") == 75)
    }

    @Test("someone born on 29 February is a year older on 1 March in common years")
    func leapDayBirthday() throws {
        #expect(try age(born: "1948-02-29", on: "2026-02-28T12:00:00-05:00") == 77)
        #expect(try age(born: "1948-02-29", on: "2026-03-01T12:00:00-05:00") == 78)
        #expect(try age(born: "1948-02-29", on: "2028-02-29T12:00:00-05:00") == 80)
    }

    @Test("a newborn is 0 on the day of birth")
    func newborn() throws {
        #expect(try age(born: "2026-11-22", on: "2026-11-22T10:15:00-05:00") == 0)
    }

    @Test("no birth date, no age")
    func noBirthDate() throws {
        #expect(try TestEvent.decode { TestEvent.set(&$0, ["patient", "birth_date"], nil) }.derived.ageYears == nil)
    }

    @Test("the latest lab per LOINC code is the one observed last, whatever the order sent")
    func latestLabs() throws {
        let event = try TestEvent.decode {
            $0["labs"] = [
                ["loinc": "718-7", "value": 11.4, "observed_at": "2026-11-22T06:00:00-05:00"],
                ["loinc": "718-7", "value": 10.9, "observed_at": "2026-11-20T06:00:00-05:00"],
                ["loinc": "2951-2", "value": 133],
                ["loinc": "2951-2", "value": 131, "observed_at": "2026-11-19T06:00:00-05:00"],
                ["loinc": "2951-2", "value": 129],
            ]
        }
        #expect(event.derived.latestLabs["718-7"]?.value == 11.4)
        // A timed result beats untimed ones.
        #expect(event.derived.latestLabs["2951-2"]?.value == 131)
        #expect(event.derived.latestLabs.count == 2)
    }

    @Test("the latest lab compares instants, not the text of differently offset times")
    func latestLabsAcrossOffsets() throws {
        let event = try TestEvent.decode {
            $0["labs"] = [
                ["loinc": "718-7", "value": 12.5, "observed_at": "2026-11-22T06:00:00-05:00"],  // 11:00Z
                ["loinc": "718-7", "value": 11.0, "observed_at": "2026-11-22T10:30:00+00:00"],  // earlier
            ]
        }
        #expect(event.derived.latestLabs["718-7"]?.value == 12.5)
    }

    @Test(
        "ICD-10 codes compare without dots and case",
        arguments: [("I50.9", "I509"), ("i509", "I509"), ("e11.22", "E1122"), (" K70.30 ", "K7030")])
    func icd10Normalisation(_ code: String, _ normalized: String) throws {
        #expect(ICD10.normalize(code) == normalized)
        let event = try TestEvent.decode { $0["diagnoses"] = [["code": code, "system": "icd10"]] }
        #expect(event.diagnoses.first?.normalizedCode == normalized)
        #expect(event.diagnoses.first?.code == code)
    }

    @Test("codes of other systems are kept as sent")
    func otherSystemsUntouched() throws {
        let event = try TestEvent.decode {
            $0["diagnoses"] = [["code": "84114007", "system": "snomed"], ["code": "a.b", "system": "other"]]
        }
        #expect(event.diagnoses.map(\.normalizedCode) == ["84114007", "a.b"])
    }
}

@Suite("RFC 3339 timestamps")
struct TimestampTests {
    @Test(
        "valid date-times are accepted",
        arguments: [
            "2026-11-22T10:15:00-05:00", "2026-11-22T15:15:00Z", "2026-11-22t15:15:00z",
            "2026-11-22T15:15:00.123456789Z",
            "2026-11-22T15:15:00.5+05:30", "2024-02-29T00:00:00Z", "2016-12-31T23:59:60Z",
        ])
    func valid(_ text: String) {
        #expect(Timestamp(rfc3339: text) != nil)
    }

    @Test(
        "anything else is refused",
        arguments: [
            "yesterday", "2026-11-22", "2026-11-22 10:15:00-05:00", "2026-11-22T10:15:00", "2026-11-22T10:15-05:00",
            "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T10:15:00+0500",
            "2026-11-22T10:15:00.Z", "2026-11-22T10:15:00Z ", "2026-11-22T10:15:00+24:00", "２０２６-11-22T10:15:00Z",
        ])
    func invalid(_ text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test("offsets give the instant and the local date")
    func offsets() throws {
        let newYork = try #require(Timestamp(rfc3339: "2026-11-22T23:30:00-05:00"))
        let utc = try #require(Timestamp(rfc3339: "2026-11-23T04:30:00Z"))
        #expect(newYork == utc)
        #expect(newYork.localDate.description == "2026-11-22")
        #expect(utc.localDate.description == "2026-11-23")
        #expect(newYork.utcOffsetMinutes == -300)
        #expect(utc.secondsSinceEpoch == 1_795_408_200)
    }

    @Test(
        "a date-time read from bytes keeps its text exactly as received, whatever way it was written",
        arguments: [
            "2026-11-22T10:15:00-05:00", "2026-11-22T15:15:00Z", "2026-11-22t15:15:00z", "2026-11-22T15:15:00-00:00",
            "2026-11-22T15:15:00+00:00", "2026-11-22T15:15:00.123456789Z", "2026-11-22T15:15:00.5+05:30",
            "2026-11-22T15:15:00.050-09:30", "2026-11-22T15:15:00.000Z", "2026-11-22T15:15:00.1234567891Z",
            "2016-12-31T23:59:60Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "1969-12-31T23:59:59.9Z",
            "2024-02-29T00:00:00+23:59",
        ])
    func textFromBytes(_ text: String) throws {
        var copy = text
        let fromBytes = try #require(copy.withUTF8 { Timestamp(rfc3339: $0) })
        let fromString = try #require(Timestamp(rfc3339: text))
        #expect(fromBytes.text == text)
        #expect(fromBytes.description == text)
        #expect(fromBytes == fromString)
        #expect(fromBytes.utcOffsetMinutes == fromString.utcOffsetMinutes)
        #expect(fromBytes.localDate == fromString.localDate)
    }

    @Test("an instant written in UTC reads as before: seconds, then milliseconds when there is a fraction")
    func utcText() {
        #expect(Timestamp(secondsSinceEpoch: 1_795_408_200).text == "2026-11-23T04:30:00Z")
        #expect(
            Timestamp(secondsSinceEpoch: 1_795_408_200, nanoseconds: 250_999_999).text == "2026-11-23T04:30:00.250Z")
        #expect(Timestamp(secondsSinceEpoch: -1).text == "1969-12-31T23:59:59Z")
        #expect(
            Timestamp(secondsSinceEpoch: 1_795_408_200).adding(seconds: 86_400.5).text == "2026-11-24T04:30:00.500Z")
    }

    @Test("fractions of a second order instants")
    func fractions() throws {
        let earlier = try #require(Timestamp(rfc3339: "2026-11-22T10:15:00.25Z"))
        let later = try #require(Timestamp(rfc3339: "2026-11-22T10:15:00.3Z"))
        #expect(earlier < later)
        #expect(earlier.nanoseconds == 250_000_000)
    }
}
