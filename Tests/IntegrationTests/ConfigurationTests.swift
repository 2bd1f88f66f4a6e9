import Foundation
import Testing

@Suite("The configuration file, and log formats")
struct ConfigurationTests {
    @Test("check --config reports each mistake at its file:line:column and exits 1")
    func badConfiguration() throws {
        let directory = try TemporaryDirectory()
        let file = directory.url.appendingPathComponent("riskscreen.yaml")
        try
            "home: x\nservice_levels: { critical: 1h, hihg: 2h }\nsinks: [queue, pager]\nminimum_age: soon\ncolour: blue\n"
            .write(
                to: file, atomically: true, encoding: .utf8)
        let result = try RiskScreenProcess.run(["check", "--config", file.path])
        #expect(result.status == 1)
        let errors = result.stdoutLines.filter { $0.contains(": error: ") }
        #expect(
            errors == [
                "\(file.path):2:33: error: unknown priority or event type \"hihg\" (did you mean \"high\"?)",
                "\(file.path):3:16: error: unknown sink \"pager\"; the sinks are queue, jsonl, syslog",
                "\(file.path):4:14: error: minimum_age must be a duration such as 1s, 30s or 2m",
                "\(file.path):5:1: error: unknown key \"colour\"; expected one of home, rules, minimum_age, rescan_interval, size_limit, service_levels, suppress_for, stale_after, sinks, syslog, file_access, allow_empty_rules, referrals, timezone, web, display, mllp, site_mapping",
            ])
    }

    @Test("the web: and display: sections: each mistake at its place")
    func webSection() throws {
        let directory = try TemporaryDirectory()
        let file = directory.url.appendingPathComponent("riskscreen.yaml")
        try """
        web:
          listen: localhost
          tls_certificate: /etc/riskscreen/cert.pem
          session_lifetime: 10s
          user_header: X-Remote-User
          colour: blue
        display:
          patient_identity: maybe

        """.write(to: file, atomically: true, encoding: .utf8)
        let result = try RiskScreenProcess.run(["check", "--config", file.path])
        #expect(result.status == 1)
        let errors = result.stdoutLines.filter { $0.contains(": error: ") }.map {
            $0.replacingOccurrences(of: file.path + ":", with: "")
        }
        #expect(
            errors == [
                "2:11: error: listen is HOST:PORT, e.g. 127.0.0.1:8480",
                "4:21: error: session_lifetime is a duration of a minute or more, e.g. 8h",
                "6:3: error: unknown key \"colour\" in web; expected one of listen, tls_certificate, tls_key, session_lifetime, trusted_proxies, user_header",
                "3:20: error: web needs both tls_certificate and tls_key for HTTPS, or neither",
                "2:3: error: user_header (single sign-on) needs trusted_proxies: the proxies allowed to send it",
                "8:21: error: patient_identity is true or false",
            ], "\(result.stdout)")
    }

    @Test("the mllp: section: each mistake at its place; a port in use stops the daemon with a clear error")
    func mllpSection() throws {
        let directory = try TemporaryDirectory()
        let file = directory.url.appendingPathComponent("riskscreen.yaml")
        try """
        mllp:
          listen: 2575
          max_message_bytes: 12
          idle_timeout: soon
          backlog: 5

        """.write(to: file, atomically: true, encoding: .utf8)
        let result = try RiskScreenProcess.run(["check", "--config", file.path])
        #expect(result.status == 1)
        let errors = result.stdoutLines.filter { $0.contains(": error: ") }.map {
            $0.replacingOccurrences(of: file.path + ":", with: "")
        }
        #expect(
            errors == [
                "2:11: error: listen is HOST:PORT, e.g. 127.0.0.1:2575",
                "3:22: error: max_message_bytes is a number of bytes from 1024 to 67108864",
                "4:17: error: idle_timeout is a duration of a second or more, e.g. 5m",
                "5:3: error: unknown key \"backlog\" in mllp; expected one of listen, max_message_bytes, idle_timeout",
            ], "\(result.stdout)")
        // The port taken by someone else: the daemon does not start without its listener.
        let taken = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(taken) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(taken, $0, length) }
        }
        _ = listen(taken, 1)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(taken, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let home = directory.path + "/home"
        try "home: \(home)\nmllp: { listen: 127.0.0.1:\(port) }\n".write(to: file, atomically: true, encoding: .utf8)
        let run = try RiskScreenProcess.run(["run", "--config", file.path], timeout: 20)
        #expect(run.status != 0)
        #expect(run.stderr.contains("cannot listen for MLLP on 127.0.0.1:\(port)"), "\(run.stderr)")
    }

    @Test("a good configuration checks clean with the rules it names, and run --once follows it")
    func goodConfiguration() throws {
        let directory = try TemporaryDirectory()
        let home = directory.path + "/home"
        let file = directory.url.appendingPathComponent("riskscreen.yaml")
        try """
        home: \(home)
        rules: [\(RiskScreenProcess.packageRoot.appendingPathComponent("rules").path)]
        minimum_age: 0s
        service_levels: { critical: 3h, discharge: { critical: 30m } }
        sinks: [queue]
        """.write(to: file, atomically: true, encoding: .utf8)
        let check = try RiskScreenProcess.run(["check", "--config", file.path])
        #expect(check.status == 0)
        #expect(check.stdoutLines.first == "ok: \(file.path)")
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        for sample in ["08-discharge-homeless.json", "10-admission-positive-safety-screen.json"] {
            try SampleEvents.write(sample, to: home + "/inbox/" + sample)
        }
        let run = try RiskScreenProcess.run(["run", "--once", "--config", file.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: home + "/alerts.jsonl"))
        // The critical discharge alert is due 30 minutes after the discharge, the critical admission
        // alert 3 hours after the admission.
        var hoursByEventType: [String: Double] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: home + "/alerts")
        where file.hasPrefix("1-critical") {
            let alert = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: home + "/alerts/" + file)))
                    as? [String: Any])
            let created = try #require(alert["occurred_at"] as? String)
            let respondBy = try #require(alert["respond_by"] as? String)
            let formatter = ISO8601DateFormatter()
            hoursByEventType[alert["event_type"] as? String ?? "?"] =
                try #require(formatter.date(from: respondBy)).timeIntervalSince(
                    try #require(formatter.date(from: created))) / 3600
        }
        #expect(hoursByEventType == ["discharge": 0.5, "admission": 3])
    }

    @Test("--log-format json writes one JSON object per log line, with ids and no patient names")
    func jsonLogs() throws {
        let directory = try TemporaryDirectory()
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        try SampleEvents.write("08-discharge-homeless.json", to: home + "/inbox/08.json")
        let result = try RiskScreenProcess.run(
            ["run", "--once", "--home", home, "--minimum-age", "0", "--log-format", "json", "--log-level", "info"])
        #expect(result.status == 0)
        #expect(!result.stderrLines.isEmpty)
        for line in result.stderrLines {
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            #expect(object["level"] is String)
            #expect(object["message"] is String)
        }
        #expect(result.stderr.contains("\"event_id\":\"NF-2026-11-23-0008\""))
        #expect(!result.stderr.contains("Aldersgate"))
        #expect(!result.stderr.contains("Cellulitis"))
    }
}
