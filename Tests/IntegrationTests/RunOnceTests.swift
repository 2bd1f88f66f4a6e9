import Foundation
import Testing

@Suite("riskscreen run --once: inbox → ledger → alert queue, on a real home")
struct RunOnceTests {
    static let root = RiskScreenProcess.packageRoot

    /// A home in a temporary folder, with helpers to drop files and look at the result.
    final class TestHome {
        let directory: TemporaryDirectory
        var path: String { directory.path + "/home" }
        var inbox: String { path + "/inbox" }

        init() throws {
            directory = try TemporaryDirectory()
            try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        }

        func drop(sample: String, as name: String? = nil) throws {
            try SampleEvents.write(sample, to: inbox + "/" + (name ?? (sample as NSString).lastPathComponent))
        }

        func write(_ text: String, as name: String) throws {
            try text.write(toFile: inbox + "/" + name, atomically: false, encoding: .utf8)
        }

        func files(_ directory: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: path + "/" + directory)) ?? []).sorted()
        }

        func archived() -> [String] {
            files("archive").flatMap { day in files("archive/" + day) }
        }

        func run(_ extra: [String] = []) throws -> RiskScreenProcess.Result {
            try RiskScreenProcess.run(
                [
                    "run", "--once", "--home", path, "--rules", RunOnceTests.root.appendingPathComponent("rules").path,
                    "--minimum-age", "0",
                ] + extra,
                timeout: 30)
        }
    }

    static let validSamples = ValidateCommandTests.samples.map { ($0 as NSString).lastPathComponent }

    @Test(
        "every sample drained: valid ones archived with their alerts queued once, invalid ones quarantined with reasons"
    )
    func drainSamples() throws {
        let home = try TestHome()
        for sample in Self.validSamples { try home.drop(sample: sample) }
        for sample in ValidateCommandTests.invalidSamples {
            try home.drop(sample: String(sample.dropFirst("samples/".count)))
        }
        let result = try home.run()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.hasPrefix(
                "19 processed, 0 duplicate, 0 conflict, 5 invalid, 0 refused, 0 failed; 13 alerts raised, 28 deliveries"
            ))
        #expect(home.files("inbox") == [".work"])
        #expect(home.files("inbox/.work").isEmpty)
        #expect(home.archived().count == 19)
        let queue = home.files("alerts").filter { $0.hasSuffix(".json") }
        // Sample 15 repeats sample 05's findings (recorded, no new alert); sample 18 cancels the
        // discharge of sample 12, whose alert is withdrawn: it leaves the open queue for
        // alerts/closed/DAY/, and alerts.jsonl says so.
        #expect(queue.count == 12)
        #expect(queue.first?.hasPrefix("1-critical-") == true)
        #expect(queue.last?.hasPrefix("3-medium-") == true)
        let days = home.files("alerts/closed")
        #expect(days.count == 1)
        let closed = days.flatMap { day in home.files("alerts/closed/" + day).map { "closed/\(day)/\($0)" } }
        #expect(closed.count == 1)
        for file in queue + closed {
            let data = try Data(contentsOf: URL(fileURLWithPath: home.path + "/alerts/" + file))
            let alert = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let expected = alert["event_id"] as? String == "NF-2026-11-18-0012" ? "withdrawn" : "open"
            #expect(alert["status"] as? String == expected)
            #expect(file.hasSuffix("-\(alert["alert_id"] as? String ?? "?").json"))
            let mode =
                try FileManager.default.attributesOfItem(atPath: home.path + "/alerts/" + file)[.posixPermissions]
                as? NSNumber
            #expect(mode?.intValue == 0o600)  // owner-only unless file_access: group
        }
        #expect(closed.first?.hasPrefix("closed/2026-11-24/") == true)  // the day it was withdrawn
        let lines = try String(contentsOfFile: home.path + "/alerts.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 14)  // 13 opened, 1 withdrawn
        // Events are decided in the order they happened: 12's alert is opened, then withdrawn by 18.
        let twelve = lines.filter { $0.contains(#""event_id":"NF-2026-11-18-0012""#) }
        #expect(twelve.count == 2)
        #expect(twelve.first?.contains(#""status":"open""#) == true)
        #expect(twelve.last?.contains(#""status":"withdrawn""#) == true)
        let quarantined = home.files("quarantine")
        #expect(quarantined.filter { $0.hasSuffix(".reason.json") }.count == 5)
        // Each invalid sample is quarantined with exactly its documented errors.
        for sample in ValidateCommandTests.invalidSamples {
            let name = (sample as NSString).lastPathComponent
            let reason = try Data(contentsOf: URL(fileURLWithPath: home.path + "/quarantine/" + name + ".reason.json"))
            let object = try #require(try JSONSerialization.jsonObject(with: reason) as? [String: Any])
            let expected = try String(
                contentsOf: RunOnceTests.root.appendingPathComponent(
                    sample.replacingOccurrences(of: ".json", with: ".expected")),
                encoding: .utf8
            ).split(separator: "\n").map(String.init)
            #expect(object["reason"] as? String == "invalid")
            #expect(object["errors"] as? [String] == expected, "\(name)")
            #expect((object["rules_version"] as? String)?.hasPrefix("sha256:") == true)
            #expect(object["quarantined_at"] is String)
        }
        let database =
            try FileManager.default.attributesOfItem(atPath: home.path + "/state.db")[.posixPermissions] as? NSNumber
        #expect(database?.intValue == 0o600)
    }

    @Test("a re-sent duplicate is archived and counted, and adds no alert")
    func duplicates() throws {
        let home = try TestHome()
        try home.drop(sample: "08-discharge-homeless.json")
        _ = try home.run()
        try home.drop(sample: "08-discharge-homeless.json", as: "08-again.json")
        let result = try home.run()
        #expect(result.stdout.hasPrefix("0 processed, 1 duplicate"))
        #expect(home.files("alerts").count == 2)
        #expect(home.archived().count == 2)
        #expect(
            try String(contentsOfFile: home.path + "/alerts.jsonl", encoding: .utf8).split(separator: "\n").count == 2)
    }

    @Test("the same event id with different content is a conflict: quarantined with both digests")
    func conflict() throws {
        let home = try TestHome()
        try home.drop(sample: "13-discharge-low-risk-elective.json")
        _ = try home.run()
        let original = try SampleEvents.text("13-discharge-low-risk-elective.json")
        try home.write(
            original.replacingOccurrences(of: "\"unit\": \"3S\"", with: "\"unit\": \"4N\""), as: "13-changed.json")
        let result = try home.run()
        #expect(result.stdout.hasPrefix("0 processed, 0 duplicate, 1 conflict"))
        let reason = try String(contentsOfFile: home.path + "/quarantine/13-changed.json.reason.json", encoding: .utf8)
        #expect(reason.contains("\"reason\":\"conflict\""))
        #expect(reason.contains("was recorded before with other content (digest "))
    }

    @Test("a file left claimed by a crash is processed on the next run, once")
    func claimedFilesRecovered() throws {
        let home = try TestHome()
        _ = try home.run()  // creates the layout
        try SampleEvents.write("10-admission-positive-safety-screen.json", to: home.inbox + "/.work/10.json")
        let result = try home.run()
        #expect(result.stdout.hasPrefix("1 processed"))
        #expect(home.files("inbox/.work").isEmpty)
        #expect(home.files("alerts").count == 1)
    }

    @Test("names that are not events are left alone: dot-names, .tmp, .part, other extensions")
    func ignoredNames() throws {
        let home = try TestHome()
        for name in [".incoming.json", "x.json.tmp", "y.json.part", "notes.txt"] { try home.write("{}", as: name) }
        let result = try home.run()
        #expect(result.stdout.hasPrefix("0 processed, 0 duplicate, 0 conflict, 0 invalid, 0 refused"))
        #expect(home.files("inbox") == [".incoming.json", ".work", "notes.txt", "x.json.tmp", "y.json.part"])
    }

    @Test(
        "a symlink, a FIFO and an oversized file are refused without being read; good events after them still go through"
    )
    func refusals() throws {
        let home = try TestHome()
        let secret = home.directory.url.appendingPathComponent("outside-secret.json")
        try "{\"secret\": true}".write(to: secret, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: home.inbox + "/link.json", withDestinationPath: secret.path)
        #expect(mkfifo(home.inbox + "/pipe.json", 0o600) == 0)
        try home.write(String(repeating: " ", count: 8192) + "{}", as: "big.json")
        try home.drop(sample: "13-discharge-low-risk-elective.json", as: "zz-good.json")
        let result = try home.run(["--size-limit", "4096"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("1 processed, 0 duplicate, 0 conflict, 0 invalid, 3 refused"))
        #expect(try String(contentsOf: secret, encoding: .utf8) == "{\"secret\": true}")
        let reasons = home.files("quarantine").filter { $0.hasSuffix(".reason.json") }
        #expect(reasons == ["big.json.reason.json", "link.json.reason.json", "pipe.json.reason.json"])
        let link = try String(contentsOfFile: home.path + "/quarantine/link.json.reason.json", encoding: .utf8)
        #expect(link.contains("a symbolic link: not read"))
        #expect(!link.contains("secret"))
    }

    @Test("a file still being written (changed less than the minimum age ago) is not taken")
    func minimumAge() throws {
        let home = try TestHome()
        try home.drop(sample: "13-discharge-low-risk-elective.json")
        let result = try RiskScreenProcess.run(
            [
                "run", "--once", "--home", home.path, "--rules", Self.root.appendingPathComponent("rules").path,
                "--minimum-age", "60",
            ])
        #expect(result.stdout.hasPrefix("0 processed"))
        #expect(home.files("inbox").contains("13-discharge-low-risk-elective.json"))
    }
}
