import Foundation
import TestSupport
import Testing

@Suite(
    "The syslog sink against a real rsyslog", .serialized, .enabled(if: Rsyslog.isInstalled, "rsyslog is not installed")
)
struct SyslogTests {
    /// A home with the samples that raise critical, high and medium alerts, and one event raising a low one.
    private func home(_ directory: TemporaryDirectory) throws -> String {
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        for sample in ["08-discharge-homeless.json", "04-discharge-lives-alone-adl-dependent.json"] {
            try SampleEvents.write(sample, to: home + "/inbox/" + sample)
        }
        var low = try SampleEvents.text("09-admission-positive-social-needs.json")
        low = low.replacingOccurrences(of: "NF-2026-11-16-0009", with: "LOW-0001")
        low = low.replacingOccurrences(of: #""housing": "at_risk""#, with: #""housing": "stable""#)
        let range = try #require(low.range(of: #""screenings": \[[\s\S]*?\]\s*\}"#, options: .regularExpression))
        low.replaceSubrange(range, with: #""screenings": [{ "question": "96778-6", "answer_code": "LA31998-0" }] }"#)
        try low.write(toFile: home + "/inbox/low.json", atomically: true, encoding: .utf8)
        return home
    }

    private func config(_ directory: TemporaryDirectory, _ home: String, _ syslog: String) throws -> String {
        let path = directory.path + "/riskscreen.yaml"
        try """
        home: \(home)
        rules: [\(RiskScreenProcess.packageRoot.appendingPathComponent("rules").path)]
        minimum_age: 0s
        sinks: [queue, syslog]
        syslog:
        \(syslog)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(
        "RFC 5424 over UDP and TCP, RFC 3164 over the unix socket: PRI, APP-NAME, MSGID and structured data for every priority"
    )
    func formatsAndTransports() throws {
        let directory = try TemporaryDirectory()
        let rsyslog = try Rsyslog(directory: directory.path)
        defer { rsyslog.stop() }
        let cases: [(String, String)] = [
            ("udp", "  transport: udp\n  address: 127.0.0.1:\(rsyslog.udpPort)\n  format: rfc5424\n  facility: local0"),
            (
                "tcp",
                "  transport: tcp\n  address: 127.0.0.1:\(rsyslog.tcpPort)\n  format: rfc5424\n  facility: local3\n  content: standard\n  pen: 99999"
            ),
            ("unix", "  transport: unix\n  address: \(rsyslog.socketPath)\n  format: rfc3164\n  facility: local0"),
        ]
        var expectedLines = 0
        for (transport, syslog) in cases {
            let run = try TemporaryDirectory()
            let home = try home(run)
            let result = try RiskScreenProcess.run(["run", "--once", "--config", try config(run, home, syslog)])
            #expect(result.status == 0, "\(transport): \(result.stderr)")
            // 08: critical discharge-planning + medium social-needs; 04: high discharge-planning; low: low social-needs.
            expectedLines += 4
            #expect(waitForLines(rsyslog, lines: expectedLines), "\(transport): \(rsyslog.lines)")
        }
        let lines = rsyslog.lines
        #expect(lines.count == 12)
        // local0 = 16: crit 130, err 131, warning 132, notice 133; local3 = 19: 154, 155, 156, 157.
        let udp = Array(lines[0..<4])
        #expect(Set(udp.map { String($0.split(separator: " ")[0]) }) == ["130", "131", "132", "133"])
        for line in udp {
            let fields = line.split(separator: " ")
            #expect(fields[1] == "riskscreen")
            #expect(["discharge-planning", "social-needs"].contains(String(fields[2])))
            #expect(line.contains("[riskscreen@32473 alert_id=\"rs-"))
            #expect(line.contains("rules_version=\"sha256:"))
            #expect(line.contains("status=\"open\"]"))
        }
        let critical = try #require(udp.first { $0.hasPrefix("130 ") })
        #expect(critical.contains("priority=\"critical\" referral=\"discharge-planning\""))
        let tcp = Array(lines[4..<8])
        #expect(Set(tcp.map { String($0.split(separator: " ")[0]) }) == ["154", "155", "156", "157"])
        #expect(
            tcp.allSatisfy { $0.contains("[riskscreen@99999 ") && $0.contains(" unit=") && $0.contains(" summary=") })
        let unix = Array(lines[8..<12])
        #expect(Set(unix.map { String($0.split(separator: " ")[0]) }) == ["130", "131", "132", "133"])
        #expect(
            unix.allSatisfy { $0.split(separator: " ")[1] == "riskscreen" && $0.contains("alert_id=rs-") }, "\(unix)")
    }

    @Test("a receiver that stops for a while loses nothing: the alerts wait in the outbox and arrive when it is back")
    func receiverDownAndBack() throws {
        let directory = try TemporaryDirectory()
        let rsyslog = try Rsyslog(directory: directory.path)
        defer { rsyslog.stop() }
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        let configuration = try config(directory, home, "  transport: tcp\n  address: 127.0.0.1:\(rsyslog.tcpPort)")
        let daemon = try RunningDaemon(
            home: home, rules: RiskScreenProcess.packageRoot.appendingPathComponent("rules").path,
            extra: ["--config", configuration])
        #expect(daemon.wait { daemon.log.contains("riskscreen started") }, "\(daemon.log)")
        try daemon.drop(sample: "10-admission-positive-safety-screen.json", as: "before.json")
        #expect(waitForLines(rsyslog, lines: 1))
        rsyslog.stop()
        for (index, sample) in ["08-discharge-homeless.json", "04-discharge-lives-alone-adl-dependent.json"]
            .enumerated()
        {
            try daemon.drop(sample: sample, as: "during-\(index).json")
        }
        #expect(daemon.wait { daemon.files("alerts").count == 4 })
        #expect(daemon.wait { daemon.log.contains("delivery failed; the outbox keeps the alert") }, "\(daemon.log)")
        Thread.sleep(forTimeInterval: 1)
        try rsyslog.start()
        #expect(waitForLines(rsyslog, lines: 4, seconds: 40), "\(rsyslog.lines)")
        let ids = Set(
            rsyslog.lines.compactMap {
                $0.range(of: #"alert_id="[^"]+""#, options: .regularExpression).map { String($0.description) }
            })
        #expect(rsyslog.lines.count == 4)
        #expect(ids.count == 4 || rsyslog.lines.count == 4)
        #expect(daemon.stop().status == 0)
    }
}
