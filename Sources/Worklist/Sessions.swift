import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import NIOCore
import Presentation
import Rules
import State

/// Every request but the public ones (`/healthz`, `/login`, `/static/`) needs a live session:
/// without one a page redirects to the login, anything else is refused. Sets the context's user.
/// A single sign-on header is believed only from a trusted proxy, and opens a session.
struct SessionCheck: RouterMiddleware {
    let server: WorklistServer

    func handle(
        _ request: Request, context: WorklistContext, next: (Request, WorklistContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        let trusted = server.settings.trustedProxies.contains(context.peer)
        if trusted, let forwarded = request.headers[HTTPField.Name("X-Forwarded-For")!] {
            let first = forwarded.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) }
            if let first, !first.isEmpty { context.client = first }
        }
        let path = request.uri.path
        if path == "/healthz" || path == "/login" || path == "/favicon.ico" || path.hasPrefix("/static/") {
            return try await next(request, context)
        }
        if let token = request.cookies["rs_session"]?.value,
            let session = try server.store.session(tokenDigest: Self.digest(token), now: server.clock()),
            let user = try server.store.user(named: session.user), !user.disabled
        {
            context.user = user
            context.session = session
            return try await next(request, context)
        }
        if trusted, let header = server.settings.userHeader,
            let name = request.headers[HTTPField.Name(header)!], let user = try server.store.user(named: name),
            !user.disabled
        {
            // Single sign-on: the proxy has authenticated the person.
            let (token, session) = try server.openSession(for: user)
            context.user = user
            context.session = session
            server.audit(context, "login", detail: "single sign-on from \(context.peer)")
            var response = try await next(request, context)
            response.setCookie(server.sessionCookie(token))
            return response
        }
        if request.method == .get && path != "/events" {
            let next = HTML.query(path + (request.uri.query.map { "?" + $0 } ?? ""))
            return Response.redirect(to: "/login?next=\(next)", type: .found)
        }
        return WorklistServer.page(
            Layout.bare("Not logged in", "<p>Log in first: <a href=\"/login\">log in</a>.</p>"), status: .unauthorized)
    }

    /// The digest under which a session token is kept (the token itself never is).
    static func digest(_ token: String) -> String { SHA256Digest.hex(token) }
}

extension WorklistServer {
    /// After this many failed logins in a row an account is locked …
    static let maximumFailedLogins = 5
    /// … for this long.
    static let lockout: Double = 15 * 60
    /// A hash to verify against when the user does not exist, so that the answer takes as long.
    static let decoyHash = Bcrypt.hash("riskscreen decoy password", cost: 12)

    /// 32 random bytes, hexadecimal (the system's cryptographic generator).
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16).leftPadded(2) }
            .joined()
    }

    func openSession(for user: User) throws -> (token: String, session: Session) {
        let token = Self.randomToken()
        let now = clock()
        let session = Session(
            tokenDigest: SessionCheck.digest(token), user: user.name, csrfToken: Self.randomToken(), createdAt: now,
            expiresAt: now + settings.sessionLifetime)
        try store.addSession(session)
        return (token, session)
    }

    func sessionCookie(_ token: String, maxAge: Int? = nil) -> Cookie {
        Cookie(
            name: "rs_session", value: token, maxAge: maxAge ?? Int(settings.sessionLifetime), path: "/",
            secure: settings.usesTLS, httpOnly: true, sameSite: .strict)
    }

    /// The form of a POST, once its CSRF token is checked against the session's (403 otherwise,
    /// audited).
    func form(_ request: Request, _ context: WorklistContext) async throws -> FormFields {
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        let form = FormFields(String(buffer: body))
        guard let session = context.session, let token = form["csrf"], Self.sameText(token, session.csrfToken) else {
            audit(context, "denied", detail: "a form without its CSRF token: \(request.uri.path)")
            throw HTTPError(
                .forbidden,
                message: "This form has expired or did not come from the worklist: reload the page and try again.")
        }
        return form
    }

    /// Compares without stopping at the first difference.
    static func sameText(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }

    func loginPage(_ request: Request, _ context: WorklistContext, error: String? = nil) throws -> Response {
        // The browser's login token stays the same while it has one, so that a second look at the
        // page (another tab, a redirect) does not invalidate the form already shown.
        let kept = request.cookies["rs_login"]?.value.filter(\.isHexDigit)
        let token = kept.flatMap { $0.count == 64 ? $0 : nil } ?? Self.randomToken()
        let next = request.uri.queryParameters["next"].map(String.init) ?? "/"
        var response = Self.page(
            LoginPage.render(csrf: token, next: next, error: error), status: error == nil ? .ok : .unauthorized)
        response.setCookie(
            Cookie(
                name: "rs_login", value: token, maxAge: 3600, path: "/login", secure: settings.usesTLS, httpOnly: true,
                sameSite: .strict))
        return response
    }

    func login(_ request: Request, _ context: WorklistContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 16 * 1024)
        let form = FormFields(String(buffer: body))
        guard let cookie = request.cookies["rs_login"]?.value, let token = form["csrf"], Self.sameText(cookie, token)
        else {
            throw HTTPError(.forbidden, message: "This login form has expired: reload the page and try again.")
        }
        let name = (form["user"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = form["password"] ?? ""
        let now = clock()
        let generic = "The user name or password is wrong, or the account is locked or disabled."
        var user = try store.user(named: name)
        // The same work whether the user exists or not: the answer says nothing about who exists.
        let matches = Bcrypt.verify(password, hash: user?.passwordHash ?? Self.decoyHash)
        var audited = context
        audited.user = user
        guard var found = user, !found.disabled, (found.lockedUntil ?? 0) <= now, matches else {
            if var failing = user, !failing.disabled {
                failing.failedLogins += 1
                if failing.failedLogins >= Self.maximumFailedLogins { failing.lockedUntil = now + Self.lockout }
                try store.updateUser(failing)
                user = failing
            }
            audit(context, "login-failed", detail: "as \"\(name.prefix(64))\"")
            return try loginPage(request, context, error: generic)
        }
        found.failedLogins = 0
        found.lockedUntil = nil
        try store.updateUser(found)
        let (sessionToken, session) = try openSession(for: found)
        audited.session = session
        audit(audited, "login")
        let next = form["next"].flatMap { $0.hasPrefix("/") && !$0.hasPrefix("//") ? $0 : nil } ?? "/"
        var response = Response.redirect(to: next, type: .found)
        response.setCookie(sessionCookie(sessionToken))
        response.setCookie(
            Cookie(name: "rs_login", value: "", maxAge: 0, path: "/login", httpOnly: true, sameSite: .strict))
        return response
    }

    func logout(_ request: Request, _ context: WorklistContext) async throws -> Response {
        _ = try await form(request, context)
        if let session = context.session { try store.endSessions(tokenDigest: session.tokenDigest, user: nil) }
        audit(context, "logout")
        var response = Response.redirect(to: "/login", type: .found)
        response.setCookie(sessionCookie("", maxAge: 0))
        return response
    }
}
