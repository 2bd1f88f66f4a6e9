import Foundation
import Testing

/// The backtest of `riskscreen replay` through the real binary, on a crafted archive whose answers
/// were worked out by hand: readmissions within 30 days, planned ones and cancelled ones not
/// counted, an ED visit not a readmission, deaths and discharges without 30 days of follow-up
/// left out.
@Suite("Backtest: readmission rules and scores against the archive's own readmissions")
struct BacktestTests {
    /// A rule flagging discharges from `unit`, a score that is the ED visits, and a planned
    /// admission that is an elective one.
    static func rules(unit: String) -> String {
        """
        rules:
          - id: test.flagged
            title: Flagged at discharge
            category: readmission
            events: [discharge]
            when: encounter.unit == "\(unit)"
            priority: medium
            referral: discharge-planning
            reason: "Discharged from \(unit)"
        conditions:
          planned_admission:
            when: encounter.admission_type == "elective"
        scores:
          hospital:
            title: A test score (the ED visits)
            parts:
              - id: E
                title: ED visits
                points: utilization.ed_visits_6mo
        """
    }

    /// An event of patient `patient`'s encounter `encounter`.
    static func event(
        _ id: String, _ type: String, patient: String, encounter: String, at day: String, admitted: String? = nil,
        unit: String = "4W", type admissionType: String = "emergency", class encounterClass: String = "inpatient",
        disposition: String = "home", visits: Int = 0
    ) -> String {
        let time = "2026-\(day)T10:00:00-05:00"
        let admittedAt = admitted.map { "2026-\($0)T08:00:00-05:00" } ?? time
        let discharge =
            type == "discharge" ? ",\"discharged_at\":\"\(time)\",\"discharge_disposition\":\"\(disposition)\"" : ""
        return """
            {"schema_version":1,"event_id":"\(id)","event_type":"\(type)","occurred_at":"\(time)",
             "patient":{"id":"\(patient)","birth_date":"1950-01-01","sex":"male"},
             "encounter":{"id":"\(encounter)","class":"\(encounterClass)","admission_type":"\(admissionType)",
              "admitted_at":"\(admittedAt)","unit":"\(unit)"\(discharge)},
             "utilization":{"ed_visits_6mo":\(visits),"admissions_12mo":0}}
            """
    }

