import Events

/// One line about a valid event for a person at a terminal: ids and the derived facts, never names
/// or diagnoses' text.
struct EventSummary: CustomStringConvertible {
    let event: Event

    init(_ event: Event) { self.event = event }

    var description: String {
        var parts = [
            event.eventID, event.eventType.rawValue, "patient \(event.patient.id)", "encounter \(event.encounter.id)",
        ]
        if let age = event.derived.ageYears { parts.append("age \(age)") }
        if let stay = event.derived.lengthOfStayDays { parts.append("stay \(stay) day\(stay == 1 ? "" : "s")") }
        if !event.diagnoses.isEmpty {
            parts.append("codes " + event.diagnoses.map(\.normalizedCode).joined(separator: ","))
        }
        if !event.derived.latestLabs.isEmpty {
            let labs = event.derived.latestLabs.sorted { $0.key < $1.key }.map { "\($0.key)=\(format($0.value.value))" }
            parts.append("latest labs " + labs.joined(separator: ","))
        }
        return parts.joined(separator: " · ")
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
