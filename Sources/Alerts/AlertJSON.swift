public import Events
public import Rules

extension Alert {
    /// The alert record as the contract spells it, as JSON.
    public var json: JSONValue {
        var members: [JSONMember] = [
            JSONMember(key: "alert_id", value: .string(alertID)),
            JSONMember(key: "created_at", value: .string(createdAt.text)),
            JSONMember(key: "event_id", value: .string(eventID)),
            JSONMember(key: "event_type", value: .string(eventType.rawValue)),
            JSONMember(key: "occurred_at", value: .string(occurredAt.text)),
            JSONMember(key: "patient_id", value: .string(patientID)),
            JSONMember(key: "encounter_id", value: .string(encounterID)),
        ]
        members.append(JSONMember(key: "facility_id", value: facilityID.map(JSONValue.string) ?? .null))
        members.append(JSONMember(key: "unit", value: unit.map(JSONValue.string) ?? .null))
        members += [
            JSONMember(key: "priority", value: .string(priority.rawValue)),
            JSONMember(key: "respond_by", value: .string(respondBy.text)),
            JSONMember(key: "referral", value: .string(referral)),
            JSONMember(key: "summary", value: .string(summary)),
            JSONMember(key: "findings", value: .array(findings.map(\.json))),
            JSONMember(key: "rules_version", value: .string(rulesVersion)),
            JSONMember(key: "status", value: .string(status.rawValue)),
        ]
        if raisedOverdue { members.append(JSONMember(key: "raised_overdue", value: .bool(true))) }
        if !supersedes.isEmpty {
            members.append(JSONMember(key: "supersedes", value: .array(supersedes.map(JSONValue.string))))
        }
        if let patient {
            var identity: [JSONMember] = []
            if let name = patient.name { identity.append(JSONMember(key: "name", value: .string(name))) }
            if let age = patient.age { identity.append(JSONMember(key: "age", value: .number(Double(age)))) }
            if let sex = patient.sex { identity.append(JSONMember(key: "sex", value: .string(sex))) }
            members.append(JSONMember(key: "patient", value: .object(identity)))
        }
        return .object(members)
    }
}

extension Finding {
    /// The finding as the alert record spells it.
    public var json: JSONValue {
        var members = [
            JSONMember(key: "rule_id", value: .string(ruleID)),
            JSONMember(key: "title", value: .string(title)),
            JSONMember(key: "category", value: .string(category)),
            JSONMember(key: "priority", value: .string(priority.rawValue)),
            JSONMember(key: "reason", value: .string(reason)),
            JSONMember(key: "scores", value: ScoreResult.json(scores)),
            JSONMember(key: "references", value: .array(references.map(JSONValue.string))),
        ]
        // Data problems in what the rule read (a screening answer not in its question's list).
        if !warnings.isEmpty {
            members.append(JSONMember(key: "warnings", value: .array(warnings.map(JSONValue.string))))
        }
        return .object(members)
    }
}

extension ScoreResult {
    /// Scores as `{"lace": {"value": 14, "parts": {"L": 7, …}}, …}`; parts whose data was missing
    /// are listed under `missing`.
    public static func json(_ scores: [ScoreResult]) -> JSONValue {
        .object(
            scores.map { score in
                var members = [
                    JSONMember(key: "value", value: .number(score.value)),
                    JSONMember(
                        key: "parts",
                        value: .object(score.parts.map { JSONMember(key: $0.id, value: .number($0.points)) })),
                ]
                let missing = score.parts.filter(\.missing).map(\.id)
                if !missing.isEmpty {
                    members.append(JSONMember(key: "missing", value: .array(missing.map(JSONValue.string))))
                }
                return JSONMember(key: score.name, value: .object(members))
            })
    }
}
