import Alerts
import Events
import Foundation
import Hummingbird
import Presentation
import Rules
import State

extension WorklistServer {
    /// The filters of a worklist page, from its query.
    struct Filters {
        var team: String?
        var unit: String?
        var priority: Priority?
        var overdue = false
        var mine = false
        var status = "active"
        var page = 1

        init(_ request: Request) {
            let query = request.uri.queryParameters
            func value(_ key: String) -> String? {
                query[Substring(key)].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            }
            team = value("team")
            unit = value("unit")
            priority = value("priority").flatMap(Priority.init(rawValue:))
            overdue = value("overdue") != nil
            mine = value("mine") != nil
            status = value("status") ?? "active"
            page = max(1, value("page").flatMap { Int($0) } ?? 1)
        }

        /// The query string of these filters on another page.
        func query(page: Int) -> String {
            var items: [(String, String)] = []
            if let team { items.append(("team", team)) }
            if let unit { items.append(("unit", unit)) }
            if let priority { items.append(("priority", priority.rawValue)) }
            if overdue { items.append(("overdue", "1")) }
            if mine { items.append(("mine", "1")) }
            if status != "active" { items.append(("status", status)) }
            items.append(("page", String(page)))
            return items.map { "\(HTML.query($0.0))=\(HTML.query($0.1))" }.joined(separator: "&")
        }
    }

    static let pageSize = 50

    /// The query a user's worklist runs: their teams only, unless they see all.
    func worklistQuery(_ filters: Filters, user: User, now: Double) -> WorklistQuery {
        var query = WorklistQuery()
        query.teams = user.role.seesAllTeams ? nil : user.teams
        query.referral = filters.team
        query.unit = filters.unit
        query.priority = filters.priority
        query.overdueAt = filters.overdue ? now : nil
        query.assignee = filters.mine ? user.name : nil
        switch filters.status {
        case "open": query.statuses = [.open]
        case "acknowledged": query.statuses = [.acknowledged]
        case "closed": query.statuses = [.closed]
        case "withdrawn": query.statuses = [.withdrawn]
        case "all": query.statuses = Alert.Status.allCases
        default: query.statuses = [.open, .acknowledged]
        }
        query.limit = Self.pageSize
        query.offset = (filters.page - 1) * Self.pageSize
        return query
    }

    func worklistPage(_ request: Request, _ context: WorklistContext) throws -> Response {
        guard let user = context.user, let session = context.session else { throw HTTPError(.unauthorized) }
        let now = clock()
        let filters = Filters(request)
        let page = try store.worklist(worklistQuery(filters, user: user, now: now))
        let table = rows(page, now: now)
        if request.uri.queryParameters["fragment"] != nil {
            return Self.page(table)
        }
        let facets = try store.worklistFacets(referrals: user.role.seesAllTeams ? nil : user.teams)
        var body = "<h1>Worklist</h1><p id=\"live-notice\" class=\"notice\" role=\"status\" hidden></p>"
        body += "<div class=\"counts\">"
        for priority in Priority.mostUrgentFirst {
            body += "<span>\(Self.badge(priority)) \(page.byPriority[priority] ?? 0)</span>"
        }
        body += "<span>\(page.total) in all</span></div>"
        body += filterForm(filters, facets: facets)
        body += "<table><thead><tr><th>Priority</th><th>Due</th><th>Patient</th><th>Unit</th><th>Team</th>"
        body += "<th>Why</th><th>Assigned</th></tr></thead><tbody id=\"worklist\">" + table + "</tbody></table>"
        let pages = max(1, (page.total + Self.pageSize - 1) / Self.pageSize)
        if pages > 1 {
            body += "<div class=\"pages\">"
            if filters.page > 1 { body += "<a href=\"/?\(filters.query(page: filters.page - 1))\">← newer page</a>" }
            body += "<span>page \(filters.page) of \(pages)</span>"
            if filters.page < pages { body += "<a href=\"/?\(filters.query(page: filters.page + 1))\">next page →</a>" }
            body += "</div>"
        }
        body += "<p class=\"muted\">Times in \(HTML.escape(time.zone.identifier)). The list updates by itself.</p>"
        return Self.page(Layout.page("Worklist", user: user, csrf: session.csrfToken, teams: teamsText(user), body))
    }

