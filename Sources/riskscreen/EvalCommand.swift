import Alerts
import ArgumentParser
import Daemon
import Events
import Foundation
import Rules
import State

/// `riskscreen eval --rules DIR EVENT.json…`: what the rules say about each event, without state
/// (or, with `--state`, against a daemon's state, read only).
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

    @Option(
        help: ArgumentHelp(
            "A daemon's state database (HOME/state.db), read but never written: evaluate as the daemon would now.",
            discussion: """
                With --state, rules see each patient's history, and the alert policy applies: a finding that \
                repeats an open alert is listed under "repeats" instead of opening one, a worse one escalates, \
                a cancel lists what it would withdraw. The events given are applied in order in memory, so a \
                later file sees the earlier ones.
                """))
    var state: String?

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
        let policy = AlertPolicy(builder: builder)
        var store: SQLiteStateStore?
        if let state {
            do {
                store = try SQLiteStateStore(readingFrom: state)
            } catch {
                printError("eval: \(error)")
                throw ExitCode(2)
            }
        }
        var patients: [String: PatientState] = [:]
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
            var patient: PatientState?
            if let store {
                patient = try patients[event.patient.id] ?? store.patientState(event.patient.id)
            }
            let evaluation: Evaluation
            var explanations: [RuleExplanation] = []
            if explain {
                (evaluation, explanations) = ruleSet.explain(event, now: clock, history: patient?.history)
            } else {
                evaluation = ruleSet.evaluate(event, now: clock, history: patient?.history)
            }
            var members: [JSONMember] = [
                JSONMember(key: "event_id", value: .string(event.eventID)),
                JSONMember(key: "scores", value: ScoreResult.json(evaluation.scores)),
                JSONMember(key: "findings", value: .array(evaluation.findings.map(\.json))),
            ]
            let alerts: [Alert]
            if var patient {
                let decision = policy.decide(
                    event, evaluation: evaluation, state: patient, rulesVersion: ruleSet.version, now: clock)
                alerts = decision.opened
                members.append(JSONMember(key: "alerts", value: .array(alerts.map(\.json))))
                members.append(JSONMember(key: "repeats", value: .array(decision.repeats.map(Self.json))))
                members.append(
                    JSONMember(key: "withdrawn", value: .array(decision.withdrawn.map { .string($0.alertID) })))
                patient.apply(decision)
                patients[event.patient.id] = patient
            } else {
                alerts = builder.alerts(for: event, evaluation: evaluation, rulesVersion: ruleSet.version, now: clock)
                members.append(JSONMember(key: "alerts", value: .array(alerts.map(\.json))))
            }
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

    /// A repeat as `eval --state` prints it: the alert it repeats and the finding.
    static func json(_ repeated: PolicyDecision.Repeat) -> JSONValue {
        .object([
            JSONMember(key: "alert_id", value: .string(repeated.alertID)),
            JSONMember(key: "rule_id", value: .string(repeated.finding.ruleID)),
            JSONMember(key: "priority", value: .string(repeated.finding.priority.rawValue)),
            JSONMember(key: "reason", value: .string(repeated.finding.reason)),
        ])
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
