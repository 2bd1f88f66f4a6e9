import Foundation
import Testing

/// docs/writing-rules.md is a walk-through a rule author follows line by line: its files, run as it
/// says, print what it shows.
@Suite("docs/writing-rules.md, followed step by step")
struct WritingRulesWalkthroughTests {
    static let guide = RiskScreenProcess.packageRoot.appendingPathComponent("docs/writing-rules.md")

    /// The fenced blocks of `language` in the guide, in order.
    static func blocks(_ language: String) throws -> [String] {
        let text = try String(contentsOf: guide, encoding: .utf8)
        return text.components(separatedBy: "```" + language + "\n").dropFirst().map {
            String($0[..<($0.range(of: "```")?.lowerBound ?? $0.endIndex)])
        }
    }

    /// The line the guide shows right after `$ command`.
    static func shown(after command: String) throws -> String {
        let shell = try blocks("sh").joined(separator: "\n")
        let lines = shell.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let index = try #require(lines.firstIndex(of: "$ " + command), "the guide shows no `\(command)`")
        return lines[index + 1]
    }

    /// Whether `printed` says what the guide shows, up to the rules version (which changes with
    /// every edit of a shipped rule; the guide elides it).
    static func matches(_ printed: String, _ shown: String) -> Bool {
        let cut = { (line: String) in line.components(separatedBy: "rules version sha256:")[0] }
        return shown.contains("rules version sha256:") && cut(printed) == cut(shown)
    }

    @Test(
        "steps 2 to 6: the rule checks, its tests pass with full coverage, and the override checks with the shipped rules, as shown"
    )
    func walkthrough() throws {
        let directory = try TemporaryDirectory()
        let site = directory.path + "/site"
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        let yaml = try Self.blocks("yaml")
        try yaml[0].write(toFile: site + "/falls.yaml", atomically: true, encoding: .utf8)
        let test = try #require(yaml.first { $0.hasPrefix("events:") }, "the guide's test file")
        try test.write(toFile: site + "/falls.test.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: directory.path + "/rules",
            withDestinationPath: RiskScreenProcess.packageRoot.appendingPathComponent("rules").path)

        let check = try RiskScreenProcess.run(["check", "site"], in: directory.url)
        #expect(check.status == 0, "\(check.stdout)")
        let shownCheck = try Self.shown(after: "riskscreen check site")
        #expect(Self.matches(check.stdoutLines.first ?? "", shownCheck), "\(check.stdout) vs \(shownCheck)")

        let tested = try RiskScreenProcess.run(["test", "site", "--require-coverage"], in: directory.url)
        #expect(tested.status == 0, "\(tested.stdout)")
        #expect(tested.stdoutLines.last == "4 passed, 0 failed")
        #expect(try Self.shown(after: "riskscreen test site --require-coverage").hasPrefix("rule "))

        let override = try #require(yaml.first { $0.hasPrefix("# site/overrides.yaml") }, "the guide's override")
        try override.write(toFile: site + "/overrides.yaml", atomically: true, encoding: .utf8)
        let both = try RiskScreenProcess.run(["check", "rules", "site"], in: directory.url)
        #expect(both.status == 0, "\(both.stdout)")
        let shownBoth = try Self.shown(after: "riskscreen check rules site")
        #expect(Self.matches(both.stdoutLines.first ?? "", shownBoth), "\(both.stdout) vs \(shownBoth)")
    }
}
