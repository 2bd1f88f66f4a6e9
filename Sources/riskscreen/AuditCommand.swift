import ArgumentParser
import Events
import Foundation
import Presentation
import State

/// `riskscreen audit`: who viewed or acted on which alert, when, from where.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The audit trail: who viewed or acted on which alert of which patient, when, from where.",
        discussion: """
            Every view of an alert and every action (in the worklist and with `riskscreen queue`), every \
            login and refused access, and every change to the accounts, oldest first.
            """
    )

    @OptionGroup var options: StateOptions
    @Option(help: "From this time on (RFC 3339, e.g. 2026-11-24T00:00:00Z, or a date).") var since: String?
    @Option(help: "Only this user.") var user: String?
    @Option(help: "Only about this patient id.") var patient: String?
    @Flag(help: "One JSON object per line, for tools.") var json = false

    /// `since` as an RFC 3339 UTC time the trail can be compared with.
    func sinceTime() throws -> String? {
        guard let since else { return nil }
        if let time = Timestamp(rfc3339: since) { return time.utc.text }
        if let time = Timestamp(rfc3339: since + "T00:00:00Z") { return time.utc.text }
        throw ValidationError(
            "--since \(since) is not a time: give RFC 3339 (2026-11-24T08:00:00Z) or a date (2026-11-24)")
    }

    func run() throws {
        let entries = try options.store().auditEntries(since: try sinceTime(), user: user, patient: patient)
        if json {
            for entry in entries {
                var members = [
                    JSONMember(key: "at", value: .string(entry.at)),
                    JSONMember(key: "user", value: .string(entry.user)),
                    JSONMember(key: "action", value: .string(entry.action)),
                ]
                members += [("alert_id", entry.alertID), ("patient_id", entry.patientID)].map {
                    JSONMember(key: $0.0, value: $0.1.map(JSONValue.string) ?? .null)
                }
                members.append(JSONMember(key: "client", value: .string(entry.client)))
                members.append(JSONMember(key: "detail", value: entry.detail.map(JSONValue.string) ?? .null))
                print(JSONValue.object(members).serialized)
            }
            return
        }
        guard !entries.isEmpty else {
            print("(nothing in the audit trail\(since == nil && user == nil && patient == nil ? "" : " that matches"))")
            return
        }
        let time = try options.siteTime()
        var table = TextTable(headers: ["TIME", "USER", "ACTION", "ALERT", "PATIENT", "FROM", "DETAIL"])
        for entry in entries {
            table.append([
                Timestamp(rfc3339: entry.at).map(time.dayAndTime) ?? entry.at, entry.user, entry.action,
                entry.alertID ?? "-", entry.patientID ?? "-", entry.client, entry.detail ?? "",
            ])
        }
        for line in table.lines() { print(ControlCharacters.escaped(line, style: .swift)) }
    }
}
