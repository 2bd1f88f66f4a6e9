import Foundation
import Testing

/// A site mapping through the real binary: `convert --mapping`, a configuration that names one,
/// the daemon reading a site's feed with it, and `check --config` finding its mistakes.
@Suite("Site mapping: this hospital's codes, segments and observations, through the real binary")
struct SiteMappingFeedTests {
    static let samples = RiskScreenProcess.packageRoot.appendingPathComponent("samples/site")

    static func sample(_ name: String) -> String { samples.appendingPathComponent(name).path }

    @Test("convert with the sample mapping gives the expected events; without it, the site's codes are refused by name")
    func convert() throws {
        for name in ["a03-site-fields.hl7", "fhir-site-observations.json"] {
            let expected = try String(
                contentsOfFile: Self.sample(name.split(separator: ".")[0] + ".expected.jsonl"), encoding: .utf8)
            let mapped = try RiskScreenProcess.run([
                "convert", "--mapping", Self.sample("site-mapping.yaml"), Self.sample(name),
            ])
            #expect(mapped.status == 0, "\(name): \(mapped.stderr)")
            #expect(mapped.stdout == expected, "\(name)")
            // The sample configuration names the mapping relative to itself.
            let configured = try RiskScreenProcess.run([
                "convert", "--config", Self.sample("riskscreen.yaml"), Self.sample(name),
            ])
            #expect(configured.stdout == expected, "\(name): \(configured.stderr)")
            let plain = try RiskScreenProcess.run(["convert", Self.sample(name)])
            #expect(plain.status == 1)
            #expect(plain.stderr.contains("codes: encounter.class"), "\(plain.stderr)")
        }
    }

    @Test("the daemon reads the site's feed through the mapping its configuration names: alerts from site fields")
    func daemon() throws {
        let (directory, home, rules) = try TemporaryDirectory.daemonHome(copyingRules: false)
        defer { withExtendedLifetime(directory) {} }
        try FileManager.default.createDirectory(atPath: directory.path + "/site", withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: Self.sample("site-mapping.yaml"), toPath: directory.path + "/site/mapping.yaml")
        let config = directory.path + "/riskscreen.yaml"
        try "home: \(home)\nrules: [\(rules)]\nsite_mapping: site/mapping.yaml\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: Self.sample("a03-site-fields.hl7"), toPath: home + "/inbox/a03.hl7")
        try FileManager.default.copyItem(
            atPath: Self.sample("fhir-site-observations.json"), toPath: home + "/inbox/bundle.json")
        let run = try RiskScreenProcess.run(["run", "--once", "--config", config, "--minimum-age", "0"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("2 processed") && run.stdout.contains("0 invalid"), "\(run.stdout)")
        let list = try RiskScreenProcess.run(["queue", "list", "--home", home, "--json"])
        let alerts = list.stdoutLines.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        // ZSW-2 lives alone, ZSW-4 no caregiver, the local ADL and cognition observations: the
        // patient going home alone is pointed out, as the site's own fields say.
        let alert = try #require(alerts.first { $0["patient_id"] as? String == "S-300455" }, "\(list.stdout)")
        #expect(alert["referral"] as? String == "discharge-planning")
        #expect((alert["summary"] as? String)?.contains("3 ADL dependencies") == true, "\(alert)")
        #expect(alert["unit"] as? String == "3N", "\(alert)")

        // A value the mapping does not know: quarantined with the field and what the mapping knows.
        let unknown = try String(contentsOfFile: Self.sample("a03-site-fields.hl7"), encoding: .utf8)
            .replacingOccurrences(of: "ZSW|1|Y|S|N", with: "ZSW|1|Y|Q|N")
            .replacingOccurrences(of: "SV-A03-0001", with: "SV-A03-0002")
        try unknown.write(toFile: home + "/inbox/unknown.hl7", atomically: true, encoding: .utf8)
        let again = try RiskScreenProcess.run(["run", "--once", "--config", config, "--minimum-age", "0"])
        #expect(again.stdout.contains("1 invalid"), "\(again.stdout)")
        let reason = try String(contentsOfFile: home + "/quarantine/unknown.hl7.reason.json", encoding: .utf8)
        #expect(
            reason.contains(#"ZSW-3: \"Q\" is not among the values the site mapping gives for social.housing"#),
            "\(reason)")
    }

    @Test("check --config reports the mapping's mistakes at their file, line and column; run refuses to start")
    func check() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let mapping = directory.path + "/mapping.yaml"
        try """
        patient_identifier: MR
        codes:
          coverage.type: { BCBS: comercial }
        fields:
          - { from: ZSW-2, to: social.livesalone }
        """.write(toFile: mapping, atomically: true, encoding: .utf8)
        let config = directory.path + "/riskscreen.yaml"
        try "home: \(directory.path)/home\nsite_mapping: mapping.yaml\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let check = try RiskScreenProcess.run(["check", "--config", config])
        #expect(check.status == 1)
        #expect(
            check.stdout.contains("\(mapping):3:26: error: \"comercial\" is not a value of coverage.type"),
            "\(check.stdout)")
        #expect(check.stdout.contains("\(mapping):5:24: error: \"social.livesalone\""), "\(check.stdout)")
        let run = try RiskScreenProcess.run(["run", "--once", "--config", config])
        #expect(run.status != 0)
        #expect(run.stderr.contains("comercial"), "\(run.stderr)")
        // A missing mapping file is named at the configuration's line.
        try "site_mapping: nowhere.yaml\n".write(toFile: config, atomically: true, encoding: .utf8)
        let missing = try RiskScreenProcess.run(["check", "--config", config])
        #expect(missing.status == 1)
        #expect(missing.stdout.contains("\(config):1:15: error: the site mapping"), "\(missing.stdout)")
    }
}
