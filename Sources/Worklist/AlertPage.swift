import Alerts
import Events
import Foundation
import Hummingbird
import Presentation
import Rules
import State

extension WorklistServer {
    /// The alert named in the path, when the user may see it; a social worker opening another
    /// team's alert gets 403, and the attempt is audited.
    func permittedAlert(_ context: WorklistContext) throws -> (User, Session, QueuedAlert) {
        guard let user = context.user, let session = context.session else { throw HTTPError(.unauthorized) }
        let id = try context.parameters.require("id")
        guard let alert = try store.queuedAlert(id: id) else {
            throw HTTPError(.notFound, message: "No alert has this id.")
        }
        let referral = AlertView(alert).referral
        guard user.mayWork(referral) else {
            audit(context, "denied", alert: alert, detail: "another team's alert (\(referral))")
            throw HTTPError(.forbidden, message: "This alert belongs to a team you are not in.")
        }
        return (user, session, alert)
    }

    func alertPage(_ request: Request, _ context: WorklistContext) throws -> Response {
        let (user, session, alert) = try permittedAlert(context)
        audit(context, "view", alert: alert)
        let view = AlertView(alert)
        let now = clock()
        var body = "<h1>\(Self.badge(view.priority)) "
        body.add(view.patient(showingIdentity: settings.showsPatientIdentity))
        body += "</h1>"
        if alert.status == .withdrawn {
            body += "<p class=\"banner-withdrawn\" role=\"alert\"><strong>Withdrawn</strong> "
            body.add(view.text("withdrawn_at").flatMap(Timestamp.init(rfc3339:)).map(time.dayAndTime) ?? "")
            body += ": "
            body.add(view.text("withdrawn_reason") ?? "the event that raised it was cancelled")
            body += ". Nothing to do.</p>"
        }
        body += "<div class=\"grid\"><section class=\"panel\"><h2>What and when</h2><p>"
        body.add(view.summary)
        body += "</p><p>Team: "
        body.add(teamName(view.referral))
        body += " · status: "
        body.add(alert.status.rawValue)
        body += " · assigned: "
        body.add(alert.assignee ?? "nobody")
        body += "</p><p>Due: \(due(view, now: now))</p><p class=\"muted\">"
        body.add("Event \(view.text("event_id") ?? "-") (\(view.text("event_type") ?? "-")), ")
        body.add(view.occurredAt.map(time.dayAndTime) ?? "-")
        body += "; unit "
        body.add(view.unit)
        body += "; raised "
        body.add(view.createdAt.map(time.dayAndTime) ?? "-")
        if view.record["raised_overdue"] == .bool(true) { body += " (already overdue: the event came late)" }
        body += "; rules "
        body.add(RulesVersion.short(view.text("rules_version") ?? "-"))
        body += "</p></section>"
        body += actionsPanel(user: user, session: session, alert: alert)
        body += "</div>"
        body += findingsSection(view)
        body += try historySection(alert, view: view, user: user)
        if let explanation = try store.explanation(alertID: alert.alertID), !explanation.isEmpty {
            body += "<details class=\"panel\"><summary>Why the rules fired, step by step</summary><pre>"
            body.add(explanation)
            body += "</pre></details>"
        }
        return Self.page(
            Layout.page(
                "Alert for \(alert.patientID)", user: user, csrf: session.csrfToken, teams: teamsText(user), body))
    }

    /// Each finding's reason in words, and its scores as small bars.
    func findingsSection(_ view: AlertView) -> String {
        guard case .array(let findings)? = view.record["findings"] else { return "" }
        var html = "<section class=\"panel\"><h2>Why: what the rules found</h2>"
        for finding in findings {
            html += "<div class=\"finding\"><p>"
            if case .string(let priority)? = finding["priority"], let priority = Priority(rawValue: priority) {
                html += Self.badge(priority) + " "
            }
            html += "<strong>"
            html.add(finding["title"]?.textValue ?? "")
            html += "</strong></p><p>"
            html.add(finding["reason"]?.textValue ?? "")
            html += "</p>"
            if case .object(let scores)? = finding["scores"] {
                for score in scores { html += Self.scoreBars(score.key, score.value) }
            }
            if case .array(let references)? = finding["references"], !references.isEmpty {
                html += "<p class=\"muted\">"
                html.add(references.compactMap(\.textValue).joined(separator: "; "))
                html += "</p>"
            }
            html += "</div>"
        }
        return html + "</section>"
    }

