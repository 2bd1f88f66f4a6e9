import Foundation
import Testing

/// FHIR R4 bundles in the inbox, through the real binary: told apart from contract events by
/// their resourceType, screened once, the broken ones quarantined with the element at fault.
@Suite("FHIR R4 feeds: bundles in the inbox, convert")
struct FHIRFeedTests {
    static let samples = RiskScreenProcess.packageRoot.appendingPathComponent("samples/fhir")

    @Test(
        "bundles dropped into the inbox are screened once; broken ones are quarantined with the element; contract events unchanged"
    )
    func inbox() throws {
        let (directory, home, config) = try HL7FeedTests.home()
        defer { withExtendedLifetime(directory) {} }
        for name in ["message-a01-admission.json", "collection-discharge.json"] {
            try FileManager.default.copyItem(
                atPath: Self.samples.appendingPathComponent(name).path, toPath: home + "/inbox/" + name)
        }
        for name in ["unresolved-reference.json", "two-encounters-no-focus.json"] {
            try FileManager.default.copyItem(
                atPath: Self.samples.appendingPathComponent("invalid/" + name).path, toPath: home + "/inbox/" + name)
        }
        try SampleEvents.asNewPatient("04-discharge-lives-alone-adl-dependent.json", id: "CONTRACT-1").write(
            toFile: home + "/inbox/contract.json", atomically: true, encoding: .utf8)
        let run = try RiskScreenProcess.run(["run", "--once", "--config", config, "--minimum-age", "0"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("3 processed") && run.stdout.contains("2 invalid"), "\(run.stdout)")
        #expect(
            HL7FeedTests.archived(home) == ["collection-discharge.json", "contract.json", "message-a01-admission.json"])
        let reason = try String(
            contentsOfFile: home + "/quarantine/unresolved-reference.json.reason.json", encoding: .utf8)
        #expect(
            reason.contains(#"Bundle.entry[1].resource.subject.reference: \"Patient/nobody\" names no resource"#),
            "\(reason)")
        let list = try RiskScreenProcess.run(["queue", "list", "--home", home, "--json"])
        #expect(list.stdout.contains("S-300101") || list.stdout.contains("S-300202"), "\(list.stdout)")
        // Again: duplicates by the bundle's id.
        try FileManager.default.copyItem(
            atPath: Self.samples.appendingPathComponent("collection-discharge.json").path,
            toPath: home + "/inbox/again.json")
        let again = try RiskScreenProcess.run(["run", "--once", "--config", config, "--minimum-age", "0"])
        #expect(again.stdout.contains("0 processed, 1 duplicate"), "\(again.stdout)")
    }

    @Test("convert prints each bundle's contract event as the samples expect")
    func convert() throws {
        let (directory, _, config) = try HL7FeedTests.home()
        defer { withExtendedLifetime(directory) {} }
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.samples.path).filter {
            $0.hasSuffix(".json")
        }
        #expect(names.count >= 3)
        for name in names {
            let run = try RiskScreenProcess.run([
                "convert", "--config", config, Self.samples.appendingPathComponent(name).path,
            ])
            #expect(run.status == 0, "\(name): \(run.stderr)")
            let expected = try String(
                contentsOf: Self.samples.appendingPathComponent(String(name.dropLast(5)) + ".expected.jsonl"),
                encoding: .utf8)
            #expect(run.stdout == expected, "\(name)")
        }
    }
}