    /// The crafted archive (see each line) and the two rule sets.
    static func archive() throws -> (TemporaryDirectory, archive: String, baseline: String, candidate: String) {
        let directory = try TemporaryDirectory()
        let archive = directory.path + "/archive"
        let events: [String] = [
            // P1: discharged from 4W (score 8), readmitted as an emergency 10 days later: caught.
            event("D1", "discharge", patient: "P1", encounter: "V1", at: "09-10", admitted: "09-05", visits: 8),
            event("A1", "admission", patient: "P1", encounter: "V1b", at: "09-20"),
            // P2: 4W (score 0), an elective admission 15 days later: planned, not a readmission.
            event("D2", "discharge", patient: "P2", encounter: "V2", at: "09-10", admitted: "09-05"),
            event("A2", "admission", patient: "P2", encounter: "V2b", at: "09-25", type: "elective"),
            // P3: 5E (score 5), readmitted 25 days later: missed by the 4W rule.
            event(
                "D3", "discharge", patient: "P3", encounter: "V3", at: "09-10", admitted: "09-05", unit: "5E", visits: 5
            ),
            event("A3", "admission", patient: "P3", encounter: "V3b", at: "10-05"),
            // P4: 5E (score 0), admitted again 40 days later: outside the window.
            event("D4", "discharge", patient: "P4", encounter: "V4", at: "09-10", admitted: "09-05", unit: "5E"),
            event("A4", "admission", patient: "P4", encounter: "V4b", at: "10-20"),
            // P5: 4W (score 8), admitted 3 days later, and that admission cancelled: not a readmission.
            event("D5", "discharge", patient: "P5", encounter: "V5", at: "09-12", admitted: "09-08", visits: 8),
            event("A5", "admission", patient: "P5", encounter: "V5b", at: "09-15"),
            event("C5", "cancel_admission", patient: "P5", encounter: "V5b", at: "09-15"),
            // P6: died at discharge: left out.
            event(
                "D6", "discharge", patient: "P6", encounter: "V6", at: "09-12", admitted: "09-08",
                disposition: "expired"),
            // P7: discharged 15 days before the archive ends: too recent, left out.
            event("D7", "discharge", patient: "P7", encounter: "V7", at: "11-15", admitted: "11-10"),
            // P9: 5E (score 6), nothing after.
            event(
                "D9", "discharge", patient: "P9", encounter: "V9", at: "09-14", admitted: "09-10", unit: "5E", visits: 6
            ),
            // P10: 4W (score 7), then an emergency department visit: not a hospital stay.
            event("D10", "discharge", patient: "P10", encounter: "V10", at: "09-14", admitted: "09-10", visits: 7),
            event("A10", "admission", patient: "P10", encounter: "V10b", at: "09-20", class: "emergency"),
            // P8: the archive's last event.
            event("A8", "admission", patient: "P8", encounter: "V8", at: "11-30"),
        ]
        for (index, text) in events.enumerated() {
            let day = archive + "/2026-11-\(String(format: "%02d", 1 + index % 3))"
            try FileManager.default.createDirectory(atPath: day, withIntermediateDirectories: true)
            try text.write(toFile: day + "/e\(index).json", atomically: true, encoding: .utf8)
        }
        let baseline = directory.path + "/baseline"
        let candidate = directory.path + "/candidate"
        for (path, unit) in [(baseline, "5E"), (candidate, "4W")] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try rules(unit: unit).write(toFile: path + "/test.yaml", atomically: true, encoding: .utf8)
        }
        return (directory, archive, baseline, candidate)
    }

    @Test(
        "patients' states kept in the temporary database (memory budget 0) give the same report; a resent file is replayed once"
    )
    func spilledStatesAndDuplicates() throws {
        let (directory, archive, baseline, candidate) = try Self.archive()
        defer { withExtendedLifetime(directory) {} }
        let arguments = [
            "replay", "--archive", archive, "--baseline-rules", baseline, "--rules", candidate, "--format", "json",
            "--diff",
        ]
        let scratch = directory.path + "/scratch"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let inMemory = try RiskScreenProcess.run(arguments, environment: ["SQLITE_TMPDIR": scratch])
        // Every patient's state written out after each event and read back for the next.
        let spilled = try RiskScreenProcess.run(
            arguments, environment: ["RISKSCREEN_REPLAY_MEMORY_BUDGET": "0", "SQLITE_TMPDIR": scratch])
        #expect(inMemory.status == 0 && spilled.status == 0, "\(inMemory.stderr) \(spilled.stderr)")
        #expect(inMemory.stdout.contains("\"true_positives\":1"), "\(inMemory.stdout)")
        #expect(spilled.stdout == inMemory.stdout)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch).isEmpty, "the scratch database is gone")

        // The daemon archives a resent event again: the same event id in a later day's file.
        try FileManager.default.copyItem(
            atPath: archive + "/2026-11-01/e0.json", toPath: archive + "/2026-11-03/zz.json")
        let resent = try RiskScreenProcess.run(arguments)
        #expect(resent.status == 0, "\(resent.stderr)")
        #expect(resent.stdout == inMemory.stdout, "the resent event is replayed once")
        #expect(resent.stderr.contains("1 seen again under the same id (once)"), "\(resent.stderr)")
    }

    @Test(
        "sensitivity, PPV, alerts per 100 discharges, number needed to alert and calibration equal the hand-worked values"
    )
    func handWorked() throws {
        let (directory, archive, baseline, candidate) = try Self.archive()
        defer { withExtendedLifetime(directory) {} }
        let run = try RiskScreenProcess.run([
            "replay", "--archive", archive, "--baseline-rules", baseline, "--rules", candidate, "--format", "json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let backtest = try #require(report["backtest"] as? [String: Any], "\(run.stdout)")
        // Eligible: D1, D2, D3, D4, D5, D9, D10; readmitted: D1, D3. Left out: D7 (too recent), D6 (died).
        #expect(backtest["discharges"] as? Int == 7)
        #expect(backtest["readmitted"] as? Int == 2)
        #expect(backtest["left_out_too_recent"] as? Int == 1)
        #expect(backtest["left_out_died"] as? Int == 1)
        #expect(backtest["planned_excluded"] as? Bool == true)
        // The candidate (4W) alerts on D1, D2, D5, D10 and catches D1.
        let rule = try #require((backtest["candidate_rules"] as? [[String: Any]])?.first)
        #expect(rule["rule_id"] as? String == "test.flagged")
        #expect(rule["alerted"] as? Int == 4 && rule["true_positives"] as? Int == 1)
        #expect(rule["sensitivity"] as? Double == 0.5)
        #expect(rule["positive_predictive_value"] as? Double == 0.25)
        #expect(rule["alerts_per_100_discharges"] as? Double == 57.1429)
        #expect(rule["number_needed_to_alert"] as? Double == 4)
        // The baseline (5E) alerts on D3, D4, D9 and catches D3.
        let before = try #require((backtest["baseline_rules"] as? [[String: Any]])?.first)
        #expect(before["alerted"] as? Int == 3 && before["true_positives"] as? Int == 1)
        #expect(before["positive_predictive_value"] as? Double == 0.3333)
        // The score by band: low D2, D4 (none readmitted); intermediate D3, D9 (one); high D1, D5, D10 (one).
        let score = try #require((backtest["candidate_scores"] as? [[String: Any]])?.first)
        #expect(score["score"] as? String == "hospital")
        let bands = try #require(score["bands"] as? [[String: Any]])
        #expect(bands.map { $0["discharges"] as? Int } == [2, 2, 3])
        #expect(bands.map { $0["readmitted"] as? Int } == [0, 1, 1])
        #expect(bands.map { $0["observed"] as? Double } == [0, 0.5, 0.3333])
        // Wilson 95 % intervals, worked out separately: 0/2, 1/2, 1/3.
        #expect(bands.map { $0["interval_low"] as? Double } == [0, 0.0945, 0.0615])
        #expect(bands.map { $0["interval_high"] as? Double } == [0.6576, 0.9055, 0.7923])
        #expect(bands.map { $0["published"] as? Double } == [0.058, 0.12, 0.228])
    }

    @Test("the text report shows the same figures for people")
    func text() throws {
        let (directory, archive, baseline, candidate) = try Self.archive()
        defer { withExtendedLifetime(directory) {} }
        let run = try RiskScreenProcess.run([
            "replay", "--archive", archive, "--baseline-rules", baseline, "--rules", candidate,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let text = run.stdout
        #expect(
            text.contains(
                "hospital discharges with 30 days of follow-up: 7, readmitted 2 (28.6 %); left out: 1 too recent (the archive ends 2026-11-30), 1 died"
            ), "\(text)")
        #expect(
            text.range(
                of: #"test\.flagged\s+4\s+1/2\s+50 %\s+25 %\s+57\.14\s+4\s+50 % / 33\.3 %"#, options: .regularExpression
            )
                != nil, "\(text)")
        #expect(
            text.range(of: #"high \(≥ 7\)\s+3\s+1\s+33\.3 %\s+6\.1 %–79\.2 %\s+≈ 22\.8 %"#, options: .regularExpression)
                != nil, "\(text)")
    }

    @Test("the HTML report is one self-contained file that renders in Chromium: tables, charts, a non-blank screenshot")
    func htmlInChromium() throws {
        let (directory, archive, baseline, candidate) = try Self.archive()
        defer { withExtendedLifetime(directory) {} }
        let report = directory.path + "/report.html"
        let run = try RiskScreenProcess.run([
            "replay", "--archive", archive, "--baseline-rules", baseline, "--rules", candidate, "--format", "html",
            "--diff", "--out", report,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let html = try String(contentsOfFile: report, encoding: .utf8)
        // Offline: no script, nothing fetched from anywhere.
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("<link"))
        #expect(!html.contains("href="))
        try #require(
            WebDriver.isInstalled, "chromium and chromium-driver are installed by scripts/install-system-packages")
        let browser = try WebDriver(directory: directory.path, width: 1200, height: 2400)
        defer { browser.quit() }
        try browser.go("file://" + report)
        #expect(browser.wait { (try? browser.run("return document.readyState")) as? String == "complete" })
        let figures =
            try browser.run(
                "return [document.querySelectorAll('figure svg').length, document.querySelectorAll('polyline').length, "
                    + "document.querySelectorAll('svg rect').length, document.querySelectorAll('h2').length, "
                    + "document.querySelector('figure svg').getBoundingClientRect().width]") as? [Any]
        // One referral (two lines), one score (three bands' bars), five sections.
        #expect(figures?[0] as? Int == 2, "\(String(describing: figures))")
        #expect(figures?[1] as? Int == 2)
        #expect(figures?[2] as? Int == 3)
        #expect(figures?[3] as? Int == 5)
        #expect(((figures?[4] as? Double) ?? Double(figures?[4] as? Int ?? 0)) > 400)
        let text = try browser.run("return document.body.innerText") as? String ?? ""
        #expect(text.contains("How well the readmission rules predicted what happened next"), "\(text)")
        #expect(text.contains("test.flagged") && text.contains("33.3 %"), "\(text)")
        let shot = directory.path + "/report.png"
        try browser.screenshot(shot)
        // A blank page compresses to a few kilobytes; this one has text, tables and charts.
        let size = (try FileManager.default.attributesOfItem(atPath: shot)[.size] as? NSNumber)?.intValue ?? 0
        #expect(size > 40_000, "screenshot of \(size) bytes")
    }
}
