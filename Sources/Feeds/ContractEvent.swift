import Events

/// Parts of a contract event as the feed mappers (HL7 v2, FHIR) build them, in the contract's
/// words and order: one place for what both say the same way.
enum ContractEvent {
    /// The clinical tail of an event — diagnoses, medications, labs, coverage, screening answers —
    /// each only when it holds something.
    static func clinical(
        diagnoses: [JSONValue], medications: [JSONValue] = [], labs: [JSONValue], coverage: [JSONMember]?,
        screenings: [JSONValue]
    ) -> [JSONMember] {
        var members: [JSONMember] = []
        if !diagnoses.isEmpty { members.append(JSONMember(key: "diagnoses", value: .array(diagnoses))) }
        if !medications.isEmpty { members.append(JSONMember(key: "medications", value: .array(medications))) }
        if !labs.isEmpty { members.append(JSONMember(key: "labs", value: .array(labs))) }
        if let coverage { members.append(JSONMember(key: "coverage", value: .object(coverage))) }
        if !screenings.isEmpty {
            members.append(
                JSONMember(key: "social", value: .object([JSONMember(key: "screenings", value: .array(screenings))])))
        }
        return members
    }

    /// One answer to a screening question (LOINC): a coded answer or a number. The instrument is
    /// `ahc-hrsn` for the questions of that screening RiskScreen knows, else `other`.
    static func screeningAnswer(_ question: String, code: String?, value: Double?, at time: String?) -> JSONValue {
        let known = ScreeningCatalog.questions[question]
        var answer = [
            JSONMember(key: "instrument", value: .string(known?.instrument == "ahc-hrsn" ? "ahc-hrsn" : "other")),
            JSONMember(key: "question", value: .string(question)),
        ]
        if let code { answer.append(JSONMember(key: "answer_code", value: .string(code))) }
        if let value { answer.append(JSONMember(key: "answer_value", value: .number(value))) }
        if let time { answer.append(JSONMember(key: "answered_at", value: .string(time))) }
        return .object(answer)
    }

    /// One lab result by LOINC code.
    static func lab(_ loinc: String, value: Double, name: String?, unit: String?, at time: String?) -> JSONValue {
        var lab = [JSONMember(key: "loinc", value: .string(loinc)), JSONMember(key: "value", value: .number(value))]
        if let name { lab.append(JSONMember(key: "name", value: .string(name))) }
        if let unit { lab.append(JSONMember(key: "unit", value: .string(unit))) }
        if let time { lab.append(JSONMember(key: "observed_at", value: .string(time))) }
        return .object(lab)
    }
}
