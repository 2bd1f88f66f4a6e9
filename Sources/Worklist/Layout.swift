import Presentation
import State

/// The frame of every page: the style sheet and the live script from `/static/`, a header with the
/// user, their teams and the logout form.
enum Layout {
    static func head(_ title: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title)) · RiskScreen</title>
        <link rel="stylesheet" href="/static/worklist.css"><script src="/static/live.js" defer></script></head>
        """
    }

    /// A page without a user (login, errors before login).
    static func bare(_ title: String, _ body: String) -> String {
        head(title) + "<body><header><span class=\"brand\">RiskScreen</span></header><main>" + body
            + "</main></body></html>\n"
    }

    /// A page for a logged-in user.
    static func page(_ title: String, user: User, csrf: String, teams: String, _ body: String) -> String {
        var html = head(title)
        html += "<body><header><span class=\"brand\">RiskScreen</span><nav><a href=\"/\">Worklist</a>"
        if user.role.seesAllTeams { html += "<a href=\"/dashboard\">Dashboard</a><a href=\"/audit\">Audit</a>" }
        html += "</nav><span class=\"who\">"
        html.add(user.name)
        html += " · "
        html.add(user.role.rawValue.replacingOccurrences(of: "-", with: " "))
        html += " · "
        html.add(teams)
        html += "</span><form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\""
        html.add(csrf)
        html += "\"><button class=\"secondary\" type=\"submit\">Log out</button></form></header><main>"
        html += body
        html += "</main></body></html>\n"
        return html
    }
}

enum LoginPage {
    static func render(csrf: String, next: String, error: String?) -> String {
        var body = "<div class=\"login panel\"><h1>Log in to the worklist</h1>"
        if let error {
            body += "<p class=\"error\" role=\"alert\">"
            body.add(error)
            body += "</p>"
        }
        body += "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf\" value=\""
        body.add(csrf)
        body += "\"><input type=\"hidden\" name=\"next\" value=\""
        body.add(next)
        body += """
            "><label for="user">User name</label><input id="user" name="user" autocomplete="username" required autofocus>
            <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
            <p><button type="submit">Log in</button></p></form>
            <p class="muted">After five wrong passwords in a row an account is locked for 15 minutes.</p></div>
            """
        return Layout.bare("Log in", body)
    }
}
