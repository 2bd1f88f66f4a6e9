import Alerts
import ArgumentParser
import Daemon
import Events
import Feeds
import Foundation
import Rules
import Screening
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

    @Option(
        help:
            "The daemon's configuration file: its referral targets, service levels, suppress_for and stale_after apply as in the daemon."
    )
    var config: String?

    @Option(
        name: .customLong("input-format"),
        help: "Read every file as this format instead of telling by name and content (json, hl7, fhir).")
    var inputFormat: FeedFormat?

    @Argument(help: "Event files: contract JSON (one event each) or HL7 v2 (*.hl7; a batch, one per message).")
    var files: [String]

    func validate() throws {
        if let now, Timestamp(rfc3339: now) == nil {
            throw ValidationError("--now must be an RFC 3339 date-time, e.g. 2026-11-22T10:15:00-05:00")
        }
    }

    func run() throws {
        _ = global.bootstrapLogging()
        var configurationFile: ConfigurationFile?
        if let config {
            configurationFile = try ConfigurationFile.load(config, for: "eval", consequence: "nothing was evaluated")
        }
        let referrals = configurationFile?.referrals ?? ReferralTarget.shipped
        let loaded = RuleSetLoader(referrals: referrals.map(\.id)).load(paths: rulePaths)
        guard let ruleSet = loaded.ruleSet else {
            for diagnostic in loaded.diagnostics where diagnostic.severity == .error { printError(diagnostic.rendered) }
            printError("eval: the rules do not load; run `riskscreen check \(rulePaths.joined(separator: " "))`")
            throw ExitCode(2)
        }
        let clock = now.flatMap { Timestamp(rfc3339: $0) } ?? TestHooks.clock.now
        let policy = AlertPolicy(
            serviceLevels: configurationFile?.serviceLevels ?? .defaults, referrals: referrals,
            defaultSuppressFor: configurationFile?.suppressFor ?? AlertPolicy.standardSuppressFor,
            staleAfter: configurationFile?.staleAfter ?? AlertPolicy.standardStaleAfter)
        let builder = policy.builder
        var screener = Screener(ruleSet: ruleSet, policy: policy)
        screener.explainsAlerts = false
        var store: (any EventLedger)?
        if let state {
            do {
                store = try StateDatabase.openForReading(state)
            } catch {
                printError("eval: \(error)")
                throw ExitCode(2)
            }
        }
        // With --state: each patient's state as read, with the events given here applied in memory.
        var patients: [String: PatientState] = [:]
        var given: [String: Event] = [:]
        var failed = false
        let feeds = configurationFile?.feedInput ?? FeedInput()
        for input in files.flatMap({ FeedFile.read($0, format: inputFormat, input: feeds) }) {
            let file = input.label
            let event: Event
            switch input.content {
            case .unreadable:
                printError("\(file): cannot be read (missing, unreadable or a directory)")
                failed = true
                continue
            case .invalid(let errors):
                for problem in errors { printError("\(file): \(problem)") }
                failed = true
                continue
            case .ignored(let reason):
                printError("\(file): ignored: \(reason)")
                continue
            case .event(let decoded, _):
                event = decoded
            }
            var evaluation: Evaluation
            var explanations: [RuleExplanation] = []
            var members: [JSONMember] = [JSONMember(key: "event_id", value: .string(event.eventID))]
            let alerts: [Alert]
            var tail: [JSONMember] = []
            if let store {
                let patientID = event.patient.id
                var patient = try patients[patientID] ?? store.patientState(patientID)
                given[event.eventID] = event
                let known = given
                let decision = screener.screen(
                    event, state: patient, now: clock,
                    recorded: { id in known[id] ?? (try? store.recordedEvent(id, patientID: patientID)) ?? nil })
                evaluation = decision.evaluation ?? Evaluation(scores: [], findings: [])
                if explain {
                    (evaluation, explanations) = ruleSet.explain(
                        event, now: clock, history: patient.history.before(event))
                    evaluation = policy.routing.route(evaluation, for: event)
                }
                alerts = decision.opened
                tail = [
                    JSONMember(key: "alerts", value: .array(alerts.map(\.json))),
                    JSONMember(key: "repeats", value: .array(decision.repeats.map(Self.json))),
                    JSONMember(key: "withdrawn", value: .array(decision.withdrawn.map { .string($0.alertID) })),
                    JSONMember(key: "stale", value: .bool(decision.stale)),
                    JSONMember(key: "redecided", value: .array(decision.redecided.map(JSONValue.string))),
                ]
                patient.apply(decision)
                patients[patientID] = patient
            } else {
                if explain {
                    (evaluation, explanations) = ruleSet.explain(event, now: clock)
                } else {
                    evaluation = ruleSet.evaluate(event, now: clock)
                }
                evaluation = policy.routing.route(evaluation, for: event)
                alerts = builder.alerts(for: event, evaluation: evaluation, rulesVersion: ruleSet.version, now: clock)
                tail = [JSONMember(key: "alerts", value: .array(alerts.map(\.json)))]
            }
            members += [
                JSONMember(key: "scores", value: ScoreResult.json(evaluation.scores)),
                JSONMember(key: "findings", value: .array(evaluation.findings.map(\.json))),
            ]
            if !evaluation.warnings.isEmpty {
                members.append(JSONMember(key: "warnings", value: .array(evaluation.warnings.map(JSONValue.string))))
                for warning in evaluation.warnings { printError("\(file): warning: \(warning)") }
            }
            members += tail
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

    /// A repeat as `eval --state` prints it: the alert it repeats, the finding, and its event.
    static func json(_ repeated: RecordedFinding) -> JSONValue {
        .object([
            JSONMember(key: "alert_id", value: .string(repeated.alertID ?? "")),
            JSONMember(key: "rule_id", value: .string(repeated.ruleID)),
            JSONMember(key: "priority", value: .string(repeated.priority.rawValue)),
            JSONMember(key: "reason", value: .string(repeated.reason)),
            JSONMember(key: "event_id", value: .string(repeated.eventID)),
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
