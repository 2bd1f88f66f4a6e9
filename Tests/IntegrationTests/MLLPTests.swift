import Foundation
import TestSupport
import Testing

/// Where scripts/install-test-tools puts the PyPI tools.
enum PythonTools {
    static let bin = RiskScreenProcess.packageRoot.appendingPathComponent(".build/python-tools/bin")
    static let mllpSend = bin.appendingPathComponent("mllp_send")
}

/// The MLLP listener through a real HL7 client (`mllp_send` from the hl7 package on PyPI, put in
/// .build/python-tools by scripts/install-test-tools) against the real daemon on loopback.
@Suite(
    "MLLP: HL7 v2 over TCP, stored durably before the ACK",
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: PythonTools.mllpSend.path),
        "the MLLP client is not installed (scripts/install-test-tools puts mllp_send in .build/python-tools)"))
struct MLLPTests {
    static let tools = PythonTools.bin
    static let client = PythonTools.mllpSend

    /// A daemon home with an MLLP listener on a free loopback port.
    static func daemon(environment: [String: String] = [:], home: String? = nil, port: Int? = nil, maxBytes: Int? = nil)
        throws -> (RunningDaemon, home: String, port: Int, directory: TemporaryDirectory?)
    {
        var directory: TemporaryDirectory?
        var homePath = home ?? ""
        var rules = RiskScreenProcess.packageRoot.appendingPathComponent("rules").path
        if home == nil {
            let (made, madeHome, madeRules) = try TemporaryDirectory.daemonHome(copyingRules: false)
            directory = made
            homePath = madeHome
            rules = madeRules
        }
        let port = port ?? Int(Rsyslog.freePort(type: SOCK_STREAM))
        let config = homePath + "/../riskscreen-\(port).yaml"
        var text = "timezone: America/New_York\nmllp:\n  listen: 127.0.0.1:\(port)\n  idle_timeout: 20s\n"
        if let maxBytes { text += "  max_message_bytes: \(maxBytes)\n" }
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try RunningDaemon(
            home: homePath, rules: rules, extra: ["--config", config], environment: environment)
        #expect(daemon.wait { daemon.log.contains("MLLP listening") }, "\(daemon.log)")
        return (daemon, homePath, port, directory)
    }

    /// Sends the messages of `file` with mllp_send (one connection, one message after another);
    /// returns its output (the ACKs) and exit status.
    static func send(_ file: String, port: Int) throws -> (status: Int32, output: String) {
        try run(client, ["--loose", "--file", file, "--port", "\(port)", "127.0.0.1"])
    }

    /// Sends raw bytes through the hl7 package's own client class; returns the reply.
    static func sendRaw(_ bytes: String, port: Int) throws -> String {
        try run(
            tools.appendingPathComponent("python"),
            [
                "-c",
                "import sys, hl7.client as c; print(c.MLLPClient('127.0.0.1', int(sys.argv[1])).send_message(sys.argv[2].encode()).decode())",
                "\(port)", bytes,
            ]
        ).output
    }

