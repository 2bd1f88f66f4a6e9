import Foundation
import Testing

/// A datagram socket standing in for systemd's notification socket.
final class NotifySocket {
    let path: String
    private let descriptor: Int32
    private let received = LockedText()
    private var thread: Thread?

    init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0)
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let fd = descriptor
        let received = self.received
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !Thread.current.isCancelled {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 { received.append(Data(buffer[0..<count] + Array("\n--\n".utf8))) }
            }
        }
        thread.start()
        self.thread = thread
    }

    /// Every message so far, in order.
    var messages: [String] { received.text.components(separatedBy: "\n--\n").filter { !$0.isEmpty } }

    deinit {
        thread?.cancel()
        Thread.sleep(forTimeInterval: 0.15)
        close(descriptor)
    }
}

@Suite("systemd: notifications, the watchdog, the unit", .serialized)
struct SystemdTests {
    private func setUp() throws -> (TemporaryDirectory, String, String) {
        try TemporaryDirectory.daemonHome(copyingRules: true)
    }

    @Test("READY=1 after the first scan, RELOADING=1 with MONOTONIC_USEC then READY=1 on SIGHUP, STOPPING=1 on SIGTERM")
    func notifications() throws {
        let (directory, home, rules) = try setUp()
        let socket = try NotifySocket(path: directory.path + "/notify.sock")
        let daemon = try RunningDaemon(home: home, rules: rules, environment: ["NOTIFY_SOCKET": socket.path])
        #expect(
            daemon.wait { socket.messages.contains { $0.hasPrefix("READY=1\nSTATUS=watching ") } }, "\(socket.messages)"
        )
        daemon.signal(SIGHUP)
        #expect(daemon.wait { socket.messages.filter { $0.hasPrefix("READY=1") }.count == 2 }, "\(socket.messages)")
        let reloading = try #require(socket.messages.first { $0.hasPrefix("RELOADING=1") })
        let monotonic = try #require(reloading.split(separator: "\n").last)
        #expect(monotonic.hasPrefix("MONOTONIC_USEC="))
        #expect(UInt64(monotonic.dropFirst("MONOTONIC_USEC=".count)) ?? 0 > 0)
        let order = socket.messages.map { $0.split(separator: "\n")[0] }
        #expect(order.firstIndex(of: "RELOADING=1") ?? 0 > order.firstIndex(of: "READY=1") ?? 99)
        #expect(daemon.stop().status == 0)
        #expect(daemon.wait(seconds: 2) { socket.messages.last == "STOPPING=1" }, "\(socket.messages)")
    }

    @Test("WATCHDOG=1 about every half of WATCHDOG_USEC; none when WATCHDOG_PID names another process")
    func watchdog() throws {
        let (directory, home, rules) = try setUp()
        let socket = try NotifySocket(path: directory.path + "/notify.sock")
        let daemon = try RunningDaemon(
            home: home, rules: rules, environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "400000"])
        #expect(daemon.wait { socket.messages.filter { $0 == "WATCHDOG=1" }.count >= 4 }, "\(socket.messages)")
        #expect(daemon.stop().status == 0)

        let other = try NotifySocket(path: directory.path + "/other.sock")
        let quiet = try RunningDaemon(
            home: home, rules: rules,
            environment: ["NOTIFY_SOCKET": other.path, "WATCHDOG_USEC": "400000", "WATCHDOG_PID": "1"])
        #expect(quiet.wait { other.messages.contains { $0.hasPrefix("READY=1") } })
        Thread.sleep(forTimeInterval: 0.6)
        #expect(!other.messages.contains("WATCHDOG=1"))
        #expect(quiet.stop().status == 0)
    }

    @Test(
        "the systemd units (daemon and worklist) pass systemd-analyze verify",
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"),
            "systemd-analyze is not installed"),
        arguments: ["riskscreen.service", "riskscreen-web.service"])
    func unitVerifies(name: String) throws {
        let directory = try TemporaryDirectory()
        let unit = try String(
            contentsOf: RiskScreenProcess.packageRoot.appendingPathComponent("deploy/systemd/\(name)"),
            encoding: .utf8)
        // Verify with this build's binary in place of the installed path.
        let local = unit.replacingOccurrences(of: "/usr/local/bin/riskscreen", with: RiskScreenProcess.binary.path)
        #expect(local != unit, "the unit starts the installed binary")
        let file = directory.url.appendingPathComponent(name)
        try local.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
        process.arguments = ["verify", file.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // Only the service's own lines count: the host may lack users or other units.
        let ours = output.split(separator: "\n").filter {
            $0.contains(name) && !$0.contains("User=") && !$0.contains("Group=")
        }
        #expect(process.terminationStatus == 0 || ours.isEmpty, "\(output)")
        #expect(ours.isEmpty, "\(output)")
    }
}
