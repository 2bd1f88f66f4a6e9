import Events
import Foundation
import State
import Testing

/// One patient's events for the tests below, dated relative to the tests' clock
/// (``RiskScreenProcess/now``): a discharge six days ago (homeless: critical), a readmission three
/// days ago (the bounce-back), a transfer and an update with caregiver strain (medium, then high),
/// and the discharge's cancellation, sent late.
enum RealFeed {
    static func time(_ hoursBeforeNow: Double) -> String {
        RiskScreenProcess.now.adding(seconds: -hoursBeforeNow * 3600).text
    }

    static func event(
        _ id: String, _ type: String, hoursAgo: Double, encounter: String, admittedHoursAgo: Double,
        dischargedHoursAgo: Double? = nil, homeless: Bool = false, mcsi: Int = 0, unit: String? = "4W"
    ) -> String {
        var encounterJSON =
            #""id":"\#(encounter)","class":"inpatient","admission_type":"emergency","admitted_at":"\#(time(admittedHoursAgo))""#
        if let unit { encounterJSON += #","unit":"\#(unit)""# }
        if let dischargedHoursAgo {
            encounterJSON +=
                #","discharged_at":"\#(time(dischargedHoursAgo))","discharge_disposition":"home""#
        }
        var items = Array(repeating: 0, count: 13)
        for index in 0..<mcsi { items[index % 13] += 1 }
        return #"""
            {"schema_version":1,"event_id":"\#(id)","event_type":"\#(type)","occurred_at":"\#(time(hoursAgo))",
             "patient":{"id":"S-FEED-1","birth_date":"1948-05-02"},"encounter":{\#(encounterJSON)},
             "social":{"housing":"\#(homeless ? "homeless" : "stable")",
                       "caregiver":{"status":"available","relationship":"husband","age":70,"mcsi_items":\#(items)}}}
            """#
    }

    /// In the order they arrive: the readmission before the discharge it followed, the cancel last.
    static let arrivals: [(name: String, text: String)] = [
        ("1-readmission", event("F-A2", "admission", hoursAgo: 72, encounter: "E-F2", admittedHoursAgo: 72)),
        (
            "2-discharge",
            event(
                "F-D1", "discharge", hoursAgo: 144, encounter: "E-F1", admittedHoursAgo: 240, dischargedHoursAgo: 144,
                homeless: true)
        ),
        ("3-transfer", event("F-T2", "transfer", hoursAgo: 48, encounter: "E-F2", admittedHoursAgo: 72, mcsi: 14)),
        ("4-update", event("F-U2", "update", hoursAgo: 24, encounter: "E-F2", admittedHoursAgo: 72, mcsi: 22)),
        ("5-cancel", event("F-C1", "cancel_discharge", hoursAgo: 142, encounter: "E-F1", admittedHoursAgo: 240)),
    ]
}

@Suite("The alert policy on real feeds: one decision path, stale events, what the team sees", .serialized)
struct RealFeedPolicyTests {
    private func jsonl(_ home: String) -> [[String: Any]] {
        ((try? String(contentsOfFile: home + "/alerts.jsonl", encoding: .utf8)) ?? "").split(separator: "\n").compactMap
        {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test("the daemon, eval --state and a riskscreen test sequence decide the same events identically")
    func oneDecisionPath() throws {
        let directory = try TemporaryDirectory()
        var files: [String] = []
        for (name, text) in RealFeed.arrivals {
            let path = directory.path + "/" + name + ".json"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            files.append(path)
        }

        // The daemon, one event per run, as they arrive.
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        var daemonSteps: [(opened: [String], withdrawn: [String])] = []
        var seen = 0
        for file in files {
            try FileManager.default.copyItem(
                atPath: file, toPath: home + "/inbox/" + (file as NSString).lastPathComponent)
            let run = try RiskScreenProcess.run(["run", "--once", "--home", home, "--minimum-age", "0"])
            #expect(run.status == 0, "\(run.stderr)")
            let lines = jsonl(home)
            let new = lines[seen...]
            seen = lines.count
            daemonSteps.append(
                (
                    new.filter { $0["status"] as? String == "open" }.compactMap { $0["alert_id"] as? String }.sorted(),
                    new.filter { $0["status"] as? String == "withdrawn" }.compactMap { $0["alert_id"] as? String }
                        .sorted()
                ))
        }

        // eval --state on an empty state database: the same events applied in memory, in order.
        let empty = directory.path + "/empty"
        try FileManager.default.createDirectory(atPath: empty + "/inbox", withIntermediateDirectories: true)
        #expect(try RiskScreenProcess.run(["run", "--once", "--home", empty]).status == 0)
        let eval = try RiskScreenProcess.run(["eval", "--state", empty + "/state.db"] + files)
        #expect(eval.status == 0, "\(eval.stderr)")
        let evalSteps = try eval.stdoutLines.map { line -> (opened: [String], withdrawn: [String]) in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let alerts = (object["alerts"] as? [[String: Any]] ?? []).compactMap { $0["alert_id"] as? String }
            return (alerts.sorted(), (object["withdrawn"] as? [String] ?? []).sorted())
        }
        #expect(evalSteps.map(\.opened) == daemonSteps.map(\.opened))
        #expect(evalSteps.map(\.withdrawn) == daemonSteps.map(\.withdrawn))

        // What was decided, step by step (the same in both).
        let records = jsonl(home)
        func describe(_ ids: [String], status: String) -> [String] {
            ids.compactMap { id in
                records.first { $0["alert_id"] as? String == id && $0["status"] as? String == status }.map {
                    "\($0["event_id"] as? String ?? "?") \($0["referral"] as? String ?? "?") \($0["priority"] as? String ?? "?")"
                }
            }.sorted()
        }
        #expect(
            daemonSteps.map { describe($0.opened, status: "open") } == [
                [],  // the readmission alone: no discharge known, no bounce-back
                ["F-A2 discharge-planning high", "F-D1 discharge-planning critical"],  // decided again: the bounce-back
                ["F-T2 caregiver-support medium"],
                ["F-U2 caregiver-support high"],  // escalated
                [],
            ])
        #expect(
            daemonSteps.map { describe($0.withdrawn, status: "withdrawn") } == [
                [], [], [], [],
                // The cancelled discharge: its alert, and the bounce-back that relied on it.
                ["F-A2 discharge-planning high", "F-D1 discharge-planning critical"],
            ])

        // A riskscreen test sequence of the same events, expecting what the daemon did.
        var yaml = "cases:\n  - name: the daemon's decisions\n    sequence:\n"
        for (index, file) in files.enumerated() {
            yaml += "      - event_file: \(file)\n"
            let opened = describe(daemonSteps[index].opened, status: "open")
            if opened.isEmpty {
                yaml += "        no_alerts: true\n"
            } else {
                let alerts = opened.map { line -> String in
                    let parts = line.split(separator: " ")
                    return "{ referral: \(parts[1]), priority: \(parts[2]) }"
                }
                yaml += "        alerts: [\(alerts.joined(separator: ", "))]\n"
            }
            let withdrawn = describe(daemonSteps[index].withdrawn, status: "withdrawn").map {
                String($0.split(separator: " ")[1])
            }
            yaml += "        withdrawn: [\(withdrawn.joined(separator: ", "))]\n"
        }
        let site = directory.url.appendingPathComponent("site")
        try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
        try yaml.write(to: site.appendingPathComponent("feed.test.yaml"), atomically: true, encoding: .utf8)
        let test = try RiskScreenProcess.run(["test", "rules", site.path, "--filter", "the daemon's decisions"])
        #expect(test.status == 0, "\(test.stdout)\n\(yaml)")
        #expect(test.stdoutLines.last == "1 passed, 0 failed")
    }

    @Test("under a site's own service levels, window and horizon, eval --state --config decides as the daemon does")
    func sameUnderConfiguration() throws {
        let directory = try TemporaryDirectory()
        let config = directory.path + "/riskscreen.yaml"
        // A one-day window: the transfer's and the update's strain (a day apart) are separate alerts;
        // a ten-day horizon keeps the six-day-old discharge fresh.
        try """
        service_levels: { critical: 3h, high: 5h, medium: 12h, discharge: { critical: 30m, high: 2h } }
        suppress_for: 1d
        stale_after: 10d
        """.write(toFile: config, atomically: true, encoding: .utf8)
        // The discharge's caregiver strain as the transfer's (medium): four days apart, in two stays, the
        // transfer's would repeat the discharge's alert under the default 7-day window; under this
        // site's one day it opens its own.
        let arrivals = RealFeed.arrivals.map { name, text in
            name == "2-discharge"
                ? (
                    name,
                    RealFeed.event(
                        "F-D1", "discharge", hoursAgo: 144, encounter: "E-F1", admittedHoursAgo: 240,
                        dischargedHoursAgo: 144, homeless: true, mcsi: 14)
                )
                : (name, text)
        }
        var files: [String] = []
        for (name, text) in arrivals {
            let path = directory.path + "/" + name + ".json"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            files.append(path)
        }
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        var daemonSteps: [[String]] = []
        var seen = 0
        for file in files {
            try FileManager.default.copyItem(
                atPath: file, toPath: home + "/inbox/" + (file as NSString).lastPathComponent)
            let run = try RiskScreenProcess.run([
                "run", "--once", "--config", config, "--home", home, "--minimum-age", "0",
            ])
            #expect(run.status == 0, "\(run.stderr)")
            let lines = jsonl(home)
            daemonSteps.append(
                lines[seen...].map {
                    "\($0["alert_id"] as? String ?? "") \($0["status"] as? String ?? "") \($0["respond_by"] as? String ?? "")"
                }.sorted())
            seen = lines.count
        }
        let empty = directory.path + "/empty"
        try FileManager.default.createDirectory(atPath: empty + "/inbox", withIntermediateDirectories: true)
        #expect(try RiskScreenProcess.run(["run", "--once", "--home", empty]).status == 0)
        let eval = try RiskScreenProcess.run(["eval", "--state", empty + "/state.db", "--config", config] + files)
        #expect(eval.status == 0, "\(eval.stderr)")
        let evalSteps = try eval.stdoutLines.map { line -> [String] in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let opened = (object["alerts"] as? [[String: Any]] ?? []).map {
                "\($0["alert_id"] as? String ?? "") open \($0["respond_by"] as? String ?? "")"
            }
            let withdrawn = (object["withdrawn"] as? [String] ?? []).map { id in
                // The withdrawn record keeps the deadline the alert had.
                let record = jsonl(home).first { $0["alert_id"] as? String == id }
                return "\(id) withdrawn \(record?["respond_by"] as? String ?? "")"
            }
            return (opened + withdrawn).sorted()
        }
        #expect(evalSteps == daemonSteps)
        // The site's levels applied: the homeless discharge's critical alert is due 30 minutes after it.
        let discharge = try #require(jsonl(home).first { $0["event_id"] as? String == "F-D1" })
        #expect(discharge["respond_by"] as? String == RiskScreenProcess.now.adding(seconds: -144 * 3600 + 1800).text)
        // And the one-day window: the transfer's strain opened its own alert when it came (step 3).
        let opened = daemonSteps[2].compactMap { line in
            jsonl(home).first { $0["alert_id"] as? String == String(line.split(separator: " ")[0]) }
        }
        #expect(
            opened.map { "\($0["event_id"] as? String ?? "") \($0["referral"] as? String ?? "")" } == [
                "F-T2 caregiver-support"
            ])
    }

    @Test("an event older than stale_after: recorded with its findings, no alert; counted and listed as stale")
    func staleEvents() throws {
        let directory = try TemporaryDirectory()
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        // Ten days ago, homeless at discharge: a critical alert had it come in time.
        try RealFeed.event(
            "F-OLD", "discharge", hoursAgo: 240, encounter: "E-OLD", admittedHoursAgo: 300, dischargedHoursAgo: 240,
            homeless: true
        ).write(toFile: home + "/inbox/old.json", atomically: true, encoding: .utf8)
        // Yesterday, the same: overdue when raised, not stale.
        try RealFeed.event(
            "F-LATE", "discharge", hoursAgo: 20, encounter: "E-LATE", admittedHoursAgo: 80, dischargedHoursAgo: 20,
            homeless: true, unit: nil
        ).write(toFile: home + "/inbox/late.json", atomically: true, encoding: .utf8)
        let run = try RiskScreenProcess.run(["run", "--once", "--home", home, "--minimum-age", "0"])
        #expect(run.status == 0)
        #expect(run.stdout.hasSuffix("; 1 stale (recorded, no alert)\n"), "\(run.stdout)")
        #expect(run.stderr.contains("stale event recorded"))
        let alerts = jsonl(home)
        #expect(alerts.compactMap { $0["event_id"] as? String } == ["F-LATE"])
        #expect(alerts.first?["raised_overdue"] as? Bool == true)
        #expect(alerts.first?["respond_by"] as? String == RealFeed.time(19))  // an hour after the discharge

        let stale = try RiskScreenProcess.run(["queue", "list", "--stale", "--home", home])
        #expect(stale.status == 0)
        #expect(stale.stdout.contains("F-OLD (discharge)  patient S-FEED-1, encounter E-OLD"), "\(stale.stdout)")
        #expect(
            stale.stdout.contains(
                "critical discharge-planning: discharge-safety.homeless-at-discharge: Housing recorded as homeless"))
        let json = try RiskScreenProcess.run(["queue", "list", "--stale", "--json", "--home", home])
        #expect(json.stdoutLines.count == 1)
        #expect(try RiskScreenProcess.run(["queue", "list", "--stale", "--unit", "4W", "--home", home]).status != 0)

        let status = try RiskScreenProcess.run(["status", "--home", home, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(object["stale_events"] as? Int == 1)

        // queue show prints - for the unit the feed did not send, never null.
        let id = try #require(alerts.first?["alert_id"] as? String)
        let show = try RiskScreenProcess.run(["queue", "show", id, "--home", home])
        #expect(show.stdout.contains("encounter E-LATE, unit -"), "\(show.stdout)")
        #expect(!show.stdout.contains("null"))
        #expect(show.stdout.contains("; already overdue when raised: the event came late"), "\(show.stdout)")
    }

    @Test("a running daemon counts stale events and screening answers not in their question's list")
    func staleMetric() throws {
        let (directory, home, rules) = try TemporaryDirectory.daemonHome(copyingRules: false)
        _ = directory
        let daemon = try RunningDaemon(home: home, rules: rules)
        #expect(daemon.wait { daemon.log.contains("riskscreen started") })
        try RealFeed.event(
            "F-OLD", "discharge", hoursAgo: 240, encounter: "E-OLD", admittedHoursAgo: 300, dischargedHoursAgo: 240,
            homeless: true
        ).write(toFile: home + "/old.staging", atomically: true, encoding: .utf8)
        #expect(rename(home + "/old.staging", home + "/inbox/old.json") == 0)
        #expect(
            daemon.wait {
                ((try? String(contentsOfFile: home + "/metrics.prom", encoding: .utf8)) ?? "").contains(
                    "riskscreen_stale_total 1")
            }, "\(daemon.log)")
        #expect(daemon.files("alerts").isEmpty)
        // A positive HITS total beside a "physically hurt" answered unknown: the alert is raised, its
        // finding names the data problem, the log and riskscreen_data_warnings_total count it.
        let screened = RealFeed.event("F-HITS", "admission", hoursAgo: 2, encounter: "E-HITS", admittedHoursAgo: 2)
            .replacingOccurrences(
                of: #""social":{"#,
                with:
                    #""social":{"screenings":[{"question":"95614-4","answer_value":15},{"question":"95618-5","answer_code":"LA4489-6"}],"#
            )
        try screened.write(toFile: home + "/hits.staging", atomically: true, encoding: .utf8)
        #expect(rename(home + "/hits.staging", home + "/inbox/hits.json") == 0)
        #expect(
            daemon.wait {
                ((try? String(contentsOfFile: home + "/metrics.prom", encoding: .utf8)) ?? "").contains(
                    "riskscreen_data_warnings_total 1")
            }, "\(daemon.log)")
        #expect(daemon.log.contains("data problem in an event"))
        let alert = try #require(daemon.files("alerts").first)
        let record = try String(contentsOfFile: home + "/alerts/" + alert, encoding: .utf8)
        #expect(record.contains(#""warnings":["screening answer LA4489-6 is not an answer of 95618-5"#), "\(record)")
        #expect(daemon.stop().status == 0)
    }
}
