import Alerts
import Events
import Foundation
import Rules
public import State
import Synchronization

/// Delivers alerts to syslog, so the hospital's SIEM receives them: RFC 5424 with structured data
/// (`[riskscreen@PEN alert_id=… priority=… referral=… rules_version=…]`) or RFC 3164, over a local
/// socket, UDP or TCP (octet-counted). Severity follows the priority: critical → crit, high → err,
/// medium → warning, low → notice; withdrawals at notice. Every control character in every field is
/// escaped, so no value can forge a log line.
public final class SyslogSink: Sink, Sendable {
    public let name = SinkName.syslog
    public let configuration: SyslogConfiguration
    /// The open TCP connection (a descriptor, -1 when none), reused until it fails.
    private let connection = Mutex<Int32>(-1)
    private let hostname: String

    public init(configuration: SyslogConfiguration) {
        self.configuration = configuration
        var buffer = [UInt8](repeating: 0, count: 256)
        buffer.withUnsafeMutableBytes { bytes in
            if let base = bytes.baseAddress {
                _ = gethostname(base.assumingMemoryBound(to: CChar.self), bytes.count - 1)
            }
        }
        let name = String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
        hostname = name.isEmpty ? "-" : String(name.filter { $0.isASCII && $0 > " " }.prefix(255))
    }

    deinit { connection.withLock { if $0 >= 0 { close($0) } } }

    public func deliver(_ delivery: Delivery) throws {
        guard let alert = JSONValue.parse(Array(delivery.payload.utf8)) else {
            throw DaemonError("the outbox row \(delivery.id) is not an alert record")
        }
        let priority = Priority(rawValue: alert["priority"]?.text ?? "") ?? .low
        guard priority >= configuration.minimumPriority else { return }
        let message = Array(format(alert, priority: priority, status: delivery.kind, payload: delivery.payload).utf8)
        try send(message)
    }

    /// The whole syslog message for one alert.
    func format(_ alert: JSONValue, priority: Priority, status: Alert.Status, payload: String) -> String {
        let withdrawn = status == .withdrawn
        let bySeverity: Int =
            switch priority {
            case .critical: 2
            case .high: 3
            case .medium: 4
            case .low: 5
            }
        let severity = withdrawn ? 5 : bySeverity
        let pri = "<\(configuration.facility * 8 + severity)>"
        let fields: [(String, String)] = [
            ("alert_id", alert["alert_id"]?.text ?? "-"), ("priority", priority.rawValue),
            ("referral", alert["referral"]?.text ?? "-"), ("rules_version", alert["rules_version"]?.text ?? "-"),
            ("status", status.rawValue),
        ]
        var text = fields.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        switch configuration.content {
        case .minimal: break
        case .standard:
            text += " unit=\(alert["unit"]?.text ?? "-") summary=\(alert["summary"]?.text ?? "")"
        case .full:
            text = payload
        }
        let body = Self.escape(text)
        switch configuration.format {
        case .rfc5424:
            let msgid = String(
                (alert["referral"]?.text ?? "-").filter { $0.isASCII && $0 > " " && $0 < "\u{7F}" }.prefix(32))
            let timestamp = alert["created_at"]?.text ?? "-"
            let data = fields.map { "\($0.0)=\"\(Self.escapeParameter($0.1))\"" }.joined(separator: " ")
            let header =
                "\(pri)1 \(timestamp) \(hostname) riskscreen \(getpid()) \(msgid.isEmpty ? "-" : msgid) "
                + "[riskscreen@\(configuration.enterpriseNumber) \(data)] "
            return truncate(header, body)
        case .rfc3164:
            // Local sockets take no hostname (as syslog(3) writes); network receivers do.
            let host: String
            if case .unix = configuration.transport { host = "" } else { host = hostname + " " }
            let header = "\(pri)\(Self.legacyTimestamp()) \(host)riskscreen[\(getpid())]: "
            return truncate(header, body)
        }
    }

    /// Header plus as much of the body as fits, cut on a character boundary, with a marker.
    private func truncate(_ header: String, _ body: String) -> String {
        let limit = configuration.maximumMessageBytes
        guard header.utf8.count + body.utf8.count > limit else { return header + body }
        let marker = "…[truncated]"
        var kept = ""
        var bytes = header.utf8.count + marker.utf8.count
        for character in body {
            bytes += character.utf8.count
            if bytes > limit { break }
            kept.append(character)
        }
        return header + kept + marker
    }

