import Foundation
import Testing

/// Mistakes that used to pass in silence, each made loud: an empty rule set, a missing rules
/// directory, a demo that drained nothing, undelivered alerts after `run --once`, a refused
/// reload reported as healthy, a missing home, a filter that matches nothing.
@Suite("Every mistake loud: operators and rule authors are told", .serialized)
struct LoudMistakesTests {
    @Test("a rules directory named through a symbolic link is read, by check and by test, not taken for an empty one")
    func symlinkedRules() throws {
        let directory = try TemporaryDirectory()
        let root = RiskScreenProcess.packageRoot
        // The shipped rules' tests name ../samples: link both, as an installation would.
        try FileManager.default.createDirectory(atPath: directory.path + "/release", withIntermediateDirectories: true)
        for name in ["rules", "samples"] {
            try FileManager.default.createSymbolicLink(
                atPath: directory.path + "/release/" + name, withDestinationPath: root.appendingPathComponent(name).path
            )
        }
        try FileManager.default.createSymbolicLink(
            atPath: directory.path + "/rules", withDestinationPath: directory.path + "/release/rules")
        let check = try RiskScreenProcess.run(["check", directory.path + "/rules"])
        #expect(check.status == 0, "\(check.stdout)")
        #expect(check.stdout.firstMatch(of: /^ok: [1-9]\d* files, [1-9]\d* rules/) != nil, "\(check.stdout)")
        let test = try RiskScreenProcess.run(["test", directory.path + "/release/rules"])
        #expect(test.status == 0, "\(test.stdout)")
        #expect(test.stdoutLines.last?.firstMatch(of: /^[1-9]\d* passed, 0 failed$/) != nil, "\(test.stdout)")
    }

    @Test("an empty or mistyped rules directory is refused by check, run and a reload, unless allowed")
    func emptyRules() throws {
        let directory = try TemporaryDirectory()
        let empty = directory.path + "/rules-typo"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let check = try RiskScreenProcess.run(["check", empty])
        #expect(check.status == 1)
        #expect(check.stdout.contains("error: no rules: \(empty) holds 0 rule files and no rule"), "\(check.stdout)")
        #expect(try RiskScreenProcess.run(["check", "--allow-empty-rules", empty]).status == 0)
        let config = directory.path + "/allow.yaml"
        try "allow_empty_rules: true\n".write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try RiskScreenProcess.run(["check", "--config", config, empty]).status == 0)

