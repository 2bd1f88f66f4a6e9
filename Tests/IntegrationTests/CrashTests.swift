import Foundation
import State
import Testing

/// The process is killed with SIGKILL at each step of the protocol and run again: every event ends
/// in the ledger once, and the directory queue holds each expected alert exactly once.
@Suite("Crash at each step of the protocol, then restart")
struct CrashTests {
    /// The samples (13 alerts from 19 events, one withdrawn by a cancel) plus the invalid ones.
    static let samples = ValidateCommandTests.samples.map { ($0 as NSString).lastPathComponent }

    private func run(home: String, crashAt point: String?) throws -> RiskScreenProcess.Result {
        var arguments = [
            "run", "--once", "--home", home, "--rules",
            RiskScreenProcess.packageRoot.appendingPathComponent("rules").path, "--minimum-age", "0",
        ]
        if point != nil { arguments.insert(contentsOf: ["--log-level", "error"], at: 1) }
        return try RiskScreenProcess.run(arguments, environment: point.map { ["RISKSCREEN_TEST_CRASH_AT": $0] } ?? [:])
    }

    @Test(
        "killed at a step, restarted, nothing lost and nothing doubled",
        arguments: ["after-claim", "after-commit", "after-archive", "mid-delivery"])
    func crashAndRestart(_ point: String) throws {
        let directory = try TemporaryDirectory()
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        for sample in Self.samples {
            try SampleEvents.write(sample, to: home + "/inbox/" + sample)
        }
        // Crash at the first time the point is reached, again and again, until a run survives.
        var crashes = 0
        var result = try run(home: home, crashAt: point)
        while result.status == 9 || result.terminationReasonWasSignal, crashes < 40 {
            crashes += 1
            result = try run(home: home, crashAt: point)
        }
        #expect(crashes >= 1, "the crash point \(point) was never reached")
        // And a last run without any crash point.
        _ = try run(home: home, crashAt: nil)

        let store = try SQLiteStateStore(path: home + "/state.db")
        #expect(try store.ledgerCount() == 19)
        #expect(try store.pendingDeliveries(sink: .queue, limit: 100).isEmpty)
        let queue = (try FileManager.default.contentsOfDirectory(atPath: home + "/alerts")).filter {
            $0.hasSuffix(".json") && !$0.hasPrefix(".")
        }
        #expect(queue.count == 12)  // the open queue; sample 12's alert, withdrawn by 18, in closed/
        let closed = try FileManager.default.contentsOfDirectory(atPath: home + "/alerts/closed").flatMap {
            try FileManager.default.contentsOfDirectory(atPath: home + "/alerts/closed/" + $0)
        }
        #expect(closed.filter { $0.hasSuffix("rs-457dc9dfa6c0d115e1e3150f.json") }.count == 1)
        #expect(Set(queue).isDisjoint(with: closed))
        let archived = try FileManager.default.contentsOfDirectory(atPath: home + "/archive").flatMap {
            try FileManager.default.contentsOfDirectory(atPath: home + "/archive/" + $0)
        }
        #expect(archived.count == 19)
        #expect(try FileManager.default.contentsOfDirectory(atPath: home + "/inbox/.work").isEmpty)
        // alerts.jsonl is at-least-once: a crash mid-delivery may repeat a line, never lose one.
        let lines = try String(contentsOfFile: home + "/alerts.jsonl", encoding: .utf8).split(separator: "\n")
        let ids = Set(
            lines.compactMap { line in
                line.range(of: #""alert_id":"[^"]+""#, options: .regularExpression).map { String(line[$0]) }
            })
        #expect(ids.count == 13)
        #expect(lines.count >= 14)  // 13 alerts and one withdrawal
        #expect(lines.last { $0.contains("rs-457dc9dfa6c0d115e1e3150f") }?.contains(#""status":"withdrawn""#) == true)
    }
}
