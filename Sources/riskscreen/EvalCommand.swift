import Alerts
import ArgumentParser
import Daemon
import Events
import Foundation
import Rules

/// `riskscreen eval --rules DIR EVENT.json…`: what the rules say about each event, without state.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate events against the rules: scores, findings and alerts, one JSON line per event.",
        discussion: """
            Each valid event prints one JSON object on one line: event_id, scores (every score with its \
            value and parts), findings and alerts, as in the alert contract. An invalid event prints its \
            validation errors on stderr; the others still print. Exit status: 0 when every event was \
            evaluated, 1 when any was invalid, 2 when the rules do not load.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("rules"), help: "A rule directory or file; repeat to layer site rules over shipped ones.")
    var rulePaths: [String] = ["rules"]

    @Flag(help: "Explain why each rule did or did not fire, with the value of each sub-expression.")
    var explain = false

    @Flag(help: "Print a short readable summary per event (its alerts) instead of JSON.")
    var brief = false

    @Option(help: "Output of --explain: text for people (after each JSON line), json to add an \"explain\" member.")
    var format: Format = .text

    @Option(help: "The clock, as an RFC 3339 date-time (default: now). Fixes created_at and respond_by.")
    var now: String?

    @Argument(help: "Event files (JSON, one event each).")
    var files: [String]

    func validate() throws {
        if let now, Timestamp(rfc3339: now) == nil {
            throw ValidationError("--now must be an RFC 3339 date-time, e.g. 2026-11-22T10:15:00-05:00")
        }
    }

    func run() throws {
        _ = global.bootstrapLogging()
        let loaded = RuleSetLoader().load(paths: rulePaths)
        guard let ruleSet = loaded.ruleSet else {
            for diagnostic in loaded.diagnostics where diagnostic.severity == .error { printError(diagnostic.rendered) }
            printError("eval: the rules do not load; run `riskscreen check \(rulePaths.joined(separator: " "))`")
            throw ExitCode(2)
        }
        let clock = now.flatMap { Timestamp(rfc3339: $0) } ?? WallClock.now
        let decoder = EventDecoder()
        let builder = AlertBuilder()
        var failed = false
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                printError("\(file): cannot be read (missing, unreadable or a directory)")
                failed = true
                continue
            }
            let event: Event
            do {
                event = try decoder.decode([UInt8](data))
            } catch {
                for problem in error.errors { printError("\(file): \(problem)") }
                failed = true
                continue
            }
            let evaluation: Evaluation
            var explanations: [RuleExplanation] = []
            if explain {
                (evaluation, explanations) = ruleSet.explain(event, now: clock)
            } else {
                evaluation = ruleSet.evaluate(event, now: clock)
            }
            let alerts = builder.alerts(for: event, evaluation: evaluation, rulesVersion: ruleSet.version, now: clock)
            var members: [JSONMember] = [
                JSONMember(key: "event_id", value: .string(event.eventID)),
                JSONMember(key: "scores", value: ScoreResult.json(evaluation.scores)),
                JSONMember(key: "findings", value: .array(evaluation.findings.map(\.json))),
                JSONMember(key: "alerts", value: .array(alerts.map(\.json))),
            ]
            if explain && format == .json {
                members.append(JSONMember(key: "explain", value: ExplanationText.json(explanations)))
            }
            if brief {
                print(Self.brief(event, alerts, file: file))
            } else {
                print(JSONValue.object(members).serialized)
            }
            if explain && format == .text {
                print(
                    ExplanationText.text(event: event, evaluation: evaluation, explanations: explanations, file: file))
            }
        }
        if failed { throw ExitCode(1) }
    }

    /// `FILE  EVENT-ID (type): N alerts`, then one line per alert.
    static func brief(_ event: Event, _ alerts: [Alert], file: String) -> String {
        let count = alerts.isEmpty ? "no alert" : "\(alerts.count) alert\(alerts.count == 1 ? "" : "s")"
        var lines = ["\(file): \(event.eventID) (\(event.eventType.rawValue)): \(count)"]
        for alert in alerts {
            let rules = alert.findings.map(\.ruleID).joined(separator: ", ")
            lines.append(
                "  \(alert.priority.rawValue.uppercased()) \(alert.referral), due \(alert.respondBy.text): \(alert.summary) [\(rules)]"
            )
        }
        return lines.joined(separator: "\n")
    }

}