        let home = directory.path + "/home"
        let run = try RiskScreenProcess.run(["run", "--once", "--home", home, "--rules", empty])
        #expect(run.status == 2)
        #expect(run.stderr.contains("nothing was created"))
        #expect(!FileManager.default.fileExists(atPath: home), "a run that cannot work created its home")
        // A missing directory: the same, and nothing created either.
        let missing = try RiskScreenProcess.run([
            "run", "--once", "--home", home, "--rules", directory.path + "/nosuchdir",
        ])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nosuchdir:1:1: error: no such file or directory"))
        #expect(!FileManager.default.fileExists(atPath: home))
    }

    @Test(
        "a refused reload leaves status degraded, naming the errors and when the rules in use were loaded, until a good one"
    )
    func refusedReload() throws {
        let (directory, home, rules) = try TemporaryDirectory.daemonHome(copyingRules: true)
        _ = directory
        let daemon = try RunningDaemon(home: home, rules: rules)
        #expect(daemon.wait { daemon.log.contains("riskscreen started") })
        // A good reload of the same rules is logged at notice.
        daemon.signal(SIGHUP)
        #expect(daemon.wait { daemon.log.contains("rules reloaded, unchanged") }, "\(daemon.log)")
        #expect(try RiskScreenProcess.run(["status", "--home", home]).status == 0)
        // Every rule file gone: refused (an empty rule set is an error).
        for file in try FileManager.default.contentsOfDirectory(atPath: rules) where !file.hasSuffix(".test.yaml") {
            try FileManager.default.removeItem(atPath: rules + "/" + file)
        }
        daemon.signal(SIGHUP)
        #expect(daemon.wait { daemon.log.contains("reload refused") }, "\(daemon.log)")
        let status = try RiskScreenProcess.run(["status", "--home", home])
        #expect(status.status == 1)
        #expect(
            status.stdoutLines.last?.hasPrefix("status: degraded: the last reload was refused (1 error at ") == true,
            "\(status.stdout)")
        #expect(status.stdout.contains("); the rules in use were loaded at "))
        // Put the rules back: healthy again.
        let shipped = RiskScreenProcess.packageRoot.appendingPathComponent("rules").path
        for file in try FileManager.default.contentsOfDirectory(atPath: shipped)
        where file.hasSuffix(".yaml") || file == "scores" {
            if !FileManager.default.fileExists(atPath: rules + "/" + file) {
                try FileManager.default.copyItem(atPath: shipped + "/" + file, toPath: rules + "/" + file)
            }
        }
        daemon.signal(SIGHUP)
        #expect(
            daemon.wait { (try? RiskScreenProcess.run(["status", "--home", home]).status) == 0 }, "\(daemon.log)")
        #expect(daemon.stop().status == 0)
    }

    @Test(
        "run --once --demo drains the samples in one call; with a daemon on the home it refuses before touching the inbox"
    )
    func demo() throws {
        let directory = try TemporaryDirectory()
        let rules = RiskScreenProcess.packageRoot.appendingPathComponent("rules").path
        let samples = try directory.copy(RiskScreenProcess.packageRoot.appendingPathComponent("samples"), as: "samples")
        _ = samples
        let once = try RiskScreenProcess.run(
            ["run", "--once", "--demo", "--home", "var", "--rules", rules], in: directory.url)
        #expect(once.status == 0, "\(once.stderr)")
        // The 19 contract samples, 6 HL7 messages and a batch's 2, 2 FHIR bundles (the cancels stay
        // out of the demonstration); the A28s ignored.
        #expect(once.stdout.hasPrefix("29 processed, 0 duplicate, 0 conflict, 5 invalid"), "\(once.stdout)")
        #expect(once.stdout.contains("2 HL7 ignored (not about an encounter), 1 HL7 batch split"), "\(once.stdout)")

        let home = directory.path + "/var"
        let daemon = try RunningDaemon(home: home, rules: rules)
        #expect(daemon.wait { daemon.log.contains("riskscreen started") })
        let second = try RiskScreenProcess.run(
            ["run", "--once", "--demo", "--home", "var", "--rules", rules], in: directory.url)
        #expect(second.status == 1)
        #expect(second.stderr.contains("another riskscreen is already running"))
        #expect(daemon.files("inbox").filter { $0.hasSuffix(".json") }.isEmpty, "the refused demo dropped samples")
        #expect(daemon.stop().status == 0)
    }

    @Test("run --once exits 3 when alerts stay undelivered, and its summary says so")
    func undelivered() throws {
        let directory = try TemporaryDirectory()
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        // alerts.jsonl cannot be written: a directory is in its place.
        try FileManager.default.createDirectory(atPath: home + "/alerts.jsonl", withIntermediateDirectories: true)
        try SampleEvents.write("08-discharge-homeless.json", to: home + "/inbox/08.json")
        let run = try RiskScreenProcess.run(["run", "--once", "--home", home, "--minimum-age", "0"])
        #expect(run.status == 3, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("undelivered (a sink is failing; retried next run)"), "\(run.stdout)")
        #expect(run.stderr.contains("could not be made; the outbox keeps them for the next run"))
        // status tells the same story: the count the run left, in the outbox line and the problems.
        let undelivered = try #require(run.stdout.firstMatch(of: /(\d+) undelivered/)?.output.1, "\(run.stdout)")
        #expect(undelivered == "2")
        let status = try RiskScreenProcess.run(["status", "--home", home])
        #expect(status.status == 2)
        #expect(status.stdout.contains("outbox: jsonl 2 waiting (1 failed at least once)"), "\(status.stdout)")
        #expect(
            status.stdoutLines.last
                == "status: not running: the jsonl sink is failing: 2 deliveries waiting, 1 failed at least once; 2 deliveries wait in the outbox for the next run",
            "\(status.stdout)")
        let json = try RiskScreenProcess.run(["status", "--home", home, "--json"])
        #expect(json.stdout.contains(#""outbox":{"jsonl":2}"#), "\(json.stdout)")
        // Once the file can be written, the next run delivers them and exits 0.
        try FileManager.default.removeItem(atPath: home + "/alerts.jsonl")
        let again = try RiskScreenProcess.run(["run", "--once", "--home", home, "--minimum-age", "0"])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(!again.stdout.contains("undelivered"))
    }

    @Test("status names a home that does not exist, and reads the home from --config")
    func statusHome() throws {
        let directory = try TemporaryDirectory()
        let missing = try RiskScreenProcess.run(["status", "--home", directory.path + "/nowhere"])
        #expect(missing.status == 2)
        #expect(missing.stdout.contains("no home at \(directory.path)/nowhere"))
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        #expect(try RiskScreenProcess.run(["run", "--once", "--home", home]).status == 0)
        let config = directory.path + "/riskscreen.yaml"
        try "home: \(home)\n".write(toFile: config, atomically: true, encoding: .utf8)
        let status = try RiskScreenProcess.run(["status", "--config", config])
        #expect(status.status == 2)  // not running, but the home is found
        #expect(status.stdout.contains("riskscreen: not running on \(home)"), "\(status.stdout)")
    }

    @Test("riskscreen test: a filter that matches nothing is an error; coverage judges only the rules under test")
    func testCommand() throws {
        let nothing = try RiskScreenProcess.run(["test", "rules", "--filter", "nothingmatches"])
        #expect(nothing.status == 2)
        #expect(nothing.stdout.contains("no case matches --filter \"nothingmatches\""))
        let directory = try TemporaryDirectory()
        let site = directory.path + "/site"
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        try """
        rules:
          - { id: site.falls, title: Falls, category: discharge_safety, events: [discharge], when: "functional.falls_6mo >= 2", priority: medium, referral: discharge-planning }
        """.write(toFile: site + "/falls.yaml", atomically: true, encoding: .utf8)
        let event =
            #"{ schema_version: 1, event_id: F1, event_type: discharge, occurred_at: "2026-11-22T10:00:00-05:00", patient: { id: S-1 }, encounter: { id: E-1, admitted_at: "2026-11-20T10:00:00-05:00", discharged_at: "2026-11-22T10:00:00-05:00" }, functional: { falls_6mo: N } }"#
        try """
        cases:
          - { name: two falls, event: \(event.replacingOccurrences(of: "N }", with: "2 }")), fires: [site.falls] }
          - { name: one fall, event: \(event.replacingOccurrences(of: "N }", with: "1 }")), does_not_fire: [site.falls] }
        """.write(toFile: site + "/falls.test.yaml", atomically: true, encoding: .utf8)
        let filtered = try RiskScreenProcess.run(
            ["test", "rules", site, "--filter", "falls.test.yaml", "--require-coverage"])
        #expect(filtered.status == 0, "\(filtered.stdout)")
        #expect(filtered.stdoutLines.last == "2 passed, 0 failed")
        #expect(!filtered.stdout.contains("readmission.lace-high"), "coverage judged the shipped rules too")
        // A test file named directly runs against the rules of its directory.
        let direct = try RiskScreenProcess.run(["test", site + "/falls.test.yaml"])
        #expect(direct.status == 0, "\(direct.stdout)")
        #expect(direct.stdoutLines.last == "2 passed, 0 failed")
    }

    @Test(
        "a referral nobody watches is refused with a did-you-mean; a site declares its own teams in the configuration")
    func referralTargets() throws {
        let directory = try TemporaryDirectory()
        let site = directory.path + "/site"
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        try """
        rules:
          - { id: site.falls, title: Falls, category: discharge_safety, events: [discharge], when: "functional.falls_6mo >= 2", priority: medium, referral: caregiver-suport }
        """.write(toFile: site + "/falls.yaml", atomically: true, encoding: .utf8)
        let typo = try RiskScreenProcess.run(["check", "rules", site])
        #expect(typo.status == 1)
        #expect(
            typo.stdout.contains(
                "\(site)/falls.yaml:2:149: error: unknown referral \"caregiver-suport\" (did you mean \"caregiver-support\"?)"
            ),
            "\(typo.stdout)")
        let start = try RiskScreenProcess.run([
            "run", "--once", "--home", directory.path + "/home", "--rules", "rules", "--rules", site,
        ])
        #expect(start.status == 2)
        #expect(start.stderr.contains("unknown referral \"caregiver-suport\""))
        // A team of the site's own, declared in its configuration, with its own deadline.
        try """
        rules:
          - { id: site.falls, title: Falls, category: discharge_safety, events: [discharge], when: "functional.falls_6mo >= 2", priority: medium, referral: falls-clinic }
        """.write(toFile: site + "/falls.yaml", atomically: true, encoding: .utf8)
        #expect(try RiskScreenProcess.run(["check", "rules", site]).status == 1)
        let config = directory.path + "/riskscreen.yaml"
        try """
        referrals:
          - { id: discharge-planning, name: Discharge planning }
          - { id: caregiver-support, name: Caregiver support }
          - { id: pharmacy-financial-counseling, name: Pharmacy and financial counseling }
          - { id: social-needs, name: Social needs }
          - { id: safety, name: Safety }
          - { id: falls-clinic, name: Falls clinic, service_levels: { medium: 2h } }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let declared = try RiskScreenProcess.run(["check", "--config", config, "rules", site])
        #expect(declared.status == 0, "\(declared.stdout)")
        let event = directory.path + "/falls.json"
        try
            #"{"schema_version":1,"event_id":"F-1","event_type":"discharge","occurred_at":"2026-11-24T10:00:00Z","patient":{"id":"S-F"},"encounter":{"id":"E-F","admitted_at":"2026-11-22T10:00:00Z","discharged_at":"2026-11-24T10:00:00Z"},"functional":{"falls_6mo":3}}"#
            .write(toFile: event, atomically: true, encoding: .utf8)
        let eval = try RiskScreenProcess.run(["eval", "--config", config, "--rules", "rules", "--rules", site, event])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(eval.stdout.contains(#""referral":"falls-clinic""#))
        #expect(eval.stdout.contains(#""respond_by":"2026-11-24T12:00:00Z""#), "the team's own 2 h: \(eval.stdout)")
        // Mistakes in the declaration are reported at their place.
        try """
        referrals:
          - { id: Falls Clinic, name: Falls }
          - { id: safety, nmae: Safety }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let bad = try RiskScreenProcess.run(["check", "--config", config])
        #expect(bad.status == 1)
        #expect(
            bad.stdout.contains("riskscreen.yaml:2:11: error: a referral id is lower-case letters, digits and dashes"))
        #expect(
            bad.stdout.contains(
                "riskscreen.yaml:3:19: error: unknown key \"nmae\" in a referral target (did you mean \"name\"?)"))
    }

    @Test("the shipped example configuration checks clean with the shipped rules")
    func shippedConfiguration() throws {
        let example = RiskScreenProcess.packageRoot.appendingPathComponent("deploy/riskscreen.yaml").path
        let check = try RiskScreenProcess.run(["check", "--config", example, "rules"])
        #expect(check.status == 0, "\(check.stdout)")
        #expect(check.stdoutLines.first == "ok: \(example)")
        #expect(check.stdoutLines.last?.hasPrefix("ok: 12 files, 21 rules") == true)
    }

    @Test("queue list refuses a referral or priority it does not know instead of listing nothing")
    func queueFilters() throws {
        let directory = try TemporaryDirectory()
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        try SampleEvents.write("08-discharge-homeless.json", to: home + "/inbox/08.json")
        #expect(try RiskScreenProcess.run(["run", "--once", "--home", home, "--minimum-age", "0"]).status == 0)
        let referral = try RiskScreenProcess.run(["queue", "list", "--home", home, "--referral", "social-need"])
        #expect(referral.status == 1)
        #expect(referral.stderr.contains("unknown referral \"social-need\" (did you mean \"social-needs\"?)"))
        let priority = try RiskScreenProcess.run(["queue", "list", "--home", home, "--priority", "urgent"])
        #expect(priority.status != 0)
        #expect(priority.stderr.contains("unknown priority \"urgent\"; the priorities are low, medium, high, critical"))
        // A known referral with nothing open still lists nothing, and says so.
        let empty = try RiskScreenProcess.run(["queue", "list", "--home", home, "--referral", "safety"])
        #expect(empty.status == 0)
        #expect(empty.stdoutLines.last == "(no alerts)")
    }

    @Test("files the daemon will never take are reported: a warning per name, a gauge, and status degraded")
    func neverTaken() throws {
        let (directory, home, rules) = try TemporaryDirectory.daemonHome(copyingRules: false)
        _ = directory
        let daemon = try RunningDaemon(home: home, rules: rules)
        #expect(daemon.wait { daemon.log.contains("riskscreen started") })
        for name in ["event04.JSON", "adt.txt", ".being-written.json", "upload.part"] {
            try "{}".write(toFile: home + "/inbox/" + name, atomically: false, encoding: .utf8)
        }
        try daemon.drop(sample: "13-discharge-low-risk-elective.json", as: "13.json")  // a pass, and metrics
        #expect(
            daemon.wait {
                ((try? String(contentsOfFile: home + "/metrics.prom", encoding: .utf8)) ?? "").contains(
                    "riskscreen_inbox_never_taken 2")
            }, "\(daemon.log)")
        #expect(daemon.log.components(separatedBy: "never takes").count - 1 == 2, "\(daemon.log)")
        #expect(daemon.log.contains("file=adt.txt") && daemon.log.contains("file=event04.JSON"))
        let status = try RiskScreenProcess.run(["status", "--home", home])
        #expect(status.status == 1)
        #expect(
            status.stdoutLines.last
                == "status: degraded: 2 files in the inbox will never be taken (RiskScreen takes *.json and *.hl7): adt.txt, event04.JSON",
            "\(status.stdout)")
        #expect(status.stdout.contains("inbox: 0 waiting; 2 never taken (not *.json or *.hl7)"))
        // Another pass does not repeat the warnings.
        try daemon.drop(sample: "08-discharge-homeless.json", as: "08.json")
        #expect(daemon.wait { daemon.files("alerts").count == 2 })
        #expect(daemon.log.components(separatedBy: "never takes").count - 1 == 2)
        #expect(daemon.stop().status == 0)
    }

    @Test("check site names where a shipped condition it cannot resolve is declared, and how to check them together")
    func conditionsElsewhere() throws {
        let directory = try TemporaryDirectory()
        let site = directory.path + "/site"
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        try """
        rules:
          - { id: site.falls, title: Falls, category: discharge_safety, events: [discharge], when: "functional.falls_6mo >= 2 and not patient_died", priority: medium, referral: discharge-planning }
        """.write(toFile: site + "/falls.yaml", atomically: true, encoding: .utf8)
        let alone = try RiskScreenProcess.run(["check", site])
        #expect(alone.status == 1)
        #expect(
            alone.stdout.contains(
                "\"patient_died\" is a condition declared in rules/end-of-life.yaml, a directory not loaded here: check the directories together, `riskscreen check rules \(site)`"
            ), "\(alone.stdout)")
        #expect(try RiskScreenProcess.run(["check", "rules", site]).status == 0)
    }
}