    /// A score and its parts as an SVG of horizontal bars (no script, no inline style).
    static func scoreBars(_ name: String, _ score: JSONValue) -> String {
        guard case .object(let parts)? = score["parts"], !parts.isEmpty else { return "" }
        let values = parts.map { ($0.key, $0.value.numberValue ?? 0) }
        let largest = max(1, values.map(\.1).max() ?? 1)
        let rowHeight = 18
        var svg = "<svg class=\"bars\" role=\"img\" width=\"360\" height=\"\(rowHeight * values.count + 22)\" "
        svg += "aria-label=\""
        svg.add("\(name) \(score["value"]?.numberValue.map { Value.number($0).prose } ?? "")")
        svg += "\"><text x=\"0\" y=\"14\">"
        svg.add("\(name.uppercased()) \(score["value"]?.numberValue.map { Value.number($0).prose } ?? "")")
        svg += "</text>"
        for (index, (part, points)) in values.enumerated() {
            let y = 22 + index * rowHeight
            let width = Int(200 * points / largest)
            svg += "<text x=\"0\" y=\"\(y + 12)\">"
            svg.add(part)
            svg += "</text><rect class=\"track\" x=\"110\" y=\"\(y + 2)\" width=\"200\" height=\"12\"/>"
            svg += "<rect class=\"part\" x=\"110\" y=\"\(y + 2)\" width=\"\(max(0, width))\" height=\"12\"/>"
            svg += "<text x=\"318\" y=\"\(y + 12)\">"
            svg.add(Value.number(points).prose)
            svg += "</text>"
        }
        return svg + "</svg>"
    }

    /// The patient's stays, the alert's repeats and escalations, and its audit trail.
    func historySection(_ alert: QueuedAlert, view: AlertView, user: User) throws -> String {
        var html = "<div class=\"grid\"><section class=\"panel\"><h2>The patient's stays</h2><ul>"
        let patient = try store.patientState(alert.patientID)
        for encounter in patient.history.encounters {
            html += "<li>"
            html.add(
                "\(encounter.encounterID): \(encounter.encounterClass?.rawValue ?? "class unknown"), admitted \(time.dayAndTime(encounter.admittedAt))"
            )
            if let discharged = encounter.dischargedAt {
                html.add(", discharged \(time.dayAndTime(discharged))")
                if let disposition = encounter.disposition {
                    html.add(" (\(disposition.rawValue.replacingOccurrences(of: "_", with: " ")))")
                }
            }
            if encounter.cancelled { html += " <em>cancelled</em>" }
            html += "</li>"
        }
        if patient.history.encounters.isEmpty { html += "<li class=\"muted\">none RiskScreen saw</li>" }
        html += "</ul>"
        if case .array(let superseded)? = view.record["supersedes"], !superseded.isEmpty {
            html += "<p>Escalates earlier alerts: "
            html += superseded.compactMap(\.textValue).map { id in
                "<a href=\"/alerts/\(HTML.query(id))\">\(HTML.escape(id))</a>"
            }.joined(separator: ", ")
            html += "</p>"
        }
        let later = patient.alerts.filter { other in
            guard case .array(let ids)? = JSONValue.parse(Array(other.record.utf8))?["supersedes"] else { return false }
            return ids.contains(.string(alert.alertID))
        }
        for other in later {
            html += "<p>Superseded by <a href=\"/alerts/\(HTML.query(other.alertID))\">"
            html.add("\(other.priority.rawValue) alert \(other.alertID)")
            html += "</a></p>"
        }
        let repeats = try store.repeats(alertID: alert.alertID)
        html += "<h2>Seen again</h2>"
        if repeats.isEmpty { html += "<p class=\"muted\">not since it was raised</p>" }
        html += "<ul>"
        for repeated in repeats {
            html += "<li>"
            html.add(
                "\(Timestamp(rfc3339: repeated.occurredAt).map(time.dayAndTime) ?? repeated.occurredAt): \(repeated.reason)"
            )
            html += "</li>"
        }
        html += "</ul></section><section class=\"panel\"><h2>What the team did</h2><ul>"
        let actions = try store.actions(alertID: alert.alertID)
        if actions.isEmpty { html += "<li class=\"muted\">nothing yet</li>" }
        for action in actions {
            html += "<li>"
            var line =
                "\(Timestamp(rfc3339: action.at).map(time.dayAndTime) ?? action.at) \(action.by): \(action.action)"
            if let assignee = action.assignee { line += " to \(assignee)" }
            if let outcome = action.outcome { line += ", \(CloseOutcome(rawValue: outcome)?.words ?? outcome)" }
            if let note = action.note { line += " — \(note)" }
            html.add(line)
            html += "</li>"
        }
        return html + "</ul></section></div>"
    }