    /// Runs a tool to its end; its exit status and what it printed (stdout and stderr together).
    static func run(_ executable: URL, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func sample(_ name: String) -> String {
        RiskScreenProcess.packageRoot.appendingPathComponent("samples/hl7v2/" + name).path
    }

    static func archived(_ home: String) -> [String] {
        let days = (try? FileManager.default.contentsOfDirectory(atPath: home + "/archive")) ?? []
        return days.flatMap { (try? FileManager.default.contentsOfDirectory(atPath: home + "/archive/" + $0)) ?? [] }
    }

    @Test("messages from a real MLLP client are acknowledged AA, screened once each; sent again, nothing doubles")
    func acknowledgedAndScreened() throws {
        let (daemon, home, port, directory) = try Self.daemon()
        defer {
            _ = daemon.stop()
            withExtendedLifetime(directory) {}
        }
        // Two messages of one stay in one stream, the way an engine sends them.
        let stream = directory!.path + "/stream.hl7"
        let text =
            try String(contentsOfFile: Self.sample("a01-admission.hl7"), encoding: .utf8)
            + String(contentsOfFile: Self.sample("a03-discharge.hl7"), encoding: .utf8)
        try text.write(toFile: stream, atomically: true, encoding: .utf8)
        let sent = try Self.send(stream, port: port)
        #expect(sent.status == 0, "\(sent.output)")
        #expect(
            sent.output.contains("MSA|AA|HL7-A01-0001") && sent.output.contains("MSA|AA|HL7-A03-0002"), "\(sent.output)"
        )
        #expect(sent.output.contains("ACK^A03^ACK"))
        #expect(daemon.wait { Self.archived(home).filter { $0.hasPrefix("mllp-") }.count == 2 }, "\(daemon.log)")
        #expect(daemon.wait { daemon.files("alerts").contains { $0.hasSuffix(".json") } })
        let alerts = daemon.files("alerts").filter { $0.hasSuffix(".json") }.count
        // The engine resends both (it lost the ACKs): acknowledged again, duplicates by MSH-10.
        let again = try Self.send(stream, port: port)
        #expect(again.output.components(separatedBy: "MSA|AA|").count - 1 == 2, "\(again.output)")
        #expect(
            daemon.wait { daemon.log.components(separatedBy: "duplicate event archived").count - 1 == 2 },
            "\(daemon.log)")
        #expect(daemon.files("alerts").filter { $0.hasSuffix(".json") }.count == alerts)
        let files = try FileManager.default.attributesOfItem(
            atPath: home + "/archive/" + (try FileManager.default.contentsOfDirectory(atPath: home + "/archive")[0])
                + "/"
                + Self.archived(home).first { $0.hasPrefix("mllp-") }!)
        #expect((files[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test("several connections at once: every message acknowledged and stored once")
    func concurrentConnections() throws {
        let (daemon, home, port, directory) = try Self.daemon()
        defer {
            _ = daemon.stop()
            withExtendedLifetime(directory) {}
        }
        let base = try String(contentsOfFile: Self.sample("a01-admission.hl7"), encoding: .utf8)
        var senders: [Process] = []
        for sender in 1...4 {
            var stream = ""
            for message in 1...5 {
                let id = "C\(sender)-\(message)"
                stream += base.replacingOccurrences(of: "HL7-A01-0001", with: "MSG-\(id)")
                    .replacingOccurrences(of: "S-200101", with: "S-\(id)").replacingOccurrences(
                        of: "V-7001", with: "V-\(id)")
            }
            let file = directory!.path + "/sender-\(sender).hl7"
            try stream.write(toFile: file, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = Self.client
            process.arguments = ["--loose", "--file", file, "--port", "\(port)", "127.0.0.1"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            senders.append(process)
        }
        for process in senders { process.waitUntilExit() }
        #expect(senders.allSatisfy { $0.terminationStatus == 0 })
        #expect(daemon.wait { Self.archived(home).filter { $0.hasPrefix("mllp-") }.count == 20 }, "\(daemon.log)")
        #expect(daemon.log.components(separatedBy: "MLLP message stored").count - 1 == 20)
        #expect(daemon.wait { daemon.log.components(separatedBy: "event processed").count - 1 == 20 }, "\(daemon.log)")
    }

    @Test("what is not HL7 is answered AE with an ERR segment and kept in quarantine; too large is AR")
    func refusals() throws {
        let (daemon, home, port, directory) = try Self.daemon(maxBytes: 2048)
        defer {
            _ = daemon.stop()
            withExtendedLifetime(directory) {}
        }
        let reply = try Self.sendRaw("this is not HL7\r", port: port)
        #expect(
            reply.contains("MSA|AE") && reply.contains("ERR|") && reply.contains("before any MSH segment"), "\(reply)")
        #expect(
            daemon.wait {
                daemon.files("quarantine").contains { $0.hasPrefix("mllp-") && $0.hasSuffix(".reason.json") }
            })
        let large =
            "MSH|^~\\&|A|B|C|D|20261124103500-0500||ADT^A01|BIG-1|P|2.5.1\rNTE|1||"
            + String(repeating: "x", count: 4000) + "\r"
        let refused = try Self.sendRaw(large, port: port)
        #expect(refused.contains("MSA|AR") && refused.contains("max_message_bytes"), "\(refused)")
        #expect(
            !(try FileManager.default.contentsOfDirectory(atPath: home + "/inbox")).contains { $0.hasPrefix("mllp-") })
    }

    @Test("killed after storing a message and before its ACK: the sender resends, the message is screened once")
    func killedBeforeAck() throws {
        let (crashing, home, port, directory) = try Self.daemon(environment: [
            "RISKSCREEN_TEST_CRASH_AT": "mllp-before-ack"
        ])
        defer { withExtendedLifetime(directory) {} }
        let sent = try Self.send(Self.sample("a03-discharge.hl7"), port: port)
        #expect(!sent.output.contains("MSA|AA"), "no ACK came: \(sent.output)")
        #expect(crashing.wait { !crashing.process.isRunning })
        #expect(crashing.process.terminationReason == .uncaughtSignal && crashing.process.terminationStatus == SIGKILL)
        // The message is durable although no ACK went out: in the inbox, claimed, or already
        // screened (the daemon may have taken it in the moment before it was killed).
        let stored =
            ((try? FileManager.default.contentsOfDirectory(atPath: home + "/inbox")) ?? [])
            + ((try? FileManager.default.contentsOfDirectory(atPath: home + "/inbox/.work")) ?? [])
            + Self.archived(home)
        #expect(stored.filter { $0.hasPrefix("mllp-") }.count == 1, "\(stored)")
        // Restarted; the engine, without an ACK, sends the message again.
        let (daemon, _, _, _) = try Self.daemon(home: home, port: port)
        defer { _ = daemon.stop() }
        let resent = try Self.send(Self.sample("a03-discharge.hl7"), port: port)
        #expect(resent.output.contains("MSA|AA|HL7-A03-0002"), "\(resent.output)")
        #expect(daemon.wait { Self.archived(home).filter { $0.hasPrefix("mllp-") }.count == 2 }, "\(daemon.log)")
        #expect(daemon.log.components(separatedBy: "duplicate event archived").count - 1 == 1, "\(daemon.log)")
        // One alert: the message was screened once.
        let list = try RiskScreenProcess.run(["queue", "list", "--home", home, "--json"])
        #expect(list.stdoutLines.count == 1, "\(list.stdout)")
    }
}
