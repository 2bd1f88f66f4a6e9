import Alerts
import Daemon
import Events
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Logging
import NIOCore
import Presentation
import Rules
import State
import Testing
import Worklist

/// A worklist over a state database of its own (a temporary folder), with three accounts and
/// alerts of two teams; `now` is fixed.
final class WorklistFixture: @unchecked Sendable {
    let directory: URL
    let store: SQLiteStateStore
    static let now = Timestamp(rfc3339: "2026-11-22T16:00:00Z")!
    /// The alert ids by referral.
    var alerts: [String: String] = [:]

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("riskscreen-web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try SQLiteStateStore(path: directory.appendingPathComponent("state.db").path)
        // Cost 4: fast in tests; the command line uses 12.
        let hash = Bcrypt.hash("correct horse battery", cost: 4)
        try store.addUser(User(name: "ada", role: .socialWorker, teams: ["safety"], passwordHash: hash))
        try store.addUser(User(name: "cy", role: .socialWorker, teams: ["safety"], passwordHash: hash))
        try store.addUser(User(name: "sam", role: .supervisor, teams: [], passwordHash: hash))
        try record("W-1", referral: "safety", given: "Delphine", family: "<script>alert('pwned')</script>")
        try record("W-2", referral: "social-needs", given: "Corbin", family: "Aldersgate")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func record(_ id: String, referral: String, given: String, family: String) throws {
        let text =
            #"{"schema_version":1,"event_id":"\#(id)","event_type":"admission","occurred_at":"2026-11-22T10:00:00-05:00","patient":{"id":"S-\#(id)","name":{"given":"\#(given)","family":"\#(family)"},"birth_date":"1990-01-01","sex":"female"},"encounter":{"id":"E-\#(id)","unit":"4W","admitted_at":"2026-11-22T09:00:00-05:00"}}"#
        let event = try EventDecoder().decode(Array(text.utf8))
        let finding = Finding(
            ruleID: "rule.\(referral)", title: "A title", category: "c", priority: .high, basePriority: .high,
            referral: referral, reason: "because <b>bold</b>", scores: [], references: [], suppressFor: nil, tags: [])
        let alerts = AlertBuilder().alerts(
            for: event, evaluation: Evaluation(scores: [], findings: [finding]), rulesVersion: "sha256:r", now: Self.now
        )
        let entry = LedgerEntry(
            eventID: id, digest: id, outcome: .processed, recordedAt: Self.now, fileName: "\(id).json",
            rulesVersion: "sha256:r")
        _ = try store.record(entry, alerts: alerts, sinks: [])
        self.alerts[referral] = alerts[0].alertID
    }

    func application() -> some ApplicationProtocol {
        let server = WorklistServer(
            store: store, settings: WebSettings(), teams: ReferralTarget.shipped,
            time: SiteTime(identifier: "America/New_York")!,
            clock: { Double(WorklistFixture.now.secondsSinceEpoch) }, logger: Logger(label: "test"))
        return Application(router: server.router())
    }
}

/// A browser's state in the router tests: its cookies, and the CSRF token of the last page.
struct Browser {
    var cookies: [String: String] = [:]

