import Foundation
import Testing

/// HL7 v2 files in the inbox, through the real binary: each message screened once, batches split,
/// messages not about an encounter archived, the rest quarantined with the field at fault.
@Suite("HL7 v2 feeds: files in the inbox, convert, validate")
struct HL7FeedTests {
    static let samples = RiskScreenProcess.packageRoot.appendingPathComponent("samples/hl7v2")

    static func sample(_ name: String) throws -> String {
        try String(contentsOf: samples.appendingPathComponent(name), encoding: .utf8)
    }

    /// A home in a temporary folder, with a configuration naming the site's zone (the samples'
    /// A04 is sent in local time).
    static func home() throws -> (TemporaryDirectory, home: String, config: String) {
        let (directory, home, rules) = try TemporaryDirectory.daemonHome(copyingRules: false)
        let config = directory.path + "/riskscreen.yaml"
        try "home: \(home)\nrules: [\(rules)]\ntimezone: America/New_York\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        return (directory, home, config)
    }

    static func files(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    static func archived(_ home: String) -> [String] {
        files(home + "/archive").flatMap { files(home + "/archive/" + $0) }.sorted()
    }

    @Test("an A01 then an A03 of one stay: screened like contract events, the discharge raises its alerts")
    func admissionThenDischarge() throws {
        let (directory, home, config) = try Self.home()
        defer { withExtendedLifetime(directory) {} }
        try Self.sample("a01-admission.hl7").write(toFile: home + "/inbox/a01.hl7", atomically: true, encoding: .utf8)
        try Self.sample("a03-discharge.hl7").write(toFile: home + "/inbox/a03.hl7", atomically: true, encoding: .utf8)
        let run = try RiskScreenProcess.run(["run", "--once", "--config", config, "--minimum-age", "0"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("2 processed"), "\(run.stdout)")
        #expect(Self.archived(home) == ["a01.hl7", "a03.hl7"])
        let list = try RiskScreenProcess.run(["queue", "list", "--home", home, "--json"])
        let alerts = list.stdoutLines.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        // The discharge's food screening (often true / sometimes true) opens a social-needs alert
        // for the patient and stay the HL7 named.
        let social = try #require(alerts.first { $0["referral"] as? String == "social-needs" }, "\(list.stdout)")
        #expect(social["patient_id"] as? String == "S-200101")
        #expect(social["unit"] as? String == "5E")
        let shown = try RiskScreenProcess.run([
            "queue", "show", "--home", home, try #require(social["alert_id"] as? String),
        ])
        #expect(shown.stdout.contains("HL7-A03-0002"), "the alert names the message it came from: \(shown.stdout)")
        #expect(shown.stdout.contains("sometimes true"), "\(shown.stdout)")
        // The same file again: a duplicate, by its MSH-10, and nothing new.
        try Self.sample("a03-discharge.hl7").write(
            toFile: home + "/inbox/a03-again.hl7", atomically: true, encoding: .utf8)
        let again = try RiskScreenProcess.run(["run", "--once", "--config", config, "--minimum-age", "0"])
        #expect(again.stdout.contains("0 processed, 1 duplicate"), "\(again.stdout)")
    }

    @Test("a batch: one file per message in the inbox, each screened once; the batch again adds nothing")
    func batch() throws {
        let (directory, home, config) = try Self.home()
        defer { withExtendedLifetime(directory) {} }
        try Self.sample("batch-three-messages.hl7").write(
            toFile: home + "/inbox/night.hl7", atomically: true, encoding: .utf8)
        let run = try RiskScreenProcess.run(["run", "--once", "--config", config, "--minimum-age", "0"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.stdout.contains("2 processed") && run.stdout.contains("1 HL7 ignored")
                && run.stdout.contains("1 HL7 batch split"), "\(run.stdout)")
        #expect(Self.files(home + "/inbox").filter { !$0.hasPrefix(".") }.isEmpty)
        #expect(Self.archived(home) == ["night.0001.hl7", "night.0002.hl7", "night.0003.hl7", "night.hl7"])
        // The same batch delivered again (a resend): each message a duplicate, none screened twice.
        try Self.sample("batch-three-messages.hl7").write(
            toFile: home + "/inbox/night-resent.hl7", atomically: true, encoding: .utf8)
        let again = try RiskScreenProcess.run(["run", "--once", "--config", config, "--minimum-age", "0"])
        #expect(again.stdout.contains("0 processed, 2 duplicate"), "\(again.stdout)")
    }

    @Test(
        "messages not about an encounter are archived and counted; a non-ADT or broken message is quarantined with its field"
    )
    func ignoredAndQuarantined() throws {
        let (directory, home, config) = try Self.home()
        defer { withExtendedLifetime(directory) {} }
        try Self.sample("a28-add-person-ignored.hl7").write(
            toFile: home + "/inbox/a28.hl7", atomically: true, encoding: .utf8)
        for name in ["oru-r01-not-adt.hl7", "a03-bad-date-and-sex.hl7", "wrong-encoding-characters.hl7"] {
            try Self.sample("invalid/" + name).write(toFile: home + "/inbox/" + name, atomically: true, encoding: .utf8)
        }
        // Binary data with an .hl7 name.
        try Data([0x4D, 0x53, 0x48, 0x00, 0xFF, 0xFE]).write(to: URL(fileURLWithPath: home + "/inbox/binary.hl7"))
        let run = try RiskScreenProcess.run(["run", "--once", "--config", config, "--minimum-age", "0"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("4 invalid") && run.stdout.contains("1 HL7 ignored"), "\(run.stdout)")
        #expect(Self.archived(home) == ["a28.hl7"])
        func reason(_ name: String) throws -> String {
            try String(contentsOfFile: home + "/quarantine/" + name + ".reason.json", encoding: .utf8)
        }
        #expect(try reason("oru-r01-not-adt.hl7").contains("MSH-9: unsupported message type ORU^R01"))
        #expect(try reason("a03-bad-date-and-sex.hl7").contains(#"PV1-45: not a date-time \"20261324103000-0500\""#))
        #expect(try reason("a03-bad-date-and-sex.hl7").contains("PID-8"))
        #expect(try reason("wrong-encoding-characters.hl7").contains("MSH-2: encoding characters"))
        #expect(try reason("binary.hl7").contains("binary data"))
        let attributes = try FileManager.default.attributesOfItem(atPath: home + "/quarantine/binary.hl7")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test("convert prints each message's contract event as the samples expect; validate and eval read HL7 too")
    func convertValidateEval() throws {
        let (directory, _, config) = try Self.home()
        defer { withExtendedLifetime(directory) {} }
        let names = Self.files(Self.samples.path).filter { $0.hasSuffix(".hl7") }
        #expect(names.count >= 10)
        for name in names {
            let run = try RiskScreenProcess.run([
                "convert", "--config", config, Self.samples.appendingPathComponent(name).path,
            ])
            #expect(run.status == 0, "\(name): \(run.stderr)")
            let expected = try Self.sample(String(name.dropLast(4)) + ".expected.jsonl")
            #expect(run.stdout == expected, "\(name)")
        }
        let invalid = try RiskScreenProcess.run([
            "convert", "--config", config, Self.samples.appendingPathComponent("invalid/a03-bad-date-and-sex.hl7").path,
        ])
        #expect(invalid.status == 1)
        #expect(invalid.stderr.contains("a03-bad-date-and-sex.hl7: PV1-45: not a date-time"), "\(invalid.stderr)")
        let validate = try RiskScreenProcess.run([
            "validate", "--config", config, Self.samples.appendingPathComponent("batch-three-messages.hl7").path,
        ])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(
            validate.stdoutLines.count == 3 && validate.stdout.contains("#2: ignored: ADT^A28"), "\(validate.stdout)")
        let eval = try RiskScreenProcess.run([
            "eval", "--brief", "--config", config, "--now", "2026-11-24T17:00:00Z",
            Self.samples.appendingPathComponent("a03-discharge.hl7").path,
        ])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(eval.stdout.contains("social-needs"), "\(eval.stdout)")
    }
}
