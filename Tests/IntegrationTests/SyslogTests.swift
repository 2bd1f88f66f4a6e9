import Foundation
import Testing

/// A real rsyslogd of the test's own: UDP and TCP on 127.0.0.1 at ports the test picks, a unix
/// socket in the test's folder, and everything it receives written to a file. Stopped by the test.
final class Rsyslog {
    let directory: String
    let udpPort: UInt16
    let tcpPort: UInt16
    var socketPath: String { directory + "/log.sock" }
    var output: String { directory + "/received.log" }
    private var process: Process?

    init(directory: String) throws {
        self.directory = directory
        udpPort = Rsyslog.freePort(type: SOCK_DGRAM)
        tcpPort = Rsyslog.freePort(type: SOCK_STREAM)
        let config = """
            global(workDirectory="\(directory)")
            module(load="imuxsock" SysSock.Use="off")
            input(type="imuxsock" Socket="\(directory)/log.sock")
            module(load="imudp")
            input(type="imudp" address="127.0.0.1" port="\(udpPort)")
            module(load="imtcp")
            input(type="imtcp" address="127.0.0.1" port="\(tcpPort)")
            template(name="received" type="string" string="%PRI% %APP-NAME% %MSGID% %STRUCTURED-DATA% %msg%\\n")
            action(type="omfile" file="\(directory)/received.log" template="received")
            """
        try config.write(toFile: directory + "/rsyslog.conf", atomically: true, encoding: .utf8)
        try start()
    }

    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: "/usr/sbin/rsyslogd") }

    /// Writes a daemon configuration in `directory` that sends alerts to the queue, alerts.jsonl
    /// and this receiver over UDP (facility local0, `content` as given); returns its path.
    func daemonConfiguration(in directory: String, content: String = "minimal") throws -> String {
        let path = directory + "/riskscreen.yaml"
        try """
        sinks: [queue, jsonl, syslog]
        syslog:
          transport: udp
          address: 127.0.0.1:\(udpPort)
          facility: local0
          content: \(content)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/rsyslogd")
        process.arguments = ["-n", "-f", directory + "/rsyslog.conf", "-i", directory + "/rsyslog.pid"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        // Ready when the unix socket exists and the TCP port accepts.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: socketPath) && Rsyslog.accepts(port: tcpPort) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    func stop() {
        guard let process else { return }
        self.process = nil
        if process.isRunning {
            // rsyslogd started from the test process may ignore SIGTERM (an inherited signal mask):
            // a short grace, then SIGKILL. What it received is already in its output file.
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(0.5)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            let killed = Date().addingTimeInterval(2)
            while process.isRunning && Date() < killed { Thread.sleep(forTimeInterval: 0.05) }
        }
        try? FileManager.default.removeItem(atPath: socketPath)
    }

    deinit { stop() }

    /// The lines received so far.
    var lines: [String] {
        ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    static func freePort(type: __socket_type) -> UInt16 {
        let descriptor = socket(AF_INET, Int32(type.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                _ = bind(descriptor, pointer, length)
                return getsockname(descriptor, pointer, &length)
            }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    static func accepts(port: UInt16) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        } == 0
    }
}

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

/// Waits until `rsyslog` has written at least `lines` lines.
func waitForLines(_ rsyslog: Rsyslog, lines: Int, seconds: Double = 10) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if rsyslog.lines.count >= lines { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return rsyslog.lines.count >= lines
}
