import Events
import Presentation
import Rules
import State

/// An alert as a page shows it: its record read once.
struct AlertView {
    let queued: QueuedAlert
    let record: JSONValue

    init(_ queued: QueuedAlert) {
        self.queued = queued
        record = JSONValue.parse(Array(queued.record.utf8)) ?? .object([])
    }

    func text(_ key: String) -> String? {
        if case .string(let value)? = record[key] { return value }
        return nil
    }

    var id: String { queued.alertID }
    var priority: Priority { text("priority").flatMap(Priority.init(rawValue:)) ?? .critical }
    var referral: String { text("referral") ?? "-" }
    var unit: String { text("unit") ?? "-" }
    var summary: String { text("summary") ?? "" }
    var respondBy: Timestamp? { text("respond_by").flatMap(Timestamp.init(rfc3339:)) }
    var occurredAt: Timestamp? { text("occurred_at").flatMap(Timestamp.init(rfc3339:)) }
    var createdAt: Timestamp? { text("created_at").flatMap(Timestamp.init(rfc3339:)) }

    /// "Ada Lovelace, 84, female · S-100537", or the record number alone when the identity is not
    /// to be shown or not sent.
    func patient(showingIdentity: Bool) -> String {
        identity(showing: showingIdentity).map { $0 + " · " + queued.patientID } ?? queued.patientID
    }

    /// "Ada Lovelace, 84, female": who the patient is, when it may be shown and was sent.
    func identity(showing: Bool) -> String? {
        guard showing, case .object(let members)? = record["patient"] else { return nil }
        var parts: [String] = []
        for member in members {
            switch (member.key, member.value) {
            case ("name", .string(let name)): parts.insert(name, at: 0)
            case ("age", .number(let age)): parts.append("\(Int(age))")
            case ("sex", .string(let sex)): parts.append(sex)
            default: break
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }
}

extension WorklistServer {
    /// The badge of a priority.
    static func badge(_ priority: Priority) -> String {
        "<span class=\"badge \(priority.rawValue)\">\(priority.rawValue)</span>"
    }

    /// "in 45 min" or, in red, "overdue 2 h", with the deadline's clock time.
    func due(_ view: AlertView, now: Double) -> String {
        guard let respondBy = view.respondBy else { return "-" }
        let due = Due(respondBy, now: now)
        var html = due.isOverdue ? "<span class=\"overdue\">" : "<span>"
        html.add(due.text)
        html += "</span><br><span class=\"muted\">"
        html.add(time.short(respondBy, now: now))
        html += "</span>"
        return html
    }
}
