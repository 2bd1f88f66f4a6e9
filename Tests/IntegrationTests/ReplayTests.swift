import Foundation
import Testing

/// `riskscreen replay` through the real binary, on an archive the daemon itself made from
/// generated events whose answers are known: a threshold raised removes exactly the alerts it
/// should, the diff names them, and the home is not touched.
@Suite("Replay: what a rule change would have done to the archive's alerts")
struct ReplayTests {
    /// A rule raising a discharge-planning alert for a stay of `days` or more.
    static func rule(days: Int) -> String {
        """
        rules:
          - id: test.long-stay
            title: A long stay
            category: readmission
            events: [discharge]
            params: { days: \(days) }
            when: length_of_stay >= param.days
            priority: medium
            referral: discharge-planning
            reason: "Stayed {length_of_stay} days"
        """
    }

    /// A discharge of patient `P-n` after a stay of `days`, on 2026-11-2x (before the tests' clock).
    static func discharge(_ number: Int, days: Int) -> String {
        let discharged = "2026-11-23T10:\(10 + number):00-05:00"
        let admitted = "2026-11-\(23 - days)T08:00:00-05:00"
        return """
            {"schema_version":1,"event_id":"R-\(number)","event_type":"discharge","occurred_at":"\(discharged)",
             "patient":{"id":"P-\(number)","birth_date":"1950-01-01","sex":"female"},
             "encounter":{"id":"V-\(number)","class":"inpatient","admitted_at":"\(admitted)","discharged_at":"\(discharged)",
              "unit":"4W","discharge_disposition":"home"}}
            """
    }

