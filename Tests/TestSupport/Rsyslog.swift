public import Foundation
import Testing

/// A real rsyslogd of the test's own: UDP and TCP on 127.0.0.1 at ports the test picks, a unix
/// socket in the test's folder, and everything it receives written to a file. Stopped by the test.
public final class Rsyslog {
    public let directory: String
    public let udpPort: UInt16
    public let tcpPort: UInt16
    public var socketPath: String { directory + "/log.sock" }
    public var output: String { directory + "/received.log" }
    private var process: Process?

    public init(directory: String) throws {
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

    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: "/usr/sbin/rsyslogd") }

    /// Writes a daemon configuration in `directory` that sends alerts to the queue, alerts.jsonl
    /// and this receiver over UDP (facility local0, `content` as given); returns its path.
    public func daemonConfiguration(in directory: String, content: String = "minimal") throws -> String {
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

    public func start() throws {
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

    public func stop() {
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
    public var lines: [String] {
        ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    public static func freePort(type: __socket_type) -> UInt16 {
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

    public static func accepts(port: UInt16) -> Bool {
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

extension Rsyslog {
    /// A receiver started in `directory` for a test that needs one; `nil` after recording an issue
    /// when rsyslogd is not installed (scripts/install-system-packages installs it), so the test
    /// fails rather than passing in silence.
    public static func required(in directory: String) throws -> Rsyslog? {
        guard isInstalled else {
            Issue.record("rsyslogd is not installed; scripts/install-system-packages installs it")
            return nil
        }
        return try Rsyslog(directory: directory)
    }
}

/// Waits until `rsyslog` has written at least `lines` lines.
public func waitForLines(_ rsyslog: Rsyslog, lines: Int, seconds: Double = 10) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if rsyslog.lines.count >= lines { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return rsyslog.lines.count >= lines
}
