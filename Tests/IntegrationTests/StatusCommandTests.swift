import Foundation
import Testing

@Suite("riskscreen status, as monitoring calls it", .serialized)
struct StatusCommandTests {
    private func setUp() throws -> (TemporaryDirectory, String, String) {
        try TemporaryDirectory.daemonHome(copyingRules: false)
    }

    @Test("not running: exit 2")
    func notRunning() throws {
        let (directory, home, _) = try setUp()
        _ = directory
        let result = try RiskScreenProcess.run(["status", "--home", home])
        #expect(result.status == 2)
        #expect(result.stdoutLines.last == "status: not running")
    }

    @Test("running and healthy: exit 0, with the rules, the alerts open by priority, the quarantine")
    func healthy() throws {
        let (directory, home, rules) = try setUp()
        _ = directory
        let daemon = try RunningDaemon(home: home, rules: rules)
        #expect(daemon.wait { daemon.log.contains("riskscreen started") })
        try daemon.drop(sample: "08-discharge-homeless.json", as: "08.json")
        #expect(daemon.wait { daemon.files("alerts").count == 2 })
        let result = try RiskScreenProcess.run(["status", "--home", home, "--json"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["status"] as? String == "healthy")
        #expect(object["rule_count"] as? Int == 21)
        #expect((object["open_alerts"] as? [String: Int]) == ["critical": 1, "medium": 1])
        #expect((object["events"] as? [String: Int]) == ["processed": 1])
        let text = try RiskScreenProcess.run(["status", "--home", home])
        #expect(text.stdout.contains("open alerts: critical 1, high 0, medium 1, low 0"))
        #expect(text.stdoutLines.last == "status: healthy")
        // A second daemon on the same home is refused.
        let second = try RiskScreenProcess.run(["run", "--once", "--home", home])
        #expect(second.status == 1)
        #expect(second.stderr.contains("another riskscreen is already running on \(home)"))
        #expect(daemon.stop().status == 0)
    }

    @Test("degraded, exit 1: a failing sink, or an inbox file waiting too long")
    func degraded() throws {
        let (directory, home, rules) = try setUp()
        _ = directory
        let daemon = try RunningDaemon(home: home, rules: rules, extra: ["--minimum-age", "1000"])
        #expect(daemon.wait { daemon.log.contains("riskscreen started") })
        try FileManager.default.removeItem(atPath: home + "/alerts")
        try "not a directory".write(toFile: home + "/alerts", atomically: true, encoding: .utf8)
        try daemon.drop(sample: "10-admission-positive-safety-screen.json", as: "10.json")
        #expect(daemon.wait { daemon.log.contains("delivery failed") })
        let failing = try RiskScreenProcess.run(["status", "--home", home])
        #expect(failing.status == 1)
        #expect(
            failing.stdoutLines.last
                == "status: degraded: the queue sink is failing: 1 delivery waiting, 1 failed at least once")
        try FileManager.default.removeItem(atPath: home + "/alerts")
        try FileManager.default.createDirectory(atPath: home + "/alerts", withIntermediateDirectories: false)
        #expect(daemon.wait(seconds: 20) { daemon.files("alerts").count == 1 })
        // Written in place, it waits for the (long) minimum age.
        try "{}".write(toFile: home + "/inbox/waiting.json", atomically: false, encoding: .utf8)
        let waiting = try RiskScreenProcess.run(["status", "--home", home, "--max-inbox-age", "0"])
        #expect(waiting.status == 1)
        #expect(waiting.stdout.contains("inbox: 1 waiting"))
        #expect(waiting.stdoutLines.last?.hasPrefix("status: degraded: the oldest inbox file has waited") == true)
        #expect(daemon.stop().status == 0)
    }

    @Test("metrics.prom is a Prometheus text exposition of what the daemon did")
    func metricsFile() throws {
        let (directory, home, rules) = try setUp()
        _ = directory
        let daemon = try RunningDaemon(home: home, rules: rules)
        #expect(daemon.wait { daemon.log.contains("riskscreen started") })
        try daemon.drop(sample: "08-discharge-homeless.json", as: "08.json")
        try "{ not json".write(toFile: home + "/bad.staging", atomically: false, encoding: .utf8)
        #expect(rename(home + "/bad.staging", home + "/inbox/bad.json") == 0)
        func metrics() -> [String: Double] {
            let text = (try? String(contentsOfFile: home + "/metrics.prom", encoding: .utf8)) ?? ""
            var values: [String: Double] = [:]
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                let parts = line.split(separator: " ")
                if parts.count == 2, let value = Double(parts[1]) { values[String(parts[0])] = value }
            }
            return values
        }
        #expect(daemon.wait { metrics()["riskscreen_events_total{outcome=\"invalid\"}"] == 1 }, "\(metrics())")
        let values = metrics()
        #expect(values["riskscreen_events_total{outcome=\"processed\"}"] == 1)
        #expect(values["riskscreen_quarantined_total"] == 1)
        #expect(values["riskscreen_alerts_total{priority=\"critical\",referral=\"discharge-planning\"}"] == 1)
        #expect(values["riskscreen_alerts_total{priority=\"medium\",referral=\"social-needs\"}"] == 1)
        #expect(values["riskscreen_rule_evaluation_seconds_count"] == 1)
        #expect(values["riskscreen_outbox_backlog{sink=\"queue\"}"] == 0)
        #expect(values["riskscreen_inbox_backlog"] == 0)
        #expect(values["riskscreen_reloads_refused_total"] == 0)
        #expect(daemon.stop().status == 0)
    }
}