    /// A home whose archive holds stays of 4 to 9 days (events R-4 … R-9), made by the daemon with
    /// the baseline rule (5 days); the candidate raises it to 7.
    static func archive() throws -> (TemporaryDirectory, home: String, baseline: String, candidate: String) {
        let (directory, home, _) = try TemporaryDirectory.daemonHome(copyingRules: false)
        let baseline = directory.path + "/baseline"
        let candidate = directory.path + "/candidate"
        for (path, days) in [(baseline, 5), (candidate, 7)] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try rule(days: days).write(toFile: path + "/stay.yaml", atomically: true, encoding: .utf8)
        }
        for days in 4...9 {
            try discharge(days, days: days).write(
                toFile: home + "/inbox/r\(days).json", atomically: true, encoding: .utf8)
        }
        let run = try RiskScreenProcess.run([
            "run", "--once", "--home", home, "--rules", baseline, "--minimum-age", "0",
        ])
        #expect(run.status == 0 && run.stdout.contains("6 processed"), "\(run.stdout) \(run.stderr)")
        return (directory, home, baseline, candidate)
    }

    static func digest(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// Every file under `path` with its size and modification time.
    static func listing(_ path: String) throws -> [String] {
        let manager = FileManager.default
        return (manager.subpaths(atPath: path) ?? []).sorted().map { name in
            let attributes = try? manager.attributesOfItem(atPath: path + "/" + name)
            return
                "\(name) \(attributes?[.size] ?? 0) \((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        }
    }

    @Test("a raised threshold removes exactly the alerts it should, and the diff names them")
    func thresholdRaised() throws {
        let (directory, home, baseline, candidate) = try Self.archive()
        defer { withExtendedLifetime(directory) {} }
        let replay = try RiskScreenProcess.run([
            "replay", "--home", home, "--baseline-rules", baseline, "--rules", candidate, "--diff",
        ])
        #expect(replay.status == 0, "\(replay.stderr)")
        let text = replay.stdout
        #expect(text.contains("Replayed 6 events (6 discharges"), "\(text)")
        #expect(text.contains("alerts: 5 → 3 (-2); 0 added, 2 removed"), "\(text)")
        #expect(text.range(of: #"discharge-planning\s+5\s+3\s+-40 %"#, options: .regularExpression) != nil, "\(text)")
        #expect(text.range(of: #"test.long-stay\s+5\s+3\s+\+0\s+-2"#, options: .regularExpression) != nil, "\(text)")
        let removed = text.split(separator: "\n").filter { $0.hasPrefix("- ") }
        #expect(removed.count == 2, "\(text)")
        #expect(removed.contains { $0.contains("event R-5 patient P-5") && $0.contains("Stayed 5 days") }, "\(text)")
        #expect(removed.contains { $0.contains("event R-6 patient P-6") && $0.contains("Stayed 6 days") }, "\(text)")
        #expect(!text.contains("event R-4"), "a stay the baseline did not alert on is not in the diff")
    }

    @Test("a rule whose finding joins alerts another rule opens anyway is counted as added to each of them")
    func findingJoinsAlerts() throws {
        let (directory, home, baseline, _) = try Self.archive()
        defer { withExtendedLifetime(directory) {} }
        // The baseline's long-stay rule (5 days) and a second rule on the same referral that fires
        // on every discharge: alerts for R-5 … R-9 exist under both and gain its finding; R-4's is new.
        let candidate = directory.path + "/joined"
        try FileManager.default.createDirectory(atPath: candidate, withIntermediateDirectories: true)
        try Self.rule(days: 5).write(toFile: candidate + "/stay.yaml", atomically: true, encoding: .utf8)
        let anyStay = """
            rules:
              - id: test.any-stay
                title: Any stay
                category: readmission
                events: [discharge]
                when: length_of_stay >= 1
                priority: medium
                referral: discharge-planning
                reason: "Stayed {length_of_stay} days"
            """
        try anyStay.write(toFile: candidate + "/any.yaml", atomically: true, encoding: .utf8)
        let replay = try RiskScreenProcess.run([
            "replay", "--home", home, "--baseline-rules", baseline, "--rules", candidate,
        ])
        #expect(replay.status == 0, "\(replay.stderr)")
        let text = replay.stdout
        #expect(text.contains("alerts: 5 → 6 (+1); 1 added, 0 removed"), "\(text)")
        // Each rule: baseline + added − removed = candidate.
        #expect(text.range(of: #"test.any-stay\s+0\s+6\s+\+6\s+-0"#, options: .regularExpression) != nil, "\(text)")
        #expect(text.range(of: #"test.long-stay\s+5\s+5\s+\+0\s+-0"#, options: .regularExpression) != nil, "\(text)")
    }

    @Test(
        "json for tools: the same figures; --fail-if-change-over fails a review pipeline when a referral moves too much"
    )
    func jsonAndReviewGate() throws {
        let (directory, home, baseline, candidate) = try Self.archive()
        defer { withExtendedLifetime(directory) {} }
        let replay = try RiskScreenProcess.run([
            "replay", "--home", home, "--baseline-rules", baseline, "--rules", candidate, "--format", "json", "--diff",
        ])
        #expect(replay.status == 0, "\(replay.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(replay.stdout.utf8)) as? [String: Any])
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(totals["events"] as? Int == 6 && totals["discharges"] as? Int == 6 && totals["days"] as? Int == 1)
        let referral = try #require((object["referrals"] as? [[String: Any]])?.first)
        #expect(referral["referral"] as? String == "discharge-planning")
        #expect(referral["baseline"] as? Int == 5 && referral["candidate"] as? Int == 3)
        #expect(referral["change_percent"] as? Double == -40)
        #expect(referral["baseline_per_100_discharges"] as? Double == 83.33)
        #expect(referral["candidate_per_day"] as? Double == 3)
        let changes = try #require(object["changes"] as? [[String: Any]])
        #expect(changes.map { $0["event_id"] as? String } == ["R-5", "R-6"])
        #expect(changes.allSatisfy { $0["change"] as? String == "removed" })

        let strict = try RiskScreenProcess.run([
            "replay", "--home", home, "--baseline-rules", baseline, "--rules", candidate, "--fail-if-change-over", "30",
        ])
        #expect(strict.status == 1)
        #expect(strict.stderr.contains("discharge-planning: 5 → 3 alerts (-40 %), over +30 %"), "\(strict.stderr)")
        let lenient = try RiskScreenProcess.run([
            "replay", "--home", home, "--baseline-rules", baseline, "--rules", candidate, "--fail-if-change-over", "50",
        ])
        #expect(lenient.status == 0, "\(lenient.stderr)")
    }

    @Test("replay leaves the home as it was: state.db byte-identical, no file added or changed; --out is owner-only")
    func readOnly() throws {
        let (directory, home, baseline, candidate) = try Self.archive()
        defer { withExtendedLifetime(directory) {} }
        let database = try Self.digest(home + "/state.db")
        let before = try Self.listing(home)
        let out = directory.path + "/report.txt"
        let replay = try RiskScreenProcess.run([
            "replay", "--home", home, "--baseline-rules", baseline, "--rules", candidate, "--out", out,
        ])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(try Self.digest(home + "/state.db") == database)
        #expect(try Self.listing(home) == before)
        let attributes = try FileManager.default.attributesOfItem(atPath: out)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try String(contentsOfFile: out, encoding: .utf8).contains("alerts: 5 → 3"))
        // The same rules on both sides: nothing changes.
        let same = try RiskScreenProcess.run([
            "replay", "--home", home, "--baseline-rules", baseline, "--rules", baseline, "--diff",
        ])
        #expect(same.stdout.contains("No alert added, removed or changed."), "\(same.stdout)")
    }

    @Test("mistakes are loud: no candidate rules, a bad day, rules that do not load, no archive")
    func mistakes() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let none = try RiskScreenProcess.run(["replay", "--home", directory.path])
        #expect(none.status != 0 && none.stderr.contains("--rules names the candidate rules"), "\(none.stderr)")
        let day = try RiskScreenProcess.run([
            "replay", "--home", directory.path, "--rules", "x", "--from", "2026-13-01",
        ])
        #expect(day.status != 0 && day.stderr.contains("--from must be a day"), "\(day.stderr)")
        try "rules: [".write(toFile: directory.path + "/broken.yaml", atomically: true, encoding: .utf8)
        let broken = try RiskScreenProcess.run([
            "replay", "--home", directory.path, "--rules", directory.path + "/broken.yaml",
        ])
        #expect(broken.status == 2 && broken.stderr.contains("the candidate rules do not load"), "\(broken.stderr)")
        let rules = RiskScreenProcess.packageRoot.appendingPathComponent("rules").path
        let missing = try RiskScreenProcess.run(["replay", "--home", directory.path + "/nowhere", "--rules", rules])
        #expect(missing.status == 2 && missing.stderr.contains("is not a directory"), "\(missing.stderr)")
    }
}