    var headers: HTTPFields {
        var fields = HTTPFields()
        if !cookies.isEmpty { fields[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        return fields
    }

    mutating func keep(_ response: TestResponse) {
        for value in response.headers[values: .setCookie] {
            let pair = value.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            if value.contains("Max-Age=0") {
                cookies[String(pair[0])] = nil
            } else {
                cookies[String(pair[0])] = String(pair[1])
            }
        }
    }

    static func csrf(_ html: String) -> String? {
        html.firstMatch(of: /name="csrf" value="([0-9a-f]+)"/).map { String($0.output.1) }
    }

    static func form(_ fields: [(String, String)]) -> ByteBuffer {
        ByteBuffer(string: fields.map { "\(HTML.query($0.0))=\(HTML.query($0.1))" }.joined(separator: "&"))
    }
}

extension TestClientProtocol {
    /// Logs in as `user`; the browser keeps the session cookie. Returns the login's response.
    func login(_ browser: inout Browser, _ user: String, _ password: String = "correct horse battery") async throws
        -> TestResponse
    {
        let page = try await execute(uri: "/login", method: .get, headers: browser.headers)
        browser.keep(page)
        let csrf = try #require(Browser.csrf(String(buffer: page.body)))
        var headers = browser.headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        let response = try await execute(
            uri: "/login", method: .post, headers: headers,
            body: Browser.form([("csrf", csrf), ("user", user), ("password", password), ("next", "/")]))
        browser.keep(response)
        return response
    }

    func get(_ uri: String, _ browser: inout Browser) async throws -> TestResponse {
        let response = try await execute(uri: uri, method: .get, headers: browser.headers)
        browser.keep(response)
        return response
    }

    func post(_ uri: String, _ fields: [(String, String)], _ browser: inout Browser) async throws -> TestResponse {
        var headers = browser.headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await execute(uri: uri, method: .post, headers: headers, body: Browser.form(fields))
    }
}

@Suite("The worklist's routes: login, pages, actions, and what protects them")
struct WorklistRouterTests {
    @Test("/healthz answers without login and without protected health information; pages redirect to the login")
    func publicAndPrivate() async throws {
        let fixture = try WorklistFixture()
        try await fixture.application().test(.router) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(String(buffer: health.body) == "ok\n")
            #expect(health.headers[.setCookie] == nil)
            let list = try await client.execute(uri: "/", method: .get)
            #expect(list.status == .found)
            #expect(list.headers[.location] == "/login?next=%2F")
            let alert = try await client.execute(uri: "/alerts/\(fixture.alerts["safety"]!)", method: .get)
            #expect(alert.status == .found)
            let post = try await client.execute(uri: "/alerts/x/ack", method: .post)
            #expect(post.status == .unauthorized)
            let events = try await client.execute(uri: "/events", method: .get)
            #expect(events.status == .unauthorized)
        }
    }

    @Test(
        "login: a session cookie that is HttpOnly and SameSite=Strict; wrong passwords and unknown users get the same answer; five wrong ones lock the account"
    )
    func login() async throws {
        let fixture = try WorklistFixture()
        try await fixture.application().test(.router) { client in
            var browser = Browser()
            let good = try await client.login(&browser, "ada")
            #expect(good.status == .found)
            let cookie = try #require(good.headers[values: .setCookie].first { $0.hasPrefix("rs_session=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains("Secure"))
            let page = try await client.get("/", &browser)
            #expect(page.status == .ok)
            #expect(page.headers[.cacheControl] == "no-store")
            #expect(
                page.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("frame-ancestors 'none'") == true)
            #expect(page.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("'unsafe-inline'") == false)

            var stranger = Browser()
            let unknown = String(buffer: try await client.login(&stranger, "nobody").body)
            var wrong = Browser()
            let mistyped = String(buffer: try await client.login(&wrong, "cy", "wrong password").body)
            let message = "The user name or password is wrong, or the account is locked or disabled."
            #expect(unknown.contains(message) && mistyped.contains(message))
            for _ in 0..<4 { _ = try await client.login(&wrong, "cy", "wrong password") }
            let locked = try await client.login(&wrong, "cy")  // the right password, but locked
            #expect(locked.status == .unauthorized)
            #expect(try fixture.store.user(named: "cy")?.lockedUntil != nil)
            let failures = try fixture.store.auditEntries(since: nil, user: nil, patient: nil).filter {
                $0.action == "login-failed"
            }
            #expect(failures.count == 7)
        }
    }

