import Events
import Rules
import State
import Testing

@testable import Daemon

@Suite("Syslog messages: severity, structured data, escaping, truncation, minimum priority")
struct SyslogFormatTests {
    private func alert(
        priority: String = "high", referral: String = "discharge-planning", summary: String = "Lives alone",
        status: String = "open"
    ) -> JSONValue {
        .object([
            JSONMember(key: "alert_id", value: "rs-0123456789abcdef01234567"),
            JSONMember(key: "created_at", value: "2026-11-22T15:00:00Z"),
            JSONMember(key: "unit", value: "4W"),
            JSONMember(key: "priority", value: .string(priority)),
            JSONMember(key: "referral", value: .string(referral)),
            JSONMember(key: "summary", value: .string(summary)),
            JSONMember(key: "rules_version", value: "sha256:abc"),
            JSONMember(key: "status", value: .string(status)),
        ])
    }

    private func sink(_ change: (inout SyslogConfiguration) -> Void = { _ in }) -> SyslogSink {
        var configuration = SyslogConfiguration()
        configuration.transport = .udp("127.0.0.1", 9)
        change(&configuration)
        return SyslogSink(configuration: configuration)
    }

    @Test("RFC 5424: PRI from facility and priority, MSGID the referral, structured data under riskscreen@PEN")
    func rfc5424() {
        let message = sink().format(alert(), priority: .high, status: .open, payload: "")
        #expect(message.hasPrefix("<131>1 2026-11-22T15:00:00Z "))
        #expect(message.contains(" riskscreen "))
        #expect(
            message.contains(
                " discharge-planning [riskscreen@32473 alert_id=\"rs-0123456789abcdef01234567\" priority=\"high\" referral=\"discharge-planning\" rules_version=\"sha256:abc\" status=\"open\"] "
            ))
    }

    @Test("severities: critical → crit, high → err, medium → warning, low → notice; withdrawals at notice")
    func severities() {
        let local0 = sink()
        for (priority, pri) in [(Priority.critical, "<130>"), (.high, "<131>"), (.medium, "<132>"), (.low, "<133>")] {
            #expect(
                local0.format(alert(priority: priority.rawValue), priority: priority, status: .open, payload: "")
                    .hasPrefix(pri))
        }
        #expect(
            local0.format(
                alert(priority: "critical", status: "withdrawn"), priority: .critical, status: .withdrawn, payload: ""
            ).hasPrefix(
                "<133>"))
        let local3 = sink { $0.facility = 19 }
        #expect(local3.format(alert(), priority: .high, status: .open, payload: "").hasPrefix("<155>"))
    }

    @Test("a newline or control character in any field is escaped, so nobody can forge a log line")
    func escaping() {
        let hostile = alert(referral: "x\"]\nFAKE", summary: "one\ntwo\u{1B}[31m")
        let message = sink { $0.content = .standard }.format(hostile, priority: .high, status: .open, payload: "")
        #expect(!message.contains("\n"))
        #expect(!message.contains("\u{1B}"))
        #expect(message.contains("summary=one\\ntwo\\u001b[31m"))
        // In structured data the escaped newline's backslash is itself escaped (RFC 5424 PARAM-VALUE).
        #expect(message.contains(#"referral="x\"\]\\nFAKE""#))
    }

    @Test("a message over the limit is cut on a character boundary, with a marker")
    func truncation() {
        let long = String(repeating: "é", count: 2000)
        let message = sink {
            $0.content = .standard; $0.maximumMessageBytes = 300
        }.format(alert(summary: long), priority: .high, status: .open, payload: "")
        #expect(message.utf8.count <= 300)
        #expect(message.hasSuffix("…[truncated]"))
        #expect(String(validating: Array(message.utf8), as: UTF8.self) != nil)
    }

    @Test("RFC 3164 over the local socket carries no hostname; over the network it does")
    func rfc3164() {
        let local = sink {
            $0.format = .rfc3164; $0.transport = .unix("/dev/log")
        }.format(alert(), priority: .high, status: .open, payload: "")
        #expect(
            local.range(
                of: #"^<131>[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d riskscreen\[\d+\]: alert_id="#,
                options: .regularExpression) != nil)
        let network = sink { $0.format = .rfc3164 }.format(alert(), priority: .high, status: .open, payload: "")
        #expect(
            network.range(
                of: #"^<131>[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d \S+ riskscreen\[\d+\]: "#, options: .regularExpression
            ) != nil)
    }

    @Test("alerts below the minimum priority are not sent")
    func minimumPriority() throws {
        // A UDP port nobody listens on: sending would still succeed, so use an unroutable unix path,
        // where a send fails: a skipped alert never tries.
        let skipping = SyslogSink(
            configuration: {
                var configuration = SyslogConfiguration()
                configuration.transport = .unix("/nonexistent/riskscreen-test.sock")
                configuration.minimumPriority = .high
                return configuration
            }())
        let low = Delivery(
            id: 1, sink: .syslog, alertID: "rs-x", payload: alert(priority: "low").serialized, attempts: 0,
            priority: .low, createdAt: "2026-11-22T15:00:00Z")
        #expect(throws: Never.self) { try skipping.deliver(low) }
        let high = Delivery(
            id: 2, sink: .syslog, alertID: "rs-y", payload: alert(priority: "high").serialized, attempts: 0,
            priority: .high, createdAt: "2026-11-22T15:00:00Z")
        #expect(throws: (any Error).self) { try skipping.deliver(high) }
    }
}
