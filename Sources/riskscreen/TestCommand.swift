import Alerts
import ArgumentParser
import Daemon
import Foundation
import RuleTesting
import Rules
import YAMLDocument

/// `riskscreen test [PATH…]`: runs rule test files against the rules under the same paths.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run rule tests (*.test.yaml): prove that rules do what their authors mean.",
        discussion: """
            Loads the rules under the given paths (as eval does, overrides included) and every *.test.yaml \
            file under them, runs each case and prints one line per case, the details of each failure, and \
            last `N passed, N failed`. Exit status: 0 when all pass, 1 when any fails, 2 when the rules or \
            the tests do not load.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Run only the cases whose \"FILE: NAME\" contains this text.")
    var filter: String?

    @Option(help: "Also write the results as JUnit XML to this file.")
    var junit: String?

    @Flag(help: "List every enabled rule with the number of cases where it fires and where it does not.")
    var coverage = false

    @Flag(help: "Fail when an enabled rule lacks a case where it fires or one where it does not.")
    var requireCoverage = false

    @Option(help: "The daemon's configuration file, for the site's referral targets (default: the shipped five).")
    var config: String?

    @Argument(help: "Rule directories or files; test files are found under them.")
    var paths: [String] = ["rules"]

    func run() throws {
        _ = global.bootstrapLogging()
        // A test file named directly is tested against the rules of its directory.
        var rulePaths: [String] = []
        for path in paths {
            let rules = Self.isTestFile(path) ? (path as NSString).deletingLastPathComponent : path
            let directory = rules.isEmpty ? "." : rules
            if !rulePaths.contains(directory) { rulePaths.append(directory) }
        }
        var referrals = ReferralTarget.shipped
        if let config {
            let file = try ConfigurationFile.load(
                config, for: "test", consequence: "no test was run", toStandardOutput: true)
            referrals = file.referrals ?? referrals
        }
        let loaded = RuleSetLoader(referrals: referrals.map(\.id)).load(paths: rulePaths)
        guard let ruleSet = loaded.ruleSet else {
            for diagnostic in loaded.diagnostics where diagnostic.severity == .error { print(diagnostic.rendered) }
            print("the rules do not load; no test was run")
            throw ExitCode(2)
        }
        var cases: [RuleTestCase] = []
        var problems: [Diagnostic] = []
        let runner = RuleTestRunner(ruleSet: ruleSet)
        for file in Self.testFiles(under: paths) {
            let reader = RuleTestFileReader(path: file)
            problems += reader.diagnostics
            for testCase in reader.cases {
                let unknown = runner.unknownRules(in: testCase)
                problems += unknown.map { id, mark in
                    Diagnostic(
                        .error, at: mark,
                        "no rule has the id \"\(id)\"\(Suggestions.hint(for: id, among: ruleSet.rules.map(\.id)))")
                }
                cases.append(testCase)
            }
        }
        guard problems.isEmpty else {
            for problem in problems { print(problem.rendered) }
            print("the tests do not load (\(problems.count) problem\(problems.count == 1 ? "" : "s")); no test was run")
            throw ExitCode(2)
        }
        let all = cases.count
        if let filter {
            cases = cases.filter { $0.title.contains(filter) }
            guard !cases.isEmpty else {
                print(
                    "no case matches --filter \"\(filter)\" (\(all) case\(all == 1 ? "" : "s") in \(Self.testFiles(under: paths).count) files; a case is matched by \"FILE: NAME\"); no test was run"
                )
                throw ExitCode(2)
            }
        }
        // Filtered, or given several paths: coverage judges the rules of the directories whose cases ran.
        var underTest: Set<String>?
        if filter != nil || paths.count > 1 {
            let directories = Set(cases.map { ($0.file as NSString).deletingLastPathComponent })
            underTest = Set(
                ruleSet.rules.filter { rule in
                    directories.contains { directory in Self.declared(rule, under: directory) }
                }.map(\.id))
        }
        let report = RuleTestReport(results: cases.map(runner.run), ruleSet: ruleSet, underTest: underTest)
        if let junit {
            do {
                try report.junitXML.write(toFile: junit, atomically: true, encoding: .utf8)
            } catch {
                printError("cannot write the JUnit report to \(junit): \(error.localizedDescription)")
                throw ExitCode(2)
            }
        }
        if coverage || requireCoverage { print(report.coverageText) }
        let uncovered = requireCoverage ? report.uncovered : []
        if !uncovered.isEmpty {
            print(
                "coverage: \(uncovered.count) enabled rule\(uncovered.count == 1 ? " lacks" : "s lack") a case where it fires or one where it does not: \(uncovered.joined(separator: ", "))"
            )
        }
        // The last line is the summary CI reads.
        print(report.text)
        if report.failed > 0 || !uncovered.isEmpty { throw ExitCode(1) }
    }

    static func isTestFile(_ path: String) -> Bool { path.hasSuffix(".test.yaml") || path.hasSuffix(".test.yml") }

    /// Whether `rule` is declared in a file under `directory` (its location is `FILE:LINE:COLUMN`).
    static func declared(_ rule: RuleSet.Rule, under directory: String) -> Bool {
        let file = rule.location.split(separator: ":").first.map(String.init) ?? ""
        let base = directory.isEmpty ? "." : directory
        return (file as NSString).deletingLastPathComponent == base || file.hasPrefix(base + "/")
    }

    /// Every `*.test.yaml` (or `.test.yml`) file under the paths, in path order; files given directly too.
    static func testFiles(under paths: [String]) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if !isDirectory.boolValue {
                if path.hasSuffix(".test.yaml") || path.hasSuffix(".test.yml") { files.append(path) }
                continue
            }
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            // A directory named through a symbolic link is followed, like the rules' own.
            let enumerator = FileManager.default.enumerator(
                atPath: URL(fileURLWithPath: base).resolvingSymlinksInPath().path)
            while let relative = enumerator?.nextObject() as? String {
                if relative.hasSuffix(".test.yaml") || relative.hasSuffix(".test.yml") {
                    files.append(base + "/" + relative)
                }
            }
        }
        return files.sorted()
    }
}
