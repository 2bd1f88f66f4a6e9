import Foundation
import State
import Testing

/// The daemon killed with SIGKILL again and again while it drains a backlog, restarted each time:
/// afterwards every event is in the ledger once and every alert in the queue once. (A scaled-down
/// soak; `scripts/soak` runs the full one: 5,000 events and 20 kills.)
@Suite("Soak: SIGKILL during a drain, again and again", .serialized)
struct SoakTests {
    /// Alerts each sample raises as a patient of its own (samples 01–19 in order).
    static let alertsPerSample = [0, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0]

    @Test("a backlog drained through repeated SIGKILLs: each event recorded once, each alert queued once")
    func killedWhileDraining() throws {
        // 600 events and 6 kills here; scripts/soak sets 5,000 and 20. Enough events that the first
        // kill, soon after the first group is archived, comes while most are still waiting.
        let environment = ProcessInfo.processInfo.environment
        let count = environment["RISKSCREEN_SOAK_EVENTS"].flatMap { Int($0) } ?? 600
        let killCount = environment["RISKSCREEN_SOAK_KILLS"].flatMap { Int($0) } ?? 6
        let directory = try TemporaryDirectory()
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        let samples = ValidateCommandTests.samples.map { ($0 as NSString).lastPathComponent }
        for index in 0..<count {
            let text = try SampleEvents.asNewPatient(samples[index % samples.count], id: "SOAK-\(index)")
            try text.write(toFile: home + "/staging", atomically: false, encoding: .utf8)
            #expect(rename(home + "/staging", home + "/inbox/soak-\(index).json") == 0)
        }
        let rules = RiskScreenProcess.packageRoot.appendingPathComponent("rules").path
        var generator = SystemRandomNumberGenerator()
        var killedMidway = 0
        var previous = 0
        for _ in 0..<killCount {
            let daemon = try RunningDaemon(home: home, rules: rules)
            func done() -> Int { daemon.files("archive").flatMap { daemon.files("archive/" + $0) }.count }
            // Once it has made progress (later under a sanitizer), a random moment more, then kill.
            _ = daemon.wait(seconds: 60) { done() > previous || done() == count }
            Thread.sleep(forTimeInterval: Double.random(in: 0...0.05, using: &generator))
            kill(daemon.process.processIdentifier, SIGKILL)
            daemon.process.waitUntilExit()
            previous = done()
            if previous > 0 && previous < count { killedMidway += 1 }
        }
        #expect(killedMidway > 0, "no kill came while the backlog was draining")
        let expectedAlerts = (0..<count).reduce(0) { $0 + Self.alertsPerSample[$1 % Self.alertsPerSample.count] }
        // A last run to the end (started before it is stopped: a SIGTERM during start-up, before
        // the handlers are in place, would end it by the signal).
        let daemon = try RunningDaemon(home: home, rules: rules)
        #expect(daemon.wait(seconds: 60) { daemon.log.contains("riskscreen started") }, "\(daemon.log)")
        func archived() -> Int { daemon.files("archive").flatMap { daemon.files("archive/" + $0) }.count }
        #expect(daemon.wait(seconds: 600) { archived() == count }, "archived \(archived()) of \(count)")
        #expect(
            daemon.wait(seconds: 60) { daemon.files("alerts").filter { !$0.hasPrefix(".") }.count == expectedAlerts })
        #expect(daemon.stop().status == 0)

        let store = try SQLiteStateStore(readingFrom: home + "/state.db")
        #expect(try store.ledgerCount() == count)
        for index in 0..<count { #expect(try store.ledgerEntry(eventID: "SOAK-\(index)")?.duplicates ?? -1 >= 0) }
        #expect(try store.queuedAlerts(includeClosed: true).count == expectedAlerts)
        #expect(try store.pendingDeliveries(sink: .queue, limit: 10).isEmpty)
        let queue = daemon.files("alerts").filter { !$0.hasPrefix(".") }
        let ids = Set(queue.map { String($0.split(separator: "-").suffix(2).joined(separator: "-").dropLast(5)) })
        #expect(ids.count == expectedAlerts && queue.count == expectedAlerts, "an alert is in the queue twice")
        #expect(daemon.files("inbox").filter { $0.hasSuffix(".json") }.isEmpty)
        #expect(daemon.files("inbox/.work").isEmpty)
        let lines = try String(contentsOfFile: home + "/alerts.jsonl", encoding: .utf8).split(separator: "\n")
        let lineIDs = Set(
            lines.compactMap { line in
                line.range(of: #""alert_id":"[^"]+""#, options: .regularExpression).map { String(line[$0]) }
            })
        #expect(lineIDs.count == expectedAlerts)  // at-least-once: a repeated line has the same id
    }
}