    /// Control characters (newlines included) written as `\n`, `\t` or `\uXXXX`.
    static func escape(_ text: String) -> String { ControlCharacters.escaped(text, style: .json) }

    /// An RFC 5424 PARAM-VALUE: `"`, `\` and `]` escaped with a backslash, controls as above.
    static func escapeParameter(_ text: String) -> String {
        escape(text).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "]", with: "\\]")
    }

    private static func legacyTimestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let day = parts.tm_mday < 10 ? " \(parts.tm_mday)" : "\(parts.tm_mday)"
        return "\(months[Int(parts.tm_mon)]) \(day) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }

    private func send(_ message: [UInt8]) throws {
        switch configuration.transport {
        case .unix(let path):
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
                throw DaemonError("the socket path \(path) is too long")
            }
            withUnsafeMutableBytes(of: &address.sun_path) { buffer in
                for (index, byte) in bytes.enumerated() { buffer[index] = byte }
            }
            try datagram(family: AF_UNIX, address: address, message: message, what: path)
        case .udp(let host, let port):
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
                throw DaemonError("\(host) is not an IPv4 address")
            }
            try datagram(family: AF_INET, address: address, message: message, what: "\(host):\(port)")
        case .tcp(let host, let port):
            try stream(host: host, port: port, frame: Array("\(message.count) ".utf8) + message)
        }
    }

    private func datagram<Address>(family: Int32, address: Address, message: [UInt8], what: String) throws {
        let descriptor = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw FileSystem.failure("cannot open a socket to \(what)") }
        defer { close(descriptor) }
        var address = address
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                message.withUnsafeBytes {
                    sendto(
                        descriptor, $0.baseAddress, $0.count, 0, socketAddress, socklen_t(MemoryLayout<Address>.size))
                }
            }
        }
        guard sent == message.count else { throw FileSystem.failure("cannot send to syslog at \(what)") }
    }

    private func stream(host: String, port: UInt16, frame: [UInt8]) throws {
        try connection.withLock { connection in
            // A receiver that went away has sent its FIN: reconnect rather than write into a dead socket
            // (the kernel would accept the bytes and the receiver never see them).
            if connection >= 0 && Self.peerClosed(connection) {
                close(connection)
                connection = -1
            }
            if connection < 0 { connection = try Self.connect(host: host, port: port) }
            var written = 0
            while written < frame.count {
                let descriptor = connection
                let count = frame.withUnsafeBytes {
                    Glibc.send(descriptor, $0.baseAddress! + written, $0.count - written, Int32(MSG_NOSIGNAL))
                }
                if count < 0 {
                    if errno == EINTR { continue }
                    let error = FileSystem.failure("the syslog connection to \(host):\(port) failed; will reconnect")
                    close(connection)
                    connection = -1
                    throw error
                }
                written += count
            }
        }
    }

    /// A new TCP connection to the receiver.
    private static func connect(host: String, port: UInt16) throws -> Int32 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw DaemonError("\(host) is not an IPv4 address")
        }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw FileSystem.failure("cannot open a socket to \(host):\(port)") }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let error = FileSystem.failure("cannot connect to syslog at \(host):\(port); will retry")
            close(descriptor)
            throw error
        }
        return descriptor
    }
}

extension SyslogSink {
    /// Whether the other end of a connected socket has closed it (or it failed).
    static func peerClosed(_ descriptor: Int32) -> Bool {
        var poll = pollfd(fd: descriptor, events: Int16(POLLIN) | 0x2000, revents: 0)  // 0x2000: POLLRDHUP
        guard Glibc.poll(&poll, 1, 0) > 0 else { return false }
        if poll.revents & (Int16(POLLERR) | Int16(POLLHUP) | 0x2000) != 0 { return true }
        var byte: UInt8 = 0
        return recv(descriptor, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT)) == 0
    }
}

extension JSONValue {
    /// The value as text: a string as it is, anything else as JSON.
    var text: String {
        if case .string(let value) = self { return value }
        return serialized
    }
}