    @Test("a social worker sees their teams' alerts only: another team's is 403 and audited; every view is audited")
    func teams() async throws {
        let fixture = try WorklistFixture()
        try await fixture.application().test(.router) { client in
            var browser = Browser()
            _ = try await client.login(&browser, "ada")
            let list = String(buffer: try await client.get("/", &browser).body)
            #expect(list.contains(fixture.alerts["safety"]!) && !list.contains(fixture.alerts["social-needs"]!))
            let own = try await client.get("/alerts/\(fixture.alerts["safety"]!)", &browser)
            #expect(own.status == .ok)
            let other = try await client.get("/alerts/\(fixture.alerts["social-needs"]!)", &browser)
            #expect(other.status == .forbidden)
            let trail = try fixture.store.auditEntries(since: nil, user: "ada", patient: nil).map(\.action)
            #expect(trail == ["login", "view", "denied"])
            let dashboard = try await client.get("/dashboard", &browser)
            #expect(dashboard.status == .forbidden)

            var supervisor = Browser()
            _ = try await client.login(&supervisor, "sam")
            let all = String(buffer: try await client.get("/", &supervisor).body)
            #expect(all.contains(fixture.alerts["safety"]!) && all.contains(fixture.alerts["social-needs"]!))
            let board = try await client.get("/dashboard", &supervisor)
            #expect(board.status == .ok)
            #expect(String(buffer: board.body).contains("<svg class=\"chart\""))
        }
    }

    @Test("event text is escaped: a hostile patient name renders as text, never as markup")
    func escaping() async throws {
        let fixture = try WorklistFixture()
        try await fixture.application().test(.router) { client in
            var browser = Browser()
            _ = try await client.login(&browser, "ada")
            for uri in ["/", "/alerts/\(fixture.alerts["safety"]!)"] {
                let html = String(buffer: try await client.get(uri, &browser).body)
                #expect(!html.contains("<script>alert"), "\(uri)")
                #expect(html.contains("&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;"), "\(uri)")
                #expect(!html.contains("<b>bold</b>"))
                // No inline script or style at all.
                #expect(html.firstMatch(of: /<script>|<style|style="/) == nil, "\(uri)")
            }
        }
    }

    @Test(
        "actions need the session's CSRF token (403 without, audited); with it they are recorded and audited with the client's address"
    )
    func actions() async throws {
        let fixture = try WorklistFixture()
        try await fixture.application().test(.router) { client in
            var browser = Browser()
            _ = try await client.login(&browser, "ada")
            let id = fixture.alerts["safety"]!
            let page = String(buffer: try await client.get("/alerts/\(id)", &browser).body)
            let csrf = try #require(Browser.csrf(page))
            let forged = try await client.post("/alerts/\(id)/ack", [], &browser)
            #expect(forged.status == .forbidden)
            let wrong = try await client.post(
                "/alerts/\(id)/ack", [("csrf", String(repeating: "0", count: 64))], &browser)
            #expect(wrong.status == .forbidden)
            #expect(try fixture.store.queuedAlert(id: id)?.status == .open)
            let ack = try await client.post("/alerts/\(id)/ack", [("csrf", csrf)], &browser)
            #expect(ack.status == .found)
            #expect(try fixture.store.queuedAlert(id: id)?.status == .acknowledged)
            let assign = try await client.post("/alerts/\(id)/assign", [("csrf", csrf), ("assignee", "cy")], &browser)
            #expect(assign.status == .found)
            #expect(try fixture.store.queuedAlert(id: id)?.assignee == "cy")
            let mine = String(buffer: try await client.get("/?mine=1", &browser).body)
            #expect(!mine.contains(id))
            let other = try await client.post("/alerts/\(id)/close", [("csrf", csrf), ("outcome", "other")], &browser)
            #expect(other.status == .badRequest)
            let close = try await client.post(
                "/alerts/\(id)/close", [("csrf", csrf), ("outcome", "unable-to-reach"), ("note", "three calls")],
                &browser)
            #expect(close.status == .found)
            #expect(try fixture.store.queuedAlert(id: id)?.status == .closed)
            let reopen = try await client.post("/alerts/\(id)/reopen", [("csrf", csrf)], &browser)
            #expect(reopen.status == .forbidden)  // supervisors only
            let trail = try fixture.store.auditEntries(since: nil, user: "ada", patient: nil)
            #expect(trail.map(\.action) == ["login", "view", "denied", "denied", "ack", "assign", "close", "denied"])
            #expect(trail.filter { ["ack", "close"].contains($0.action) }.allSatisfy { $0.client == "unknown" })
            let fragment = String(buffer: try await client.get("/?fragment=1&status=closed", &browser).body)
            #expect(fragment.hasPrefix("<tr") && fragment.contains(id))
        }
    }
}
