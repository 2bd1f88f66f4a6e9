import Foundation
import TestSupport
import Testing

/// `riskscreen web` beside a running daemon on a temporary home, worked in a real headless Chromium:
/// what a social worker and a supervisor do, and what must not happen.
@Suite(
    "The worklist in a real browser", .serialized,
    .enabled(
        if: WebDriver.isInstalled,
        "Chromium is not installed (scripts/install-system-packages installs chromium and chromium-driver)")
)
struct BrowserTests {
    /// The running worklist server, stopped by the test.
    final class WebServer {
        let process = Process()
        let port: UInt16
        var url: String { "http://127.0.0.1:\(port)" }

        init(home: String) throws {
            port = Rsyslog.freePort(type: SOCK_STREAM)
            process.executableURL = RiskScreenProcess.binary
            process.arguments = ["web", "--home", home, "--listen", "127.0.0.1:\(port)"]
            process.environment = RiskScreenProcess.environment([:])
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(15)
            while Date() < deadline && !Rsyslog.accepts(port: port) { Thread.sleep(forTimeInterval: 0.05) }
        }

        /// SIGTERM, then the exit status (a live stream must not hold the shutdown).
        func stop() -> Int32 {
            process.terminate()
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return process.terminationStatus
        }

        deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    }

    /// Where screenshots go: `RISKSCREEN_TEST_OUTPUT` when scripts/test sets it (to look at them
    /// afterwards), else the test's own folder.
    static func outputFolder(_ directory: TemporaryDirectory) throws -> String {
        let folder =
            ProcessInfo.processInfo.environment["RISKSCREEN_TEST_OUTPUT"].map { $0 + "/worklist" }
            ?? directory.path + "/screenshots"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Width, height and distinct colours of a PNG (scripts/png-stats).
    static func pngStats(_ path: String) throws -> (width: Int, height: Int, colours: Int) {
        let process = Process()
        process.executableURL = RiskScreenProcess.packageRoot.appendingPathComponent("scripts/png-stats")
        process.arguments = [path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let fields = text.split(separator: " ").suffix(3).compactMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard fields.count == 3 else { return (0, 0, 0) }
        return (fields[0], fields[1], fields[2])
    }

    @Test(
        "log in, see the queue, open, acknowledge and close an alert, see it leave; a new alert appears without reload and leaves with a notice when withdrawn; hostile names stay text; no CSRF token, no action; no other team's alert; screenshots"
    )
    func socialWorkerDay() throws {
        let directory = try TemporaryDirectory()
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        let rules = RiskScreenProcess.packageRoot.appendingPathComponent("rules").path
        let daemon = try RunningDaemon(home: home, rules: rules)
        #expect(daemon.wait { daemon.log.contains("riskscreen started") }, "\(daemon.log)")
        // Sample 10 (a safety alert) with a hostile name; sample 08 (discharge planning, social needs).
        var hostile = try SampleEvents.asNewPatient("10-admission-positive-safety-screen.json", id: "WEB-1")
        hostile = hostile.replacingOccurrences(
            of: #""given": "[^"]*""#, with: #""given": "<img src=x onerror=\\"window.pwned=1\\">""#,
            options: .regularExpression)
        hostile = hostile.replacingOccurrences(
            of: #""family": "[^"]*""#, with: #""family": "<script>window.pwned=2</script>""#,
            options: .regularExpression)
        try hostile.write(toFile: home + "/web1.staging", atomically: true, encoding: .utf8)
        #expect(rename(home + "/web1.staging", home + "/inbox/web1.json") == 0)
        try daemon.drop(sample: "08-discharge-homeless.json", as: "08.json")
        #expect(
            daemon.wait { daemon.files("alerts").filter { $0.hasSuffix(".json") }.count == 3 },
            "\(daemon.files("alerts"))")
        for (name, role, teams) in [("ada", "social-worker", "safety"), ("sam", "supervisor", "")] {
            var arguments = ["users", "add", name, "--role", role, "--password-stdin", "--home", home]
            if !teams.isEmpty { arguments += ["--teams", teams] }
            #expect(try RiskScreenProcess.run(arguments, input: "correct horse battery\n").status == 0)
        }
        let web = try WebServer(home: home)
        let browser = try WebDriver(directory: directory.path)
        defer {
            browser.quit()
            _ = web.stop()
        }
        let shots = try Self.outputFolder(directory)

        // Log in.
        try browser.go(web.url + "/")
        #expect(browser.wait { browser.url.contains("/login") })
        try browser.screenshot(shots + "/login.png")
        try browser.type("#user", "ada")
        try browser.type("#password", "correct horse battery")
        try browser.click("button[type=submit]")
        #expect(browser.wait { browser.url == web.url + "/" }, "\(browser.url)")
        #expect(browser.wait { browser.source.contains("data-alert-id") })
        let rows = { (try? browser.run("return document.querySelectorAll('tr[data-alert-id]').length") as? Int) ?? -1 }
        #expect(rows() == 1, "ada sees the safety team's one alert: \(browser.source)")
        // The hostile name is text: nothing ran.
        #expect(try browser.run("return window.pwned === undefined") as? Bool == true)
        #expect(browser.source.contains("&lt;script&gt;window.pwned=2&lt;/script&gt;"))
        try browser.screenshot(shots + "/worklist.png")

        // A POST without its CSRF token is refused.
        let id = try #require(
            try browser.run("return document.querySelector('tr[data-alert-id]').getAttribute('data-alert-id')")
                as? String)
        let forged =
            try browser.runAsync(
                "var done = arguments[arguments.length - 1]; fetch('/alerts/\(id)/ack', {method: 'POST', credentials: 'same-origin', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'x=1'}).then(function (r) { done(r.status); });"
            ) as? Int
        #expect(forged == 403)

        // Another team's alert: refused.
        let other = try #require(
            try RiskScreenProcess.run(["queue", "list", "--home", home, "--json", "--referral", "social-needs"])
                .stdoutLines.first)
        let otherID = try #require(
            (try JSONSerialization.jsonObject(with: Data(other.utf8)) as? [String: Any])?["alert_id"] as? String)
        try browser.go(web.url + "/alerts/" + otherID)
        #expect(browser.wait { browser.source.contains("belongs to a team you are not in") }, "\(browser.source)")

        // Open the alert, acknowledge it, close it: it leaves the list.
        try browser.go(web.url + "/")
        try browser.click("tr[data-alert-id] a")
        #expect(browser.wait { browser.url.contains("/alerts/") })
        try browser.screenshot(shots + "/alert.png")
        try browser.click("form[action$='/ack'] button")
        #expect(browser.wait { browser.source.contains("ada: ack") }, "\(browser.source)")
        try browser.run("document.querySelector(\"select[name=outcome]\").value = 'referred'")
        try browser.click("form[action$='/close'] button")
        #expect(browser.wait { browser.url == web.url + "/" })
        #expect(browser.wait { rows() == 0 }, "the closed alert left the list")

        // A new alert appears without a reload.
        try browser.run("window.stayedHere = true")
        let second = try SampleEvents.asNewPatient("10-admission-positive-safety-screen.json", id: "WEB-2")
        try second.write(toFile: home + "/web2.staging", atomically: true, encoding: .utf8)
        #expect(rename(home + "/web2.staging", home + "/inbox/web2.json") == 0)
        #expect(browser.wait(seconds: 10) { rows() == 1 }, "the new alert did not appear")
        #expect(try browser.run("return window.stayedHere === true") as? Bool == true, "the page was reloaded")

        // The admission is cancelled (entered in error): its alert is withdrawn and leaves the open
        // list, with a notice, still without a reload.
        let cancel =
            second
            .replacingOccurrences(of: #""event_id": "WEB-2""#, with: #""event_id": "WEB-2-CANCEL""#)
            .replacingOccurrences(of: #""event_type": "admission""#, with: #""event_type": "cancel_admission""#)
        #expect(cancel.contains("WEB-2-CANCEL") && cancel.contains("cancel_admission"))
        try cancel.write(toFile: home + "/web3.staging", atomically: true, encoding: .utf8)
        #expect(rename(home + "/web3.staging", home + "/inbox/web3.json") == 0)
        #expect(browser.wait(seconds: 10) { rows() == 0 }, "the withdrawn alert did not leave the list")
        let notice = {
            (try? browser.run("var n = document.getElementById('live-notice'); return n.hidden ? '' : n.textContent")
                as? String) ?? ""
        }
        #expect(browser.wait { notice().contains("withdrawn") }, "no notice of the withdrawal: \(notice())")
        #expect(try browser.run("return window.stayedHere === true") as? Bool == true, "the page was reloaded")

        // The supervisor's dashboard.
        try browser.click("header form button")
        #expect(browser.wait { browser.url.contains("/login") })
        try browser.type("#user", "sam")
        try browser.type("#password", "correct horse battery")
        try browser.click("button[type=submit]")
        #expect(browser.wait { browser.url == web.url + "/" })
        try browser.go(web.url + "/dashboard")
        #expect(browser.wait { browser.source.contains("Alerts per day") })
        try browser.screenshot(shots + "/dashboard.png")

        for name in ["login", "worklist", "alert", "dashboard"] {
            let stats = try Self.pngStats(shots + "/\(name).png")
            #expect(stats.width >= 1000 && stats.colours > 20, "\(name).png looks blank: \(stats)")
        }
        let trail = try RiskScreenProcess.run(["audit", "--home", home, "--json"]).stdoutLines.joined(separator: "\n")
        #expect(trail.contains(#""action":"denied""#) && trail.contains(#""client":"127.0.0.1""#))
        #expect(web.stop() == 0, "the worklist did not stop cleanly on SIGTERM")
        #expect(daemon.stop().status == 0)
    }
}
