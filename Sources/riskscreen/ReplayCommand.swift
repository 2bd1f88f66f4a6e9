import Alerts
import ArgumentParser
import Daemon
import Events
import Feeds
import Foundation
import Replay
import Rules
import Screening

/// `riskscreen replay --rules CANDIDATE…`: what a rule change would have done to the alerts of the
/// events the daemon already saw — the archive replayed through the baseline and the candidate.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay the archive through two rule sets and show what would change.",
        discussion: """
            Reads every archived event (HOME/archive, contract JSON, HL7 v2 and FHIR as the daemon read \
            them; each event id once) in the order the events happened, and decides each through the \
            baseline rules and the candidate rules with the alert policy, in memory: nothing in the home \
            is written, so it is safe while the daemon runs. Each event is decided at its own occurred_at. \
            Reports alerts per referral (count, per 100 discharges, per day), per rule (with added and \
            removed), the patients with most alerts, and with --diff every alert added, removed or \
            changed. Exit status: 0; 1 when --fail-if-change-over is exceeded; 2 when the rules, the \
            configuration or the archive cannot be read. The report names patients: keep it as you keep \
            the queue.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, html
    }

    @OptionGroup var global: GlobalOptions

    @Option(help: "The daemon's home: its archive is replayed (default: the configuration's, else ./var).")
    var home: String?

    @Option(help: "An archive directory to replay instead of HOME/archive (day folders of event files).")
    var archive: String?

    @Option(help: "Replay events from this day on (YYYY-MM-DD, the event's own date).")
    var from: String?

    @Option(help: "Replay events up to this day (YYYY-MM-DD, included).")
    var to: String?

    @Option(name: .customLong("rules"), help: "The candidate rules: a directory or file; repeat to layer site rules.")
    var rulePaths: [String] = []

    @Option(
        name: .customLong("baseline-rules"),
        help: "The baseline rules (default: the rules the daemon uses, from the configuration, else ./rules).")
    var baselinePaths: [String] = []

    @Option(help: "The daemon's configuration: its referrals, suppress_for, site mapping and rules apply.")
    var config: String?

    @Option(help: "The report's form: text for people, json for tools, html for one self-contained page with charts.")
    var format: Format = .text

    @Option(help: "Write the report to this file (created owner-only) instead of standard output.")
    var out: String?

    @Flag(help: "List every alert added, removed or at another priority, with its reason.")
    var diff = false

    @Option(
        name: .customLong("fail-if-change-over"),
        help: "Exit 1 when the candidate changes any referral's alert count by more than this percentage.")
    var failIfChangeOver: Double?

    func validate() throws {
        if rulePaths.isEmpty { throw ValidationError("--rules names the candidate rules (a directory or file)") }
        for (name, value) in [("--from", from), ("--to", to)] {
            if let value, LocalDate(rfc3339: value) == nil {
                throw ValidationError("\(name) must be a day as YYYY-MM-DD, e.g. 2026-11-01")
            }
        }
        if home != nil && archive != nil { throw ValidationError("give --home or --archive, not both") }
        if let failIfChangeOver, failIfChangeOver < 0 {
            throw ValidationError("--fail-if-change-over is a percentage, 0 or more")
        }
    }

    func run() throws {
        _ = global.bootstrapLogging()
        var file = ConfigurationFile()
        if let config { file = try ConfigurationFile.load(config, for: "replay", consequence: "nothing was replayed") }
        let referrals = file.referrals ?? ReferralTarget.shipped
        let baselineRules = baselinePaths.isEmpty ? (file.rules ?? ["rules"]) : baselinePaths
        let baseline = try Self.ruleSet(baselineRules, referrals: referrals, role: "baseline")
        let candidate = try Self.ruleSet(rulePaths, referrals: referrals, role: "candidate")
        let policy = AlertPolicy(
            serviceLevels: file.serviceLevels ?? .defaults, referrals: referrals,
            defaultSuppressFor: file.suppressFor ?? AlertPolicy.standardSuppressFor,
            // Each event is decided when it happened: nothing is stale.
            staleAfter: nil)
        let directory = archive ?? ((home ?? file.home ?? "var") + "/archive")
        let reader = ArchiveReader(input: file.feedInput)
        let index: ArchiveIndex
        do {
            index = try reader.index(
                directory, from: from.flatMap(LocalDate.init(rfc3339:)), to: to.flatMap(LocalDate.init(rfc3339:)))
        } catch {
            printError("replay: \(error)")
            throw ExitCode(2)
        }
        for (path, reason) in index.unreadable { printError("replay: \(path): left out: \(reason)") }
        var events = reader.events(index)
        let replayer = Replayer(
            baseline: Screener(ruleSet: baseline, policy: policy),
            candidate: Screener(ruleSet: candidate, policy: policy))
        // Patients' states kept in memory before a temporary database takes them (bytes; the
        // tests set it low to replay through the database).
        let budget = ProcessInfo.processInfo.environment["RISKSCREEN_REPLAY_MEMORY_BUDGET"].flatMap { Int($0) }
        let (tally, totals, backtest) = try replayer.replay(keepingChanges: diff, memoryBudget: budget ?? 24 << 20) {
            try events.next()
        }
        var report = ReplayReport(tally, totals: totals)
        report.backtest = backtest
        let baselineName = "\(baselineRules.joined(separator: " ")) (\(baseline.version.prefix(19)))"
        let candidateName = "\(rulePaths.joined(separator: " ")) (\(candidate.version.prefix(19)))"
        let text: String
        switch format {
        case .text:
            text = report.text(diff: diff, baselineName: baselineName, candidateName: candidateName) + "\n"
        case .json:
            text = report.json(diff: diff, baselineName: baselineName, candidateName: candidateName).serialized + "\n"
        case .html:
            text = report.html(diff: diff, baselineName: baselineName, candidateName: candidateName)
        }
        if let out {
            if let problem = Self.write(Array(text.utf8), to: out) {
                printError("replay: cannot write \(out): \(problem)")
                throw ExitCode(2)
            }
        } else {
            print(text, terminator: "")
        }
        if index.duplicates > 0 || index.outsideRange > 0 {
            printError(
                "replay: \(index.count) events replayed; \(index.duplicates) seen again under the same id (once), "
                    + "\(index.outsideRange) outside --from/--to")
        }
        if let limit = failIfChangeOver {
            let over = report.referrals(changingOver: limit)
            if !over.isEmpty {
                for referral in over {
                    printError(
                        "replay: \(referral.referral): \(referral.baseline) → \(referral.candidate) alerts "
                            + "(\(referral.changePercent.map { ReplayReport.percent($0) } ?? "new")), over \(ReplayReport.percent(limit))"
                    )
                }
                throw ExitCode(1)
            }
        }
    }

    /// A rule set, or its errors printed and exit status 2.
    static func ruleSet(_ paths: [String], referrals: [ReferralTarget], role: String) throws -> RuleSet {
        let loaded = RuleSetLoader(referrals: referrals.map(\.id)).load(paths: paths)
        guard let ruleSet = loaded.ruleSet else {
            for diagnostic in loaded.diagnostics where diagnostic.severity == .error { printError(diagnostic.rendered) }
            printError("replay: the \(role) rules do not load; run `riskscreen check \(paths.joined(separator: " "))`")
            throw ExitCode(2)
        }
        return ruleSet
    }

    /// Writes `bytes` to `path` owner-only (a new file beside it, then renamed over it); the
    /// problem, if any.
    static func write(_ bytes: [UInt8], to path: String) -> String? {
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { return String(cString: strerror(errno)) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBufferPointer {
                Foundation.write(descriptor, $0.baseAddress, $0.count)
            }
            guard count > 0 else {
                let problem = String(cString: strerror(errno))
                close(descriptor)
                unlink(temporary)
                return problem
            }
            written += count
        }
        fsync(descriptor)
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let problem = String(cString: strerror(errno))
            unlink(temporary)
            return problem
        }
        return nil
    }
}