    func teamsText(_ user: User) -> String {
        user.role.seesAllTeams ? "all teams" : user.teams.map(teamName).joined(separator: ", ")
    }

    /// The table's rows (also what live updates fetch).
    func rows(_ page: WorklistPage, now: Double) -> String {
        guard !page.alerts.isEmpty else {
            return "<tr><td colspan=\"7\" class=\"muted\">No alerts here: nothing waits for these filters.</td></tr>"
        }
        var html = ""
        for queued in page.alerts {
            let view = AlertView(queued)
            let patient = view.patient(showingIdentity: settings.showsPatientIdentity)
            html += "<tr class=\"alert-row\" data-alert-id=\""
            html.add(view.id)
            html += "\" data-patient=\""
            html.add(patient)
            html += "\"><td>\(Self.badge(view.priority))"
            if queued.status != .open {
                html += "<br><span class=\"muted\">"
                html.add(queued.status.rawValue)
                html += "</span>"
            }
            html += "</td><td class=\"due\">\(due(view, now: now))</td><td><a href=\"/alerts/"
            html.add(HTML.query(view.id))
            html += "\">"
            if let identity = view.identity(showing: settings.showsPatientIdentity) {
                html.add(identity)
                html += " · "
            }
            html += "<span class=\"mrn\">"
            html.add(view.queued.patientID)
            html += "</span></a></td><td>"
            html.add(view.unit)
            html += "</td><td>"
            html.add(teamName(view.referral))
            html += "</td><td>"
            html.add(view.summary)
            if queued.repeats > 0 { html += " <span class=\"muted\">seen again \(queued.repeats)×</span>" }
            html += "</td><td>"
            html.add(queued.assignee ?? "-")
            html += "</td></tr>"
        }
        return html
    }

    func filterForm(_ filters: Filters, facets: (units: [String], referrals: [String])) -> String {
        func select(_ name: String, _ label: String, _ options: [(String, String)], _ chosen: String?) -> String {
            var html = "<label>\(label)<select name=\"\(name)\"><option value=\"\">any</option>"
            for (value, text) in options {
                html += "<option value=\""
                html.add(value)
                html += "\"\(value == chosen ? " selected" : "")>"
                html.add(text)
                html += "</option>"
            }
            return html + "</select></label>"
        }
        var html = "<form class=\"filters\" method=\"get\" action=\"/\">"
        html += select("team", "Team", facets.referrals.map { ($0, teamName($0)) }, filters.team)
        html += select("unit", "Unit", facets.units.map { ($0, $0) }, filters.unit)
        html += select(
            "priority", "Priority", Priority.mostUrgentFirst.map { ($0.rawValue, $0.rawValue) },
            filters.priority?.rawValue)
        html += "<label>Status<select name=\"status\">"
        for (value, text) in [
            ("active", "open or acknowledged"), ("open", "open"), ("acknowledged", "acknowledged"),
            ("closed", "closed"),
            ("withdrawn", "withdrawn"), ("all", "all"),
        ] {
            html += "<option value=\"\(value)\"\(value == filters.status ? " selected" : "")>\(text)</option>"
        }
        html += "</select></label>"
        html +=
            "<label class=\"check\"><input type=\"checkbox\" name=\"overdue\" value=\"1\"\(filters.overdue ? " checked" : "")> overdue</label>"
        html +=
            "<label class=\"check\"><input type=\"checkbox\" name=\"mine\" value=\"1\"\(filters.mine ? " checked" : "")> assigned to me</label>"
        html += "<button type=\"submit\">Show</button></form>"
        return html
    }
}
