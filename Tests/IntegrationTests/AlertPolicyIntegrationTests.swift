import Foundation
import State
import TestSupport
import Testing

/// Events made from a sample by changing some of its properties, dropped the way a feed drops them.
struct EventMaker {
    let object: [String: Any]

    /// `moved`: the sample moved with the clock (``SampleEvents``), or as written.
    init(sample: String, moved: Bool = true) throws {
        let data =
            moved
            ? Data(try SampleEvents.text(sample).utf8)
            : try Data(contentsOf: RiskScreenProcess.packageRoot.appendingPathComponent("samples/" + sample))
        object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The sample with `changes` applied: each key a dotted path, each value the new value (`NSNull`
    /// removes it).
    func make(_ changes: [String: Any]) throws -> Data {
        var copy = object
        for (path, value) in changes { KeyPaths.set(&copy, dotted: path, value) }
        return try JSONSerialization.data(withJSONObject: copy, options: [.sortedKeys])
    }

}

extension RunningDaemon {
    /// Writes `data` beside the inbox and renames it in, then waits until the daemon has archived it.
    func drop(_ data: Data, as name: String) throws {
        let staging = home + "/" + name + ".staging"
        try data.write(to: URL(fileURLWithPath: staging))
        #expect(rename(staging, home + "/inbox/" + name) == 0)
        #expect(
            wait { files("archive").contains { day in files("archive/" + day).contains(name) } },
            "\(name) was not archived: \(log)")
    }

    /// The alert records in the directory queue.
    func queuedRecords() throws -> [[String: Any]] {
        try files("alerts").filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { file in
            let data = try Data(contentsOf: URL(fileURLWithPath: home + "/alerts/" + file))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
    }

    /// The alert records moved out of the open queue (closed or withdrawn), from `alerts/closed/DAY/`.
    func closedRecords() throws -> [[String: Any]] {
        try files("alerts/closed").flatMap { day in
            try files("alerts/closed/" + day).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { file in
                let data = try Data(contentsOf: URL(fileURLWithPath: home + "/alerts/closed/" + day + "/" + file))
                return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            }
        }
    }

    /// The lines of `alerts.jsonl`.
    var jsonlLines: [String] {
        ((try? String(contentsOfFile: home + "/alerts.jsonl", encoding: .utf8)) ?? "").split(separator: "\n").map(
            String.init)
    }
}

@Suite("The alert policy in the running daemon", .serialized)
struct AlertPolicyIntegrationTests {
    static let rules = RiskScreenProcess.packageRoot.appendingPathComponent("rules").path

    /// Sample 05's patient with a caregiver of 60 whose 13 MCSI items sum to `mcsi` (13–19 is a
    /// medium strain finding, 20 and more high).
    private func stay(
        _ maker: EventMaker, _ id: String, _ type: String, at time: String, mcsi: Int, discharged: Bool = false
    )
        throws -> Data
    {
        var items = Array(repeating: 0, count: 13)
        for index in 0..<mcsi { items[index % 13] += 1 }
        var changes: [String: Any] = [
            "event_id": id, "event_type": type, "occurred_at": time,
            "social.caregiver.age": 60, "social.caregiver.mcsi_items": items,
            "functional.adl_dependencies": 1, "functional.cognitive_impairment": false,
        ]
        if discharged {
            changes["encounter.discharged_at"] = time
            changes["encounter.discharge_disposition"] = "home_health"
        }
        return try maker.make(changes)
    }

    @Test(
        "admission, transfer and discharge of one patient give one alert, not three; a worse finding escalates and names the one it supersedes"
    )
    func oneStay() throws {
        let directory = try TemporaryDirectory()
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        // The stay's admission happened 8 days before "now": with the default stale_after (7 days)
        // it would be recorded but open nothing. A live feed would have sent it in time; this
        // replays the stay at once, so the horizon is widened.
        let configuration = directory.path + "/riskscreen.yaml"
        try "stale_after: 30d\n".write(toFile: configuration, atomically: true, encoding: .utf8)
        let daemon = try RunningDaemon(home: home, rules: Self.rules, extra: ["--config", configuration])
        #expect(daemon.wait { daemon.log.contains("riskscreen started") }, "\(daemon.log)")
        let maker = try EventMaker(sample: "05-transfer-strained-elderly-caregiver.json", moved: false)

        try daemon.drop(try stay(maker, "STAY-1", "admission", at: "2026-11-16T22:00:00-05:00", mcsi: 14), as: "1.json")
        try daemon.drop(try stay(maker, "STAY-2", "transfer", at: "2026-11-18T08:15:00-05:00", mcsi: 15), as: "2.json")
        try daemon.drop(
            try stay(maker, "STAY-3", "discharge", at: "2026-11-24T11:00:00-05:00", mcsi: 13, discharged: true),
            as: "3.json")
        // The discharge also brings a new finding of another rule (LACE 12: discharge planning):
        // that is news, and opens its own alert. The caregiver's strain is one alert, not three.
        func caregiverAlerts() throws -> [[String: Any]] {
            try daemon.queuedRecords().filter { $0["referral"] as? String == "caregiver-support" }
        }
        #expect(daemon.wait { daemon.jsonlLines.count == 2 })
        let queued = try caregiverAlerts()
        #expect(queued.count == 1, "\(queued)")
        #expect(
            try daemon.queuedRecords().map { $0["referral"] as? String ?? "" }.sorted() == [
                "caregiver-support", "discharge-planning",
            ])
        let first = try #require(queued.first)
        #expect(first["event_id"] as? String == "STAY-1")
        #expect(first["priority"] as? String == "medium")
        let firstID = try #require(first["alert_id"] as? String)
        let show = try RiskScreenProcess.run(["queue", "show", firstID, "--home", home])
        #expect(show.stdout.contains("seen again: 2×"), "\(show.stdout)")
        #expect(show.stdout.contains("event STAY-2 (transfer): caregiver.strain-mcsi (medium)"))
        #expect(show.stdout.contains("event STAY-3 (discharge): caregiver.strain-mcsi (medium)"))
        #expect(show.stdout.contains("why the rules fired:"))
        #expect(show.stdout.contains("score.mcsi = 14"))
        #expect(show.stdout.contains("  - E-5031 inpatient, admitted"))
        let list = try RiskScreenProcess.run(["queue", "list", "--home", home])
        #expect(list.stdout.contains("[seen again 2×]"))

        // The caregiver's strain worsens (MCSI 22): an escalated high alert.
        try daemon.drop(try stay(maker, "STAY-4", "update", at: "2026-11-24T12:00:00-05:00", mcsi: 22), as: "4.json")
        #expect(daemon.wait { daemon.jsonlLines.count == 3 })
        #expect(try caregiverAlerts().count == 2)
        let escalated = try #require(try caregiverAlerts().first { $0["event_id"] as? String == "STAY-4" })
        #expect(escalated["priority"] as? String == "high")
        #expect(escalated["supersedes"] as? [String] == [firstID])
        let shown = try RiskScreenProcess.run(["queue", "show", firstID, "--home", home])
        #expect(shown.stdout.contains("superseded by: \(escalated["alert_id"] as? String ?? "?") (high, open)"))
        let metrics = try String(contentsOfFile: home + "/metrics.prom", encoding: .utf8)
        #expect(metrics.contains("riskscreen_suppressed_total 2"), "\(metrics)")
        #expect(daemon.stop().status == 0)
    }

    @Test("a cancelled admission withdraws its alert in every sink: the queue file, alerts.jsonl and syslog")
    func cancelWithdrawsEverywhere() throws {
        let directory = try TemporaryDirectory()
        guard let rsyslog = try Rsyslog.required(in: directory.path) else { return }
        defer { rsyslog.stop() }
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        let configuration = try rsyslog.daemonConfiguration(in: directory.path)
        let daemon = try RunningDaemon(home: home, rules: Self.rules, extra: ["--config", configuration])
        #expect(daemon.wait { daemon.log.contains("riskscreen started") }, "\(daemon.log)")

        // Sample 10: an admission with a positive safety screen, a critical alert.
        let admission = try EventMaker(sample: "10-admission-positive-safety-screen.json")
        try daemon.drop(try admission.make([:]), as: "admission.json")
        #expect(daemon.wait { daemon.jsonlLines.count == 1 })
        #expect(waitForLines(rsyslog, lines: 1), "\(rsyslog.lines)")
        let opened = try #require(try daemon.queuedRecords().first)
        let id = try #require(opened["alert_id"] as? String)
        #expect(opened["status"] as? String == "open")

        // Sample 17's cancel, for sample 10's encounter.
        let admitted = try #require((admission.object["encounter"] as? [String: Any])?["admitted_at"] as? String)
        let cancel = try EventMaker(sample: "17-cancel-admission.json").make([
            "event_id": "CANCEL-10", "patient.id": "S-101084", "encounter.id": "E-5080",
            "encounter.admitted_at": admitted,
        ])
        try daemon.drop(cancel, as: "cancel.json")
        #expect(daemon.wait { daemon.jsonlLines.count == 2 })
        // The queue: the file has left the open queue for alerts/closed/DAY/, saying withdrawn.
        #expect(try daemon.queuedRecords().isEmpty)
        let queued = try daemon.closedRecords()
        #expect(queued.count == 1)
        #expect(queued.first?["alert_id"] as? String == id)
        #expect(queued.first?["status"] as? String == "withdrawn")
        #expect(queued.first?["withdrawn_by_event_id"] as? String == "CANCEL-10")
        // alerts.jsonl: a second line for the same alert id.
        let last = try #require(daemon.jsonlLines.last)
        #expect(last.contains(#""alert_id":"\#(id)""#) && last.contains(#""status":"withdrawn""#))
        // syslog: the withdrawal at notice (local0: 133) with status="withdrawn".
        #expect(waitForLines(rsyslog, lines: 2), "\(rsyslog.lines)")
        let withdrawn = try #require(rsyslog.lines.last)
        #expect(withdrawn.hasPrefix("133 riskscreen "), "\(withdrawn)")
        #expect(withdrawn.contains(#"alert_id="\#(id)""#) && withdrawn.contains(#"status="withdrawn""#))
        // The team's queue: gone from the open list, withdrawn under --all, and not actionable.
        let list = try RiskScreenProcess.run(["queue", "list", "--home", home, "--json"])
        #expect(list.stdoutLines.isEmpty)
        let ack = try RiskScreenProcess.run(["queue", "ack", id, "--by", "Ada", "--home", home])
        #expect(ack.status == 1)
        #expect(ack.stderr.contains("is withdrawn"))
        let metrics = try String(contentsOfFile: home + "/metrics.prom", encoding: .utf8)
        #expect(metrics.contains("riskscreen_withdrawn_total 1"), "\(metrics)")
        #expect(daemon.stop().status == 0)
    }

    @Test(
        "a readmission 12 days after a discharge the daemon saw fires the bounce-back rule; eval --state agrees without writing"
    )
    func bounceBack() throws {
        let directory = try TemporaryDirectory()
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        // The daemon's clock reads 2026-12-01T13:00:00Z (the tests' now plus 6 days 20 hours).
        let daemon = try RunningDaemon(
            home: home, rules: Self.rules, environment: ["RISKSCREEN_TEST_CLOCK_OFFSET": "590400"])
        #expect(daemon.wait { daemon.log.contains("riskscreen started") }, "\(daemon.log)")
        // Sample 13 as written: a low-risk elective discharge on 2026-11-19 (no alert), patient
        // S-101315. Twelve days old, it is stale; it still joins the patient's history.
        let discharge = try EventMaker(sample: "13-discharge-low-risk-elective.json", moved: false)
        try daemon.drop(try discharge.make([:]), as: "discharge.json")
        #expect(
            daemon.wait {
                daemon.files("archive").contains { daemon.files("archive/" + $0).contains("discharge.json") }
            })
        #expect(try daemon.queuedRecords().isEmpty)

        // Back on 2026-12-01, 12 days later, through the emergency department.
        let readmission = try discharge.make([
            "event_id": "READMIT-1", "event_type": "admission", "occurred_at": "2026-12-01T07:30:00-05:00",
            "encounter.id": "E-READMIT", "encounter.admitted_at": "2026-12-01T07:00:00-05:00",
            "encounter.admission_type": "emergency", "encounter.discharged_at": NSNull(),
            "encounter.discharge_disposition": NSNull(),
        ])
        let candidate = directory.path + "/readmission.json"
        try readmission.write(to: URL(fileURLWithPath: candidate))
        // eval --state first: what the daemon would decide, with the state left as it was.
        let eval = try RiskScreenProcess.run([
            "eval", "--rules", Self.rules, "--state", home + "/state.db", "--now", "2026-12-01T13:00:00Z", candidate,
        ])
        #expect(eval.status == 0, "\(eval.stderr)")
        let evaluated = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        let evalAlerts = try #require(evaluated["alerts"] as? [[String: Any]])
        #expect(
            evalAlerts.contains {
                ($0["findings"] as? [[String: Any]])?.contains {
                    $0["rule_id"] as? String == "readmission.bounce-back-30d"
                }
                    == true
            })
        #expect(evaluated["repeats"] as? [Any] != nil)
        let state = try SQLiteStateStore(readingFrom: home + "/state.db")
        #expect(try state.ledgerCount() == 1)
        #expect(try state.patientState("S-101315").history.encounters.map(\.encounterID) == ["E-5113"])
        // Without --state there is no history: no bounce-back.
        let stateless = try RiskScreenProcess.run(["eval", "--rules", Self.rules, candidate])
        #expect(!stateless.stdout.contains("bounce-back"))

        try daemon.drop(readmission, as: "readmission.json")
        #expect(daemon.wait { daemon.jsonlLines.count == 1 })
        let alert = try #require(try daemon.queuedRecords().first)
        #expect(alert["priority"] as? String == "high")
        #expect(alert["referral"] as? String == "discharge-planning")
        let finding = try #require((alert["findings"] as? [[String: Any]])?.first)
        #expect(finding["rule_id"] as? String == "readmission.bounce-back-30d")
        let reason = finding["reason"] as? String ?? ""
        #expect(reason.contains("Readmitted 12 days after discharge from encounter E-5113"), "\(reason)")
        #expect(daemon.stop().status == 0)
    }
}
