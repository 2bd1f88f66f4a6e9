import Foundation
import Testing

@Suite("riskscreen check and eval, run as a user would")
struct CheckAndEvalCommandTests {
    static let root = RiskScreenProcess.packageRoot
    static let samples = ValidateCommandTests.samples

    @Test("the shipped rules check clean: exit 0 and a summary line")
    func shippedRulesAreClean() throws {
        let result = try RiskScreenProcess.run(["check", "rules"])
        #expect(result.status == 0)
        #expect(result.stdoutLines.count == 1)
        #expect(result.stdout.hasPrefix("ok: 12 files, "))
        #expect(result.stdout.contains("0 warnings; rules version sha256:"))
    }

    @Test("a broken copy of the rules gives each error at its file:line:column, and exit 1")
    func brokenRules() throws {
        let directory = try TemporaryDirectory()
        let rules = try directory.copy(Self.root.appendingPathComponent("rules"), as: "rules")
        func edit(_ name: String, _ from: String, _ to: String) throws {
            let file = rules.appendingPathComponent(name)
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(text.contains(from), "\(name) no longer holds \(from)")
            try text.replacingOccurrences(of: from, with: to).write(to: file, atomically: true, encoding: .utf8)
        }
        // Unknown field, type error, duplicate id, YAML syntax error: one in each of four files.
        try edit(
            "discharge-safety.yaml", "when: social.housing == \"homeless\"", "when: social.houseing == \"homeless\"")
        try edit("readmission.yaml", "when: score.hospital >= 7", "when: score.hospital >= \"seven\"")
        try edit("safety.yaml", "id: safety.interpersonal-violence", "id: discharge-safety.against-medical-advice")
        try edit("social-needs.yaml", "    priority: low\n", "    priority: low\n   referral: [oops\n")

        let result = try RiskScreenProcess.run(["check", rules.path])
        #expect(result.status == 1)
        let errors = result.stdoutLines.filter { $0.contains(": error: ") }
        #expect(
            errors == [
                "\(rules.path)/discharge-safety.yaml:10:11: error: unknown field or name \"social.houseing\" (did you mean \"social.housing\"?)",
                "\(rules.path)/readmission.yaml:31:11: error: cannot compare a number with text",
                "\(rules.path)/safety.yaml:42:9: error: duplicate rule id \"discharge-safety.against-medical-advice\"; it is first declared at \(rules.path)/discharge-safety.yaml:26:9",
                "\(rules.path)/social-needs.yaml:47:4: error: YAML syntax: did not find expected '-' indicator while parsing a block collection that starts at line 29, column 3",
            ])
        // Each error is followed by its source line and a caret.
        let first = try #require(result.stdoutLines.firstIndex { $0.contains("discharge-safety.yaml:10:11") })
        #expect(result.stdoutLines[first + 1] == "        when: social.houseing == \"homeless\" and not patient_died")
        #expect(result.stdoutLines[first + 2] == "              ^")
        #expect(result.stdoutLines.last == "4 errors, 0 warnings; the rule set is refused")
    }

    @Test("check --format json gives the same problems as JSON")
    func checkJSON() throws {
        let directory = try TemporaryDirectory()
        let file = directory.url.appendingPathComponent("bad.yaml")
        try "rules:\n  - { id: r, title: T, category: c, when: \"agee > 1\", priority: low, referral: social-needs }\n"
            .write(
                to: file, atomically: true, encoding: .utf8)
        let result = try RiskScreenProcess.run(["check", "--format", "json", file.path])
        #expect(result.status == 1)
        let items = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(items.count == 1)
        #expect(items.first?["line"] as? Int == 2)
        #expect(items.first?["column"] as? Int == 44)
        #expect(items.first?["severity"] as? String == "error")
    }

    @Test("eval prints one JSON line per sample, with every score and alerts as the contract spells them")
    func evalSamples() throws {
        let result = try RiskScreenProcess.run(
            ["eval", "--rules", "rules", "--now", "2026-11-22T17:00:00Z"] + Self.samples)
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        #expect(result.stdoutLines.count == Self.samples.count)
        var alertCount = 0
        var referrals = Set<String>()
        for line in result.stdoutLines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["event_id"] is String)
            let scores = try #require(object["scores"] as? [String: [String: Any]])
            #expect(Set(scores.keys) == ["charlson", "lace", "hospital", "mcsi"])
            for score in scores.values {
                #expect(score["value"] is NSNumber)
                #expect(score["parts"] is [String: Any])
            }
            #expect(object["findings"] is [Any])
            for alert in try #require(object["alerts"] as? [[String: Any]]) {
                alertCount += 1
                for key in [
                    "alert_id", "created_at", "event_id", "event_type", "occurred_at", "patient_id", "encounter_id",
                    "priority", "respond_by", "referral", "summary", "rules_version", "status",
                ] {
                    #expect(alert[key] is String, "alert lacks \(key)")
                }
                #expect(alert.keys.contains("facility_id") && alert.keys.contains("unit"))
                #expect(["critical", "high", "medium", "low"].contains(alert["priority"] as? String ?? ""))
                #expect((alert["summary"] as? String ?? "").count <= 140)
                #expect(alert["status"] as? String == "open")
                #expect(alert["created_at"] as? String == "2026-11-22T17:00:00Z")
                referrals.insert(alert["referral"] as? String ?? "")
                let findings = try #require(alert["findings"] as? [[String: Any]])
                #expect(!findings.isEmpty)
                for finding in findings {
                    for key in ["rule_id", "title", "category", "priority", "reason"] {
                        #expect(finding[key] is String)
                    }
                    #expect(finding["scores"] is [String: Any])
                    #expect(!(finding["references"] as? [String] ?? []).isEmpty)
                }
            }
        }
        #expect(alertCount >= 12)
        #expect(
            referrals == [
                "discharge-planning", "caregiver-support", "pharmacy-financial-counseling", "social-needs", "safety",
            ])
    }

    @Test(
        "the calm sample raises no alert; the homeless one a critical discharge-planning alert due within the hour of the discharge"
    )
    func specificSamples() throws {
        let calm = try RiskScreenProcess.run(["eval", "samples/13-discharge-low-risk-elective.json"])
        #expect(calm.stdout.contains("\"alerts\":[]"))
        let homeless = try RiskScreenProcess.run([
            "eval", "--now", "2026-11-23T15:00:00Z", "samples/08-discharge-homeless.json",
        ])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(homeless.stdout.utf8)) as? [String: Any])
        let first = try #require((object["alerts"] as? [[String: Any]])?.first)
        #expect(first["priority"] as? String == "critical")
        #expect(first["referral"] as? String == "discharge-planning")
        // Discharged at 09:40 -05:00 (14:40Z): due an hour later, whenever RiskScreen read it.
        #expect(first["respond_by"] as? String == "2026-11-23T15:40:00Z")
        #expect(first["raised_overdue"] == nil)
        let late = try RiskScreenProcess.run([
            "eval", "--now", "2026-11-23T18:00:00Z", "samples/08-discharge-homeless.json",
        ])
        let lateObject = try #require(try JSONSerialization.jsonObject(with: Data(late.stdout.utf8)) as? [String: Any])
        let lateFirst = try #require((lateObject["alerts"] as? [[String: Any]])?.first)
        #expect(lateFirst["respond_by"] as? String == "2026-11-23T15:40:00Z")
        #expect(lateFirst["raised_overdue"] as? Bool == true)
    }

    @Test("alert ids are the same for the same event and referral, whenever it is evaluated")
    func deterministicAlertIDs() throws {
        let a = try RiskScreenProcess.run([
            "eval", "--now", "2026-11-22T17:00:00Z", "samples/08-discharge-homeless.json",
        ])
        let b = try RiskScreenProcess.run([
            "eval", "--now", "2026-12-01T09:00:00Z", "samples/08-discharge-homeless.json",
        ])
        func ids(_ output: String) throws -> [String] {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            return (object["alerts"] as? [[String: Any]] ?? []).compactMap { $0["alert_id"] as? String }
        }
        #expect(try ids(a.stdout) == (try ids(b.stdout)))
        #expect(try ids(a.stdout).count == 2)
    }

    @Test("eval --explain shows, for each rule, fired or not and the values that decided it")
    func explainText() throws {
        let result = try RiskScreenProcess.run([
            "eval", "--explain", "--now", "2026-11-22T17:00:00Z", "samples/04-discharge-lives-alone-adl-dependent.json",
        ])
        #expect(result.status == 0)
        let lines = result.stdoutLines
        #expect(lines.count > 20)
        #expect(lines.contains("   ✔ caregiver.alone-with-adl-dependencies: FIRED (high)"))
        #expect(lines.contains("   · readmission.lace-high: not fired"))
        #expect(lines.contains { $0.contains("score.lace = 8") })
        #expect(lines.contains("   · social-needs.transportation: not fired"))
        #expect(lines.contains("   · caregiver.strain-mcsi: not fired"))
        #expect(lines.contains { $0.contains("score.mcsi = 0") })
        #expect(lines.contains { $0.trimmingCharacters(in: .whitespaces) == "social.caregiver.age = missing" })
    }

    @Test("eval --explain --format json adds an explain member that tools can read")
    func explainJSON() throws {
        let result = try RiskScreenProcess.run([
            "eval", "--explain", "--format", "json", "samples/10-admission-positive-safety-screen.json",
        ])
        #expect(result.stdoutLines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let explain = try #require(object["explain"] as? [[String: Any]])
        let safety = try #require(explain.first { $0["rule_id"] as? String == "safety.interpersonal-violence" })
        #expect(safety["outcome"] as? String == "fired")
        #expect(safety["priority"] as? String == "critical")
    }

    @Test("an invalid event prints its errors on stderr, the others still print, and the exit status is 1")
    func invalidEvents() throws {
        let result = try RiskScreenProcess.run([
            "eval", "samples/13-discharge-low-risk-elective.json", "samples/invalid/bad-date-time.json",
            "samples/12-discharge-against-medical-advice.json",
        ])
        #expect(result.status == 1)
        #expect(result.stdoutLines.count == 2)
        #expect(
            result.stderrLines == [
                "samples/invalid/bad-date-time.json: $.encounter.admitted_at: expected RFC 3339 date-time, got \"yesterday\""
            ])
    }

    @Test("eval with rules that do not load says so and exits 2")
    func evalBrokenRules() throws {
        let directory = try TemporaryDirectory()
        try "rules:\n  - { id: r, title: T, category: c, when: \"nope > 1\", priority: low, referral: x }\n".write(
            to: directory.url.appendingPathComponent("r.yaml"), atomically: true, encoding: .utf8)
        let result = try RiskScreenProcess.run([
            "eval", "--rules", directory.path, "samples/13-discharge-low-risk-elective.json",
        ])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("unknown field or name \"nope\""))
    }

    @Test("--now must be a date-time")
    func badNow() throws {
        let result = try RiskScreenProcess.run([
            "eval", "--now", "tomorrow", "samples/13-discharge-low-risk-elective.json",
        ])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--now must be an RFC 3339 date-time"))
    }
}