    /// The forms of what the user may do now.
    func actionsPanel(user: User, session: Session, alert: QueuedAlert) -> String {
        func form(_ action: String, _ inner: String, _ button: String) -> String {
            "<form method=\"post\" action=\"/alerts/\(HTML.query(alert.alertID))/\(action)\">"
                + "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(session.csrfToken))\">" + inner
                + "<button type=\"submit\">\(button)</button></form>"
        }
        var html = "<section class=\"panel actions\"><h2>Act</h2>"
        if alert.status == .open { html += form("ack", "", "Acknowledge: I have it") }
        if alert.status.isActive {
            var options = "<option value=\"\(HTML.escape(user.name))\">me</option>"
            let referral = AlertView(alert).referral
            for colleague in ((try? store.users()) ?? [])
            where colleague.name != user.name && !colleague.disabled
                && colleague.mayWork(referral)
            {
                options += "<option value=\"\(HTML.escape(colleague.name))\">\(HTML.escape(colleague.name))</option>"
            }
            html += form("assign", "<label>Assign to <select name=\"assignee\">\(options)</select></label>", "Assign")
            var outcomes = ""
            for outcome in CloseOutcome.allCases {
                outcomes += "<option value=\"\(outcome.rawValue)\">\(outcome.words)</option>"
            }
            html += form(
                "close",
                "<label>Outcome <select name=\"outcome\">\(outcomes)</select></label><input name=\"note\" placeholder=\"note (needed for other)\">",
                "Close")
        }
        if alert.status == .closed && user.role.seesAllTeams { html += form("reopen", "", "Reopen") }
        html += form("note", "<input name=\"note\" placeholder=\"a note for the trail\" required>", "Add note")
        return html + "</section>"
    }

    /// A POST from the alert page: the action, recorded and audited (in one transaction), then back
    /// to the alert (or to the list after a closure).
    func act(_ request: Request, _ context: WorklistContext) async throws -> Response {
        let (user, _, alert) = try permittedAlert(context)
        let form = try await form(request, context)
        let kind = try context.parameters.require("action")
        var action = AlertAction(action: kind, by: user.name, at: nowText(), client: context.client)
        let note = form["note"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        switch kind {
        case "ack": action.note = note
        case "assign":
            guard let assignee = form["assignee"], let colleague = try store.user(named: assignee),
                colleague.mayWork(AlertView(alert).referral)
            else { throw HTTPError(.badRequest, message: "Assign to a colleague of this alert's team.") }
            action.assignee = colleague.name
        case "note":
            guard let note else { throw HTTPError(.badRequest, message: "A note needs some text.") }
            action.note = note
        case "close":
            guard let outcome = form["outcome"].flatMap(CloseOutcome.init(rawValue:)) else {
                throw HTTPError(.badRequest, message: "Choose what came of it.")
            }
            if outcome == .other && note == nil {
                throw HTTPError(.badRequest, message: "Closing as other needs a note saying what came of it.")
            }
            action.outcome = outcome.rawValue
            action.note = note
        case "reopen":
            guard user.role.seesAllTeams else {
                audit(context, "denied", alert: alert, detail: "reopen needs a supervisor")
                throw HTTPError(.forbidden, message: "Only a supervisor reopens an alert.")
            }
            action.note = note
        default:
            throw HTTPError(.notFound)
        }
        do {
            try store.act(on: alert.alertID, action)
        } catch let error as QueueError {
            throw HTTPError(.conflict, message: "\(error)")
        }
        return Response.redirect(to: kind == "close" ? "/" : "/alerts/\(HTML.query(alert.alertID))", type: .found)
    }
}

extension JSONValue {
    /// The text of a string value.
    var textValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The number of a number value.
    var numberValue: Double? {
        if case .number(let number) = self { return number }
        return nil
    }
}
