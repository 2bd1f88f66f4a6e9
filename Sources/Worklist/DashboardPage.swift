import Events
import Foundation
import Hummingbird
import Presentation
import State

extension WorklistServer {
    /// Only supervisors and admins; a social worker is refused (and audited).
    func supervisor(_ context: WorklistContext, _ what: String) throws -> (User, Session) {
        guard let user = context.user, let session = context.session else { throw HTTPError(.unauthorized) }
        guard user.role.seesAllTeams else {
            audit(context, "denied", detail: what)
            throw HTTPError(.forbidden, message: "The \(what) is for supervisors.")
        }
        return (user, session)
    }

    func dashboardPage(_ request: Request, _ context: WorklistContext) throws -> Response {
        let (user, session) = try supervisor(context, "dashboard")
        let now = clock()
        let offset = time.zone.secondsFromGMT(for: Date(timeIntervalSince1970: now))
        let dashboard = try store.dashboard(now: now, utcOffset: offset)
        var body = "<h1>Team dashboard</h1><div class=\"grid\"><section class=\"panel\"><h2>Open and overdue now</h2>"
        body += "<table><thead><tr><th>Team</th><th>Unit</th><th>Open</th><th>Overdue</th></tr></thead><tbody>"
        for load in dashboard.load {
            body += "<tr><td>"
            body.add(teamName(load.referral))
            body += "</td><td>"
            body.add(load.unit)
            body +=
                "</td><td>\(load.open)</td><td\(load.overdue > 0 ? " class=\"overdue\"" : "")>\(load.overdue)</td></tr>"
        }
        if dashboard.load.isEmpty { body += "<tr><td colspan=\"4\" class=\"muted\">nothing open</td></tr>" }
        let open = dashboard.load.reduce(0) { $0 + $1.open }
        let overdue = dashboard.load.reduce(0) { $0 + $1.overdue }
        body +=
            "</tbody><tfoot><tr><th colspan=\"2\">All</th><th>\(open)</th><th>\(overdue)</th></tr></tfoot></table></section>"
        body += "<section class=\"panel\"><h2>This week</h2>"
        func median(_ values: [Double], _ what: String) -> String {
            guard let median = Dashboard.median(values) else { return "<p>\(what): none this week</p>" }
            return "<p>\(what): <strong>\(HTML.escape(Due.span(median)))</strong> (median of \(values.count))</p>"
        }
        body += median(dashboard.secondsToAcknowledge, "From alert to acknowledgement")
        body += median(dashboard.secondsToClose, "From alert to closure")
        body += "</section></div><section class=\"panel\"><h2>Alerts per day, last 30 days, by team</h2>"
        body += chart(dashboard.perDay, now: now, offset: offset)
        body += "</section>"
        return Self.page(Layout.page("Dashboard", user: user, csrf: session.csrfToken, teams: teamsText(user), body))
    }

    /// Stacked bars per day (SVG, colours by team, a legend below).
    func chart(_ perDay: [String: [String: Int]], now: Double, offset: Int) -> String {
        let days = (0..<30).reversed().map { back -> String in
            Timestamp(secondsSinceEpoch: Int64(now) + Int64(offset) - Int64(back) * 86_400).utc.text.prefix(10)
                .description
        }
        let referrals = Array(Set(perDay.values.flatMap(\.keys))).sorted()
        let palette = ["#174ea6", "#c25400", "#2f6f3e", "#8e24aa", "#b00020", "#00796b", "#5f6368", "#8a6d00"]
        let largest = max(1, days.map { day in perDay[day]?.values.reduce(0, +) ?? 0 }.max() ?? 1)
        let width = 30 * 22 + 80
        let height = 200
        var svg =
            "<svg class=\"chart\" role=\"img\" aria-label=\"Alerts per day for 30 days\" width=\"\(width)\" height=\"\(height + 40)\">"
        svg += "<text x=\"0\" y=\"12\">\(largest)</text><text x=\"0\" y=\"\(height)\">0</text>"
        for (index, day) in days.enumerated() {
            var y = height
            let x = 40 + index * 22
            for (colour, referral) in zip(palette.cycled(referrals.count), referrals) {
                let count = perDay[day]?[referral] ?? 0
                guard count > 0 else { continue }
                let barHeight = max(1, Int(Double(count) / Double(largest) * Double(height - 20)))
                y -= barHeight
                svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"16\" height=\"\(barHeight)\" fill=\"\(colour)\"><title>"
                svg.add("\(day): \(count) \(teamName(referral))")
                svg += "</title></rect>"
            }
            if index % 5 == 0 || index == days.count - 1 {
                svg += "<text x=\"\(x - 4)\" y=\"\(height + 16)\">\(HTML.escape(String(day.suffix(5))))</text>"
            }
        }
        svg += "</svg><p>"
        for (colour, referral) in zip(palette.cycled(referrals.count), referrals) {
            svg += "<svg width=\"12\" height=\"12\"><rect width=\"12\" height=\"12\" fill=\"\(colour)\"/></svg> "
            svg.add(teamName(referral))
            svg += " &nbsp; "
        }
        if referrals.isEmpty { svg += "<span class=\"muted\">no alerts in the last 30 days</span>" }
        return svg + "</p>"
    }

    func auditPage(_ request: Request, _ context: WorklistContext) throws -> Response {
        let (user, session) = try supervisor(context, "audit trail")
        let query = request.uri.queryParameters
        let patient = query["patient"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let person = query["user"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let entries = try store.auditEntries(since: nil, user: person, patient: patient).suffix(500).reversed()
        var body = "<h1>Audit trail</h1><form class=\"filters\" method=\"get\" action=\"/audit\">"
        body += "<label>User<input name=\"user\" value=\"\(HTML.escape(person ?? ""))\"></label>"
        body += "<label>Patient<input name=\"patient\" value=\"\(HTML.escape(patient ?? ""))\"></label>"
        body += "<button type=\"submit\">Show</button></form><p class=\"muted\">The latest 500, newest first; "
        body += "<code>riskscreen audit</code> exports all of it.</p><table><thead><tr><th>Time</th><th>User</th>"
        body += "<th>Action</th><th>Alert</th><th>Patient</th><th>From</th><th>Detail</th></tr></thead><tbody>"
        for entry in entries {
            body += "<tr><td>"
            body.add(Timestamp(rfc3339: entry.at).map(time.dayAndTime) ?? entry.at)
            body += "</td><td>"
            body.add(entry.user)
            body += "</td><td>"
            body.add(entry.action)
            body += "</td><td>"
            if let alert = entry.alertID {
                body += "<a href=\"/alerts/\(HTML.query(alert))\">"
                body.add(alert)
                body += "</a>"
            }
            body += "</td><td>"
            body.add(entry.patientID ?? "")
            body += "</td><td>"
            body.add(entry.client)
            body += "</td><td>"
            body.add(entry.detail ?? "")
            body += "</td></tr>"
        }
        body += "</tbody></table>"
        return Self.page(Layout.page("Audit trail", user: user, csrf: session.csrfToken, teams: teamsText(user), body))
    }
}

extension Array {
    /// The elements repeated to `count`.
    func cycled(_ count: Int) -> [Element] { isEmpty ? [] : (0..<count).map { self[$0 % self.count] } }
}
