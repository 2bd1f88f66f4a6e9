import Events
import Testing

@Suite("Patient history: the encounters RiskScreen saw")
struct PatientHistoryTests {
    private func event(
        _ id: String, _ type: String, encounter: String, admitted: String, discharged: String? = nil,
        encounterClass: String = "inpatient", disposition: String? = nil, at occurred: String? = nil
    ) throws -> Event {
        var encounterJSON = #""id":"\#(encounter)","class":"\#(encounterClass)","admitted_at":"\#(admitted)""#
        if let discharged { encounterJSON += #","discharged_at":"\#(discharged)""# }
        if let disposition { encounterJSON += #","discharge_disposition":"\#(disposition)""# }
        let text =
            #"{"schema_version":1,"event_id":"\#(id)","event_type":"\#(type)","occurred_at":"\#(occurred ?? discharged ?? admitted)","patient":{"id":"S-1"},"encounter":{\#(encounterJSON)}}"#
        return try EventDecoder().decode(Array(text.utf8))
    }

    @Test("a discharge 12 days before this admission: 12 days since the last discharge, naming that encounter")
    func daysSinceLastDischarge() throws {
        var history = PatientHistory(patientID: "S-1")
        history.apply(try event("A", "admission", encounter: "E-1", admitted: "2026-10-28T09:00:00-05:00"))
        history.apply(
            try event(
                "B", "discharge", encounter: "E-1", admitted: "2026-10-28T09:00:00-05:00",
                discharged: "2026-11-01T16:00:00-05:00", disposition: "home"))
        let readmission = try event("C", "admission", encounter: "E-2", admitted: "2026-11-13T02:00:00-05:00")
        #expect(history.daysSinceLastDischarge(before: readmission) == 12)
        #expect(history.lastDischarge(before: readmission)?.encounterID == "E-1")
        #expect(history.lastDischarge(before: readmission)?.disposition == .home)
        // The encounter's own events never count as "earlier".
        history.apply(readmission)
        #expect(history.earlier(than: readmission).map(\.encounterID) == ["E-1"])
    }

    @Test("the history is rebuilt in the order events happened, whatever order they arrived in")
    func arrivalOrder() throws {
        let admission = try event("A", "admission", encounter: "E-1", admitted: "2026-11-01T09:00:00-05:00")
        let discharge = try event(
            "B", "discharge", encounter: "E-1", admitted: "2026-11-01T09:00:00-05:00",
            discharged: "2026-11-03T10:00:00-05:00", disposition: "home")
        let cancel = try event(
            "C", "cancel_discharge", encounter: "E-1", admitted: "2026-11-01T09:00:00-05:00",
            at: "2026-11-03T11:00:00-05:00")
        var inOrder = PatientHistory(patientID: "S-1")
        for item in [admission, discharge, cancel] { inOrder.apply(item) }
        var backwards = PatientHistory(patientID: "S-1")
        for item in [cancel, discharge, admission] { backwards.apply(item) }
        #expect(inOrder == backwards)
        #expect(backwards.encounters.first?.dischargedAt == nil)
        #expect(backwards.encounters.first?.lastEventID == "C")
        // As it stood when the discharge happened: admitted, not yet discharged.
        let before = backwards.before(discharge)
        #expect(before.facts.map(\.eventID) == ["A"])
        #expect(before.encounters.first?.dischargedAt == nil)
    }

    @Test("calendar days in the offsets sent: discharged 23:00, back at 01:00 the next day is 1 day")
    func calendarDays() throws {
        var history = PatientHistory(patientID: "S-1")
        history.apply(
            try event(
                "B", "discharge", encounter: "E-1", admitted: "2026-11-01T09:00:00-05:00",
                discharged: "2026-11-05T23:00:00-05:00"))
        let back = try event("C", "admission", encounter: "E-2", admitted: "2026-11-06T01:00:00-05:00")
        #expect(history.daysSinceLastDischarge(before: back) == 1)
    }

    @Test("admissions and ED visits are counted in a window before this encounter, by class")
    func counts() throws {
        var history = PatientHistory(patientID: "S-1")
        history.apply(try event("A", "admission", encounter: "E-1", admitted: "2026-06-01T09:00:00-05:00"))
        history.apply(try event("B", "admission", encounter: "E-2", admitted: "2026-10-20T09:00:00-05:00"))
        history.apply(
            try event(
                "C", "registration", encounter: "E-3", admitted: "2026-11-10T09:00:00-05:00",
                encounterClass: "emergency"))
        history.apply(
            try event(
                "D", "registration", encounter: "E-4", admitted: "2026-11-12T09:00:00-05:00",
                encounterClass: "observation"))
        let now = try event("E", "admission", encounter: "E-5", admitted: "2026-11-15T09:00:00-05:00")
        #expect(history.admissions(withinDays: 30, before: now) == 1)
        #expect(history.admissions(withinDays: 365, before: now) == 2)
        #expect(history.emergencyVisits(withinDays: 30, before: now) == 1)
        #expect(history.emergencyVisits(withinDays: 3, before: now) == 0)
    }

    @Test("cancel_admission removes the encounter from every count; cancel_discharge undoes the discharge")
    func cancels() throws {
        var history = PatientHistory(patientID: "S-1")
        history.apply(
            try event(
                "B", "discharge", encounter: "E-1", admitted: "2026-11-01T09:00:00-05:00",
                discharged: "2026-11-03T10:00:00-05:00"))
        history.apply(try event("X", "admission", encounter: "E-2", admitted: "2026-11-04T09:00:00-05:00"))
        let next = try event("E", "admission", encounter: "E-3", admitted: "2026-11-10T09:00:00-05:00")
        #expect(history.admissions(withinDays: 30, before: next) == 2)
        history.apply(
            try event(
                "C", "cancel_admission", encounter: "E-2", admitted: "2026-11-04T09:00:00-05:00",
                at: "2026-11-04T10:00:00-05:00"))
        #expect(history.admissions(withinDays: 30, before: next) == 1)
        history.apply(
            try event(
                "D", "cancel_discharge", encounter: "E-1", admitted: "2026-11-01T09:00:00-05:00",
                at: "2026-11-03T11:00:00-05:00"))
        #expect(history.lastDischarge(before: next) == nil)
        #expect(history.daysSinceLastDischarge(before: next) == nil)
    }
}
