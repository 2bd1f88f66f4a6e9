import Foundation

/// Tells systemd how the daemon is doing, without libsystemd: one datagram per message to the
/// socket in `$NOTIFY_SOCKET` (a leading `@` is the abstract namespace). Does nothing when the
/// variable is not set, so the daemon runs the same outside systemd.
///
/// Messages: `READY=1` once the first scan is done, `STATUS=…` as it works, `RELOADING=1` with
/// `MONOTONIC_USEC=` before a reload (for `Type=notify-reload`) and `READY=1` after it,
/// `STOPPING=1` on shutdown, and `WATCHDOG=1` every half of `$WATCHDOG_USEC` when the watchdog is on
/// for this process (`$WATCHDOG_PID` absent or ours).
public struct SystemdNotifier: Sendable {
    private let socketPath: String?
    /// Seconds between watchdog pings, when systemd asked for them.
    public let watchdogInterval: Double?

    /// Reads `$NOTIFY_SOCKET`, `$WATCHDOG_USEC` and `$WATCHDOG_PID` from the process's environment.
    public init() { self.init(environment: ProcessInfo.processInfo.environment) }

    /// Reads `$NOTIFY_SOCKET`, `$WATCHDOG_USEC` and `$WATCHDOG_PID` from `environment`.
    public init(environment: [String: String]) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        if let text = environment["WATCHDOG_USEC"], let microseconds = Double(text), microseconds > 0,
            environment["WATCHDOG_PID"].map({ Int32($0) == getpid() }) ?? true
        {
            watchdogInterval = microseconds / 2 / 1_000_000
        } else {
            watchdogInterval = nil
        }
    }

    /// Whether systemd is listening.
    public var isActive: Bool { socketPath != nil }

    /// Sends one message (lines `KEY=value`); failures are ignored, as sd_notify does.
    public func send(_ message: String) {
        guard let socketPath else { return }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.enumerated() { buffer[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (path.first == 0 ? 0 : 1))
        let bytes = Array(message.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bytes.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, 0, socketAddress, length) }
            }
        }
    }

    /// `RELOADING=1` with the monotonic clock in microseconds, as `Type=notify-reload` requires.
    public func reloading() {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        let microseconds = UInt64(time.tv_sec) * 1_000_000 + UInt64(time.tv_nsec) / 1000
        send("RELOADING=1\nMONOTONIC_USEC=\(microseconds)")
    }
}
