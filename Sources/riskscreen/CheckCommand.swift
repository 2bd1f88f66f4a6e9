import Alerts
import ArgumentParser
import Daemon
import Events
import Foundation
import Presentation
import Rules

/// `riskscreen check PATH…`: loads rule files as the daemon would and reports every problem.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check rule files: syntax, names, types, duplicates, cycles.",
        discussion: """
            Every problem prints as FILE:LINE:COLUMN: error|warning: MESSAGE, then the source line with a \
            caret. Directories are searched for *.yaml and *.yml (rule tests, *.test.yaml, are skipped). \
            Exit status: 0 when the rules load (warnings allowed), 1 when there is any error.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var global: GlobalOptions

    @Option(help: "Output format: text for people, json for tools.")
    var format: Format = .text

    @Option(help: "Check a daemon configuration file instead (the rules it names are checked too).")
    var config: String?

    @Flag(help: "Accept a rule set with no rules (by default an error: it would screen nothing).")
    var allowEmptyRules = false

    @Argument(help: "Rule files or directories, loaded in the order given.")
    var paths: [String] = []

    func validate() throws {
        if paths.isEmpty && config == nil { throw ValidationError("give rule files or directories, or --config FILE") }
    }

    func run() throws {
        _ = global.bootstrapLogging()
        var paths = self.paths
        var allowsEmpty = allowEmptyRules
        var referrals = ReferralTarget.shipped
        if let config {
            let file = ConfigurationFile(path: config)
            for diagnostic in file.diagnostics { print(diagnostic.rendered) }
            if file.hasErrors {
                print("\(file.diagnostics.count) error\(file.diagnostics.count == 1 ? "" : "s") in \(config)")
                throw ExitCode(1)
            }
            print("ok: \(config)")
            if paths.isEmpty { paths = file.rules ?? ["rules"] }
            allowsEmpty = allowsEmpty || (file.allowEmptyRules ?? false)
            referrals = file.referrals ?? referrals
        }
        var result = RuleSetLoader(allowsEmpty: allowsEmpty, referrals: referrals.map(\.id)).load(paths: paths)
        if result.hasErrors {
            // A name another rules directory declares (a site rule using a shipped condition): say so.
            let others = ["rules"].filter { candidate in
                FileManager.default.fileExists(atPath: candidate)
                    && !paths.contains {
                        ($0 as NSString).standardizingPath == (candidate as NSString).standardizingPath
                    }
            }
            if !others.isEmpty {
                let definitions = OtherDefinitions(directories: others)
                result.diagnostics = result.diagnostics.map {
                    definitions.hinting($0, check: paths) { file in
                        others.first { file.hasPrefix($0 + "/") } ?? (file as NSString).deletingLastPathComponent
                    }
                }
            }
        }
        switch format {
        case .text:
            for diagnostic in result.diagnostics { print(diagnostic.rendered) }
            let errors = result.diagnostics.filter { $0.severity == .error }.count
            let warnings = result.diagnostics.count - errors
            if let ruleSet = result.ruleSet {
                let scores = ruleSet.scoreNames.count
                print(
                    "ok: \(result.files.count) file\(result.files.count == 1 ? "" : "s"), \(ruleSet.rules.count) rule\(ruleSet.rules.count == 1 ? "" : "s"), \(scores) score\(scores == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s"); rules version \(RulesVersion.short(ruleSet.version))"
                )
            } else {
                print(
                    "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s"); the rule set is refused"
                )
            }
        case .json:
            let items: [JSONValue] = result.diagnostics.map { diagnostic in
                .object([
                    JSONMember(key: "file", value: .string(diagnostic.mark.file)),
                    JSONMember(key: "line", value: .number(Double(diagnostic.mark.line))),
                    JSONMember(key: "column", value: .number(Double(diagnostic.mark.column))),
                    JSONMember(key: "severity", value: .string(diagnostic.severity.rawValue)),
                    JSONMember(key: "message", value: .string(diagnostic.message)),
                ])
            }
            print(JSONValue.array(items).serialized)
        }
        if result.ruleSet == nil { throw ExitCode(1) }
    }
}
