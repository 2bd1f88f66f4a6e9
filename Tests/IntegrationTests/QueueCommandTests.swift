import Events
import Foundation
import Testing

@Suite("riskscreen queue, as the social work team uses it", .serialized)
struct QueueCommandTests {
    /// A home drained once with the samples: 13 alerts, one of them withdrawn by sample 18's
    /// cancelled discharge (sample 15 only repeats sample 05's).
    private func drainedHome() throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory()
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        for sample in ValidateCommandTests.samples.map({ ($0 as NSString).lastPathComponent }) {
            try SampleEvents.write(sample, to: home + "/inbox/" + sample)
        }
        let result = try RiskScreenProcess.run(["run", "--once", "--home", home, "--minimum-age", "0"])
        #expect(result.status == 0)
        return (directory, home)
    }

    private func list(_ home: String, _ extra: [String] = []) throws -> [[String: Any]] {
        let result = try RiskScreenProcess.run(["queue", "list", "--home", home, "--json"] + extra)
        #expect(result.status == 0)
        return try result.stdoutLines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test("list: open alerts sorted by priority then respond-by, with filters")
    func listAndFilters() throws {
        let (directory, home) = try drainedHome()
        _ = directory
        let all = try list(home)
        #expect(all.count == 12)
        #expect(all.allSatisfy { $0["status"] as? String == "open" })
        let ranks = all.map {
            ["critical", "high", "medium", "low"].firstIndex(of: $0["priority"] as? String ?? "") ?? 9
        }
        #expect(ranks == ranks.sorted())
        #expect(try list(home, ["--priority", "critical"]).count == 2)
        #expect(try list(home, ["--referral", "safety"]).map { $0["unit"] as? String } == ["OBS"])
        #expect(try list(home, ["--unit", "5W"]).count == 3)  // samples 07 and 08 (two referrals); 12's is withdrawn
        // Deadlines count from when each event happened: at the tests' clock (2026-11-24T17:00Z)
        // the alerts of events from the day before are overdue, those of this morning are not.
        let overdue = try list(home, ["--overdue"])
        let deadlines = all.compactMap { ($0["respond_by"] as? String).flatMap { Timestamp(rfc3339: $0) } }
        #expect(overdue.count == deadlines.filter { $0 < RiskScreenProcess.now }.count)
        #expect(overdue.count == 7)
        #expect(overdue.allSatisfy { $0["overdue"] as? Bool == true })
        let text = try RiskScreenProcess.run(["queue", "list", "--home", home])
        #expect(text.stdoutLines.first?.hasPrefix("PRIORITY  DUE") == true)
        #expect(
            text.stdoutLines.dropFirst().first?.hasPrefix("critical  overdue 7 h 25 min") == true,
            "the safety alert of sample 10, admitted at 02:35 -05:00, was due at 09:35 -05:00: \(text.stdout)")
    }

    @Test(
        "assign, note and reopen from the command line; closing as other needs a note; the file comes back to alerts/")
    func assignNoteReopen() throws {
        let (directory, home) = try drainedHome()
        _ = directory
        let id = try #require(try list(home, ["--referral", "safety"]).first?["alert_id"] as? String)
        func queue(_ arguments: [String]) throws -> RiskScreenProcess.Result {
            try RiskScreenProcess.run(["queue"] + arguments + ["--home", home])
        }
        #expect(try queue(["assign", id, "--to", "bo", "--by", "ada"]).stdout == "assigned \(id) to bo by ada\n")
        let other = try queue(["close", id, "--by", "ada", "--outcome", "other"])
        #expect(other.status == 64)
        #expect(other.stderr.contains("--outcome other needs --note"))
        let typo = try queue(["close", id, "--by", "ada", "--outcome", "refered"])
        #expect(typo.stderr.contains(#"unknown outcome "refered" (did you mean "referred"?)"#))
        #expect(
            try queue(["close", id, "--by", "ada", "--outcome", "other", "--note", "moved to a shelter"]).status == 0)
        #expect(try queue(["note", id, "--by", "ada", "--note", "shelter confirmed"]).status == 0)
        #expect(try RiskScreenProcess.run(["run", "--once", "--home", home]).status == 0)  // delivers the closure
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: home + "/alerts")).contains { $0.contains(id) })
        #expect(try queue(["reopen", id, "--by", "bo", "--note", "shelter fell through"]).status == 0)
        #expect(try queue(["reopen", id, "--by", "bo"]).stderr.contains("only a closed alert can be reopened"))
        // The next run delivers the reopening: the file is back in the open queue, saying so.
        #expect(try RiskScreenProcess.run(["run", "--once", "--home", home]).status == 0)
        let file = try #require(
            try FileManager.default.contentsOfDirectory(atPath: home + "/alerts").first { $0.contains(id) })
        let record = try String(contentsOfFile: home + "/alerts/" + file, encoding: .utf8)
        #expect(record.contains(#""status":"open""#) && record.contains(#""reopened_by":"bo""#), "\(record)")
        let show = try queue(["show", id])
        #expect(show.stdout.contains("assign by ada"), "\(show.stdout)")
        #expect(show.stdout.contains("close by ada, outcome other: moved to a shelter"), "\(show.stdout)")
        #expect(show.stdout.contains("reopen by bo: shelter fell through"), "\(show.stdout)")
    }

    @Test("in the site's time zone, aligned, in words: the list and an alert read as the team reads them")
    func plainLanguage() throws {
        let (directory, home) = try drainedHome()
        let config = directory.path + "/riskscreen.yaml"
        try "home: \(home)\ntimezone: America/New_York\n".write(toFile: config, atomically: true, encoding: .utf8)
        let text = try RiskScreenProcess.run(["queue", "list", "--config", config])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdoutLines
        #expect(lines.first?.hasPrefix("PRIORITY  DUE") == true)
        #expect(lines.first?.contains("  EST  ") == true, "\(lines.first ?? "")")
        // Sample 10's safety alert: admitted Tuesday 02:35 -05:00, critical, due two hours later: 04:35 EST.
        #expect(lines.dropFirst().first?.contains("overdue 7 h 25 min   Tue 04:35") == true, "\(text.stdout)")
        // Columns line up under their headers.
        let referral = try #require(lines.first?.range(of: "REFERRAL")).lowerBound.utf16Offset(in: lines[0])
        for line in lines.dropFirst() {
            let cell = line.dropFirst(referral).prefix(while: { $0 != " " })
            #expect(
                ["safety", "discharge-planning", "caregiver-support", "pharmacy-financial-counseling", "social-needs"]
                    .contains(String(cell)), "\(line)")
        }
        // Reasons say yes and no, not true and false ("sometimes true" is an AHC answer's own words).
        #expect(text.stdout.contains("lives alone: yes"), "\(text.stdout)")
        #expect(text.stdout.firstMatch(of: /(:|alone|coverage) (true|false)/) == nil, "\(text.stdout)")

        let id = try #require(try list(home, ["--referral", "safety"]).first?["alert_id"] as? String)
        let show = try RiskScreenProcess.run(["queue", "show", id, "--config", config])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("respond by 2026-11-24 04:35 EST (overdue 7 h 25 min)"), "\(show.stdout)")
        #expect(show.stdout.contains("(admission, 2026-11-24 02:35 EST)"), "\(show.stdout)")
        #expect(show.stdout.firstMatch(of: #/\n  rules sha256:[0-9a-f]{12}\n/#) != nil, "\(show.stdout)")

        try "timezone: America/New_Yrok\n".write(toFile: config, atomically: true, encoding: .utf8)
        let check = try RiskScreenProcess.run(["check", "--config", config])
        #expect(check.status == 1)
        #expect(
            check.stdout.contains(
                #"1:11: error: unknown time zone "America/New_Yrok" (did you mean "America/New_York"?); timezone is an IANA name such as America/New_York"#
            ), "\(check.stdout)")
    }

    @Test(
        "ack and close are recorded in the audit trail; acting on an unknown, closed or re-acknowledged alert is an error"
    )
    func actions() throws {
        let (directory, home) = try drainedHome()
        _ = directory
        let first = try #require(try list(home).first?["alert_id"] as? String)
        #expect(
            try RiskScreenProcess.run([
                "queue", "ack", first, "--by", "Ada Worker", "--note", "calling the daughter", "--home", home,
            ]).status == 0)
        let again = try RiskScreenProcess.run(["queue", "ack", first, "--by", "Bo", "--home", home])
        #expect(again.status == 1)
        #expect(again.stderr.contains("is acknowledged"))
        // The alerts/ folder mirrors the team's work once the daemon delivers: the file says acknowledged.
        func queueFiles(_ path: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: home + "/alerts/" + path)) ?? []).filter {
                $0.hasSuffix("-\(first).json")
            }
        }
        #expect(try RiskScreenProcess.run(["run", "--once", "--home", home]).status == 0)
        let acknowledged = try #require(queueFiles("").first)
        let record = try String(contentsOfFile: home + "/alerts/" + acknowledged, encoding: .utf8)
        #expect(record.contains(#""status":"acknowledged""#) && record.contains(#""acknowledged_by":"Ada Worker""#))
        #expect(
            try RiskScreenProcess.run([
                "queue", "close", first, "--by", "Ada Worker", "--outcome", "referred", "--home", home,
            ]).status == 0)
        let closedAgain = try RiskScreenProcess.run([
            "queue", "close", first, "--by", "Bo", "--outcome", "declined", "--home", home,
        ])
        #expect(closedAgain.status == 1)
        #expect(closedAgain.stderr.contains("is closed"))
        // Closed: out of the open queue, into alerts/closed/DAY/ (the tests' day), saying closed.
        #expect(try RiskScreenProcess.run(["run", "--once", "--home", home]).status == 0)
        #expect(queueFiles("").isEmpty)
        let closedFile = try #require(queueFiles("closed/2026-11-24").first)
        let closedRecord = try String(contentsOfFile: home + "/alerts/closed/2026-11-24/" + closedFile, encoding: .utf8)
        #expect(closedRecord.contains(#""status":"closed""#) && closedRecord.contains(#""close_outcome":"referred""#))
        let unknown = try RiskScreenProcess.run([
            "queue", "close", "rs-000000000000000000000000", "--by", "Bo", "--outcome", "declined", "--home", home,
        ])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no alert has the id rs-000000000000000000000000"))
        let badOutcome = try RiskScreenProcess.run([
            "queue", "close", first, "--by", "Bo", "--outcome", "maybe", "--home", home,
        ])
        #expect(badOutcome.status == 64)
        #expect(try list(home).count == 11)
        #expect(try list(home, ["--all"]).count == 13)
        let withdrawn = try #require(
            try list(home, ["--all"]).first { $0["status"] as? String == "withdrawn" }?["alert_id"] as? String)
        let onWithdrawn = try RiskScreenProcess.run(["queue", "ack", withdrawn, "--by", "Bo", "--home", home])
        #expect(onWithdrawn.status == 1)
        #expect(onWithdrawn.stderr.contains("is withdrawn"))
        let show = try RiskScreenProcess.run(["queue", "show", first, "--home", home])
        #expect(show.status == 0)
        #expect(show.stdout.contains(", closed"))
        #expect(show.stdout.contains("findings:"))
        #expect(show.stdout.contains("    why: "))
        let trail = show.stdoutLines.drop { $0 != "actions:" }.dropFirst()
        #expect(trail.count == 2)
        #expect(trail.first?.contains("ack by Ada Worker: calling the daughter") == true)
        #expect(trail.last?.contains("close by Ada Worker, outcome referred") == true)
    }

    @Test("the queue can be used while the daemon drains")
    func whileDraining() throws {
        let directory = try TemporaryDirectory()
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        let daemon = try RunningDaemon(
            home: home, rules: RiskScreenProcess.packageRoot.appendingPathComponent("rules").path)
        #expect(daemon.wait { daemon.log.contains("riskscreen started") })
        for index in 0..<100 {
            let text = try SampleEvents.asNewPatient("08-discharge-homeless.json", id: "Q-\(index)")
            try text.write(toFile: home + "/q\(index).staging", atomically: false, encoding: .utf8)
            #expect(rename(home + "/q\(index).staging", home + "/inbox/q\(index).json") == 0)
        }
        var acted = 0
        let deadline = Date().addingTimeInterval(30)
        while acted < 5 && Date() < deadline {
            if let id = try list(home).first(where: { $0["status"] as? String == "open" })?["alert_id"] as? String {
                let result = try RiskScreenProcess.run(["queue", "ack", id, "--by", "Ada", "--home", home])
                #expect(result.status == 0, "\(result.stderr)")
                acted += 1
            }
        }
        #expect(acted == 5)
        #expect(daemon.wait(seconds: 30) { daemon.files("alerts").count == 200 })
        #expect(daemon.stop().status == 0)
    }
}
