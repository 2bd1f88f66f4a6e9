import Alerts
import ArgumentParser
import Daemon
import Events
import Foundation
import Presentation
import Rules
import State
import YAMLDocument

/// `riskscreen queue`: the social work team's view of the alert queue.
struct QueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "The alert queue for the social work team: list, show, ack, assign, note, close, reopen.",
        subcommands: [
            List.self, Show.self, Acknowledge.self, Assign.self, Note.self, Close.self, Reopen.self,
        ],
        defaultSubcommand: List.self
    )

    /// One alert's fields for the list.
    struct Row {
        var id: String
        var status: String
        var priority: String
        var respondBy: Timestamp?
        var patient: String
        var unit: String
        var referral: String
        var summary: String
        var repeats: Int

        init(_ alert: QueuedAlert) {
            repeats = alert.repeats
            let record = JSONValue.parse(Array(alert.record.utf8)) ?? .object([])
            func text(_ key: String) -> String {
                if case .string(let value)? = record[key] { return value }
                return "-"
            }
            id = alert.alertID
            status = alert.status.rawValue
            priority = text("priority")
            respondBy = Timestamp(rfc3339: text("respond_by"))
            patient = text("patient_id")
            unit = text("unit")
            referral = text("referral")
            summary = text("summary")
        }

        var rank: Int { Priority(rawValue: priority)?.queueRank ?? 5 }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open alerts, most urgent first (priority, then respond-by).")

        @OptionGroup var options: StateOptions
        @Option(help: "Only this referral.") var referral: String?
        @Option(help: "Only this priority.") var priority: String?
        @Option(help: "Only this unit.") var unit: String?
        @Flag(help: "Only alerts past their respond-by time.") var overdue = false
        @Flag(help: "Include closed and withdrawn alerts.") var all = false
        @Flag(
            help:
                "Instead of alerts: the stale events (older than stale_after when they arrived) and what they would have raised."
        ) var stale = false
        @Flag(help: "One JSON object per line, for tools.") var json = false

        func validate() throws {
            if let priority, Priority(rawValue: priority) == nil {
                let names = Priority.allCases.map(\.rawValue)
                throw ValidationError(
                    "unknown priority \"\(priority)\"\(Suggestions.hint(for: priority, among: names)); the priorities are \(names.joined(separator: ", "))"
                )
            }
            if stale, unit != nil || overdue || all {
                throw ValidationError(
                    "--stale lists stale events (no unit, no deadline, no status): it combines with --referral, --priority and --json only"
                )
            }
        }

        func run() throws {
            let now = TestHooks.clock.seconds
            if let referral {
                // The site's targets, and any referral an alert in this home carries.
                var known = try options.configuration()?.referrals?.map(\.id) ?? ReferralTarget.shipped.map(\.id)
                known += try options.store().queuedAlerts(includeClosed: true).compactMap {
                    if case .string(let value)? = JSONValue.parse(Array($0.record.utf8))?["referral"] { return value }
                    return nil
                }
                let names = Array(Set(known)).sorted()
                guard names.contains(referral) else {
                    printError(
                        "queue: unknown referral \"\(referral)\"\(Suggestions.hint(for: referral, among: names)); the referrals are \(names.joined(separator: ", "))"
                    )
                    throw ExitCode(1)
                }
            }
            if stale {
                try listStale()
                return
            }
            var rows = try options.store().queuedAlerts(includeClosed: all).map(Row.init)
            rows = rows.filter { row in
                (referral.map { $0 == row.referral } ?? true) && (priority.map { $0 == row.priority } ?? true)
                    && (unit.map { $0 == row.unit } ?? true)
                    && (!overdue || row.respondBy.map { Due($0, now: now).isOverdue } == true)
            }
            rows.sort {
                ($0.rank, $0.respondBy?.secondsSinceEpoch ?? .max, $0.id) < (
                    $1.rank, $1.respondBy?.secondsSinceEpoch ?? .max, $1.id
                )
            }
            if json {
                for row in rows {
                    let overdue = row.respondBy.map { Due($0, now: now).isOverdue } ?? false
                    print(
                        JSONValue.object([
                            JSONMember(key: "alert_id", value: .string(row.id)),
                            JSONMember(key: "status", value: .string(row.status)),
                            JSONMember(key: "priority", value: .string(row.priority)),
                            JSONMember(key: "respond_by", value: .string(row.respondBy?.text ?? "-")),
                            JSONMember(key: "overdue", value: .bool(overdue)),
                            JSONMember(key: "patient_id", value: .string(row.patient)),
                            JSONMember(key: "unit", value: .string(row.unit)),
                            JSONMember(key: "referral", value: .string(row.referral)),
                            JSONMember(key: "summary", value: .string(row.summary)),
                            JSONMember(key: "seen_again", value: .number(Double(row.repeats))),
                        ]).serialized)
                }
                return
            }
            let color = isatty(STDOUT_FILENO) == 1
            let time = try options.siteTime()
            // The deadline's clock time, headed by the site's zone (EST, UTC…).
            let zone = time.abbreviation(at: Timestamp(secondsSinceEpoch: Int64(now)))
            var table = TextTable(headers: ["PRIORITY", "DUE", zone, "PATIENT", "UNIT", "REFERRAL", "SUMMARY"])
            var overdueRows = Set<Int>()
            for row in rows {
                let due = row.respondBy.map { Due($0, now: now) }
                if due?.isOverdue == true { overdueRows.insert(table.rows.count) }
                table.append([
                    row.priority, due?.text ?? "-", row.respondBy.map { time.short($0, now: now) } ?? "",
                    row.patient, row.unit, row.referral,
                    row.summary + (row.status == Alert.Status.open.rawValue ? "" : " [\(row.status)]")
                        + (row.repeats > 0 ? " [seen again \(row.repeats)×]" : "") + "  (\(row.id))",
                ])
            }
            if !rows.isEmpty {
                for line in table.lines(style: { row, column, text in
                    color && column == 1 && overdueRows.contains(row) ? "\u{1B}[31m" + text + "\u{1B}[0m" : text
                }) {
                    print(line)
                }
            }
            if rows.isEmpty { print("(no alerts)") }
        }

        /// The stale events with their findings: nothing a rule found disappears without a trace.
        private func listStale() throws {
            let events = try options.store().staleEvents()
            let selected = events.compactMap { event -> StaleEvent? in
                var event = event
                event.findings = event.findings.filter { finding in
                    (referral.map { $0 == finding.referral } ?? true)
                        && (priority.map { $0 == finding.priority.rawValue } ?? true)
                }
                return event.findings.isEmpty ? nil : event
            }
            if json {
                for event in selected {
                    print(
                        JSONValue.object([
                            JSONMember(key: "event_id", value: .string(event.eventID)),
                            JSONMember(key: "event_type", value: .string(event.eventType)),
                            JSONMember(key: "occurred_at", value: .string(event.occurredAt)),
                            JSONMember(key: "recorded_at", value: .string(event.recordedAt)),
                            JSONMember(key: "patient_id", value: .string(event.patientID)),
                            JSONMember(key: "encounter_id", value: .string(event.encounterID)),
                            JSONMember(
                                key: "findings",
                                value: .array(
                                    event.findings.map { (finding: StaleEvent.Finding) -> JSONValue in
                                        .object([
                                            JSONMember(key: "rule_id", value: .string(finding.ruleID)),
                                            JSONMember(key: "priority", value: .string(finding.priority.rawValue)),
                                            JSONMember(key: "referral", value: .string(finding.referral)),
                                            JSONMember(key: "reason", value: .string(finding.reason)),
                                        ])
                                    })),
                        ]).serialized)
                }
                return
            }
            print("Stale events: they happened longer ago than stale_after when RiskScreen received them, so they")
            print("opened no alert. What the rules found is listed so that nothing disappears without a trace.")
            for event in selected {
                print(
                    "\(event.occurredAt)  \(event.eventID) (\(event.eventType))  patient \(event.patientID), encounter \(event.encounterID); received \(event.recordedAt)"
                )
                for finding in event.findings {
                    print("  - \(finding.priority) \(finding.referral): \(finding.ruleID): \(finding.reason)")
                }
            }
            if selected.isEmpty { print("(no stale events with findings)") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Everything about one alert: findings, reasons, scores, why the rules fired, what it supersedes, repeats, the patient's history, actions."
        )

        @OptionGroup var options: StateOptions
        @Argument(help: "The alert id (rs-…).") var alertID: String

        func run() throws {
            let store = try options.store()
            guard let alert = try store.queuedAlert(id: alertID) else {
                printError("queue: \(QueueError.unknown(alertID))")
                throw ExitCode(1)
            }
            try store.audit(
                AuditEntry(
                    at: StatusCommand.time(TestHooks.clock.seconds), user: UsersCommand.operatorName, action: "view",
                    alertID: alert.alertID, patientID: alert.patientID, client: "cli"))
            let record = JSONValue.parse(Array(alert.record.utf8)) ?? .object([])
            func text(_ value: JSONValue?) -> String {
                switch value {
                case .string(let string)?: return string
                case nil, .null?: return "-"
                case let other?: return other.serialized
                }
            }
            let time = try options.siteTime()
            let now = TestHooks.clock.seconds
            /// A time of the record in the site's zone (`2026-11-30 04:35 EST`).
            func at(_ value: JSONValue?) -> String {
                guard case .string(let string)? = value, let stamp = Timestamp(rfc3339: string) else {
                    return text(value)
                }
                return time.dayAndTime(stamp)
            }
            func at(_ string: String) -> String { Timestamp(rfc3339: string).map(time.dayAndTime) ?? string }
            print("alert \(alert.alertID): \(text(record["priority"])) \(text(record["referral"])), \(alert.status)")
            print("  \(text(record["summary"]))")
            print(
                "  patient \(text(record["patient_id"])), encounter \(text(record["encounter_id"])), unit \(text(record["unit"]))"
            )
            print("  event \(text(record["event_id"])) (\(text(record["event_type"])), \(at(record["occurred_at"])))")
            let due = Timestamp(rfc3339: text(record["respond_by"])).map { Due($0, now: now).text }
            print(
                "  created \(at(record["created_at"])), respond by \(at(record["respond_by"]))"
                    + (alert.status.isActive ? due.map { " (\($0))" } ?? "" : "")
                    + (record["raised_overdue"] == .bool(true)
                        ? "; already overdue when raised: the event came late" : ""))
            print("  rules \(RulesVersion.short(text(record["rules_version"])))")
            if alert.status == .withdrawn {
                let reason =
                    record["withdrawn_reason"] == nil
                    ? "the event that raised it was cancelled" : text(record["withdrawn_reason"])
                print(
                    "  withdrawn \(at(record["withdrawn_at"])) after event \(text(record["withdrawn_by_event_id"])): \(reason)"
                )
            }
            let patient = try store.patientState(alert.patientID)
            if case .array(let superseded)? = record["supersedes"], !superseded.isEmpty {
                print("  escalates (supersedes): " + superseded.map { text($0) }.joined(separator: ", "))
            }
            let later = patient.alerts.filter { other in
                guard case .array(let ids)? = JSONValue.parse(Array(other.record.utf8))?["supersedes"] else {
                    return false
                }
                return ids.contains(.string(alert.alertID))
            }
            if !later.isEmpty {
                print(
                    "  superseded by: "
                        + later.map { "\($0.alertID) (\($0.priority.rawValue), \($0.status))" }.joined(separator: ", "))
            }
            if case .array(let findings)? = record["findings"] {
                print("findings:")
                for finding in findings {
                    print("  - \(text(finding["rule_id"])) (\(text(finding["priority"]))): \(text(finding["title"]))")
                    print("    why: \(text(finding["reason"]))")
                    if case .object(let scores)? = finding["scores"], !scores.isEmpty {
                        print(
                            "    scores: "
                                + scores.map {
                                    "\($0.key) \(text($0.value["value"]))\(QueueCommand.parts($0.value["parts"]))"
                                }
                                .joined(separator: "; "))
                    }
                    if case .array(let references)? = finding["references"], !references.isEmpty {
                        print("    references: " + references.map { text($0) }.joined(separator: "; "))
                    }
                }
            }
            let repeats = try store.repeats(alertID: alert.alertID)
            print("seen again:" + (repeats.isEmpty ? " no" : " \(repeats.count)× (recorded here, no new alert)"))
            for repeated in repeats {
                print(
                    "  - \(at(repeated.occurredAt)) event \(repeated.eventID) (\(repeated.eventType)): \(repeated.ruleID) (\(repeated.priority)): \(repeated.reason)"
                )
            }
            if let explanation = try store.explanation(alertID: alert.alertID), !explanation.isEmpty {
                print("why the rules fired:")
                print(explanation)
            }
            print("patient history (encounters RiskScreen saw):" + (patient.history.encounters.isEmpty ? " none" : ""))
            for encounter in patient.history.encounters {
                var line = "  - \(encounter.encounterID)"
                line +=
                    " \(encounter.encounterClass?.rawValue ?? "class unknown"), admitted \(time.dayAndTime(encounter.admittedAt))"
                if let discharged = encounter.dischargedAt {
                    line += ", discharged \(time.dayAndTime(discharged))"
                    if let disposition = encounter.disposition { line += " (\(disposition.rawValue))" }
                }
                if encounter.cancelled { line += ", cancelled" }
                print(line)
            }
            let others = patient.alerts.filter { $0.alertID != alert.alertID }
            if !others.isEmpty {
                print("other alerts for this patient:")
                for other in others {
                    print(
                        "  - \(other.alertID) \(other.priority.rawValue) \(other.referral), \(other.status) (event \(other.eventID), \(other.eventType.rawValue))"
                    )
                }
            }
            let actions = try store.actions(alertID: alert.alertID)
            print("actions:" + (actions.isEmpty ? " none" : ""))
            for action in actions {
                print(
                    "  - \(at(action.at)) \(action.action) by \(action.by)\(action.outcome.map { ", outcome \($0)" } ?? "")\(action.note.map { ": \($0)" } ?? "")"
                )
            }
        }
    }

    /// A score's parts as people read them: ` (L 4, A 3, C 2, E 3)`; empty when there are none.
    static func parts(_ value: JSONValue?) -> String {
        guard case .object(let members)? = value, !members.isEmpty else { return "" }
        return " (" + members.map { "\($0.key) \($0.value.serialized)" }.joined(separator: ", ") + ")"
    }

    struct Acknowledge: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ack", abstract: "Acknowledge an open alert: someone has it.")

        @OptionGroup var options: StateOptions
        @Argument(help: "The alert id.") var alertID: String
        @Option(help: "Who acknowledges it.") var by: String
        @Option(help: "A note for the audit trail.") var note: String?

        func run() throws {
            try QueueCommand.act(
                options, alertID,
                AlertAction(action: "ack", by: by, note: note, at: StatusCommand.time(TestHooks.clock.seconds)))
            print("acknowledged \(alertID) by \(by)")
        }
    }

    struct Close: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close an open or acknowledged alert with its outcome.")

        @OptionGroup var options: StateOptions
        @Argument(help: "The alert id.") var alertID: String
        @Option(help: "Who closes it.") var by: String
        @Option(help: "What came of it: referred, declined, not-needed, unable-to-reach, or other (with --note).")
        var outcome: String
        @Option(help: "A note for the audit trail (what happened, for other).") var note: String?

        func validate() throws {
            guard let outcome = CloseOutcome(rawValue: outcome) else {
                let names = CloseOutcome.allCases.map(\.rawValue)
                throw ValidationError(
                    "unknown outcome \"\(self.outcome)\"\(Suggestions.hint(for: self.outcome, among: names)); the outcomes are \(names.joined(separator: ", "))"
                )
            }
            if outcome == .other && (note ?? "").isEmpty {
                throw ValidationError("--outcome other needs --note: what came of it")
            }
        }

        func run() throws {
            try QueueCommand.act(
                options, alertID,
                AlertAction(
                    action: "close", by: by, outcome: outcome, note: note,
                    at: StatusCommand.time(TestHooks.clock.seconds)))
            print("closed \(alertID) by \(by): \(outcome)")
        }
    }

    struct Assign: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Assign an open or acknowledged alert to someone.")

        @OptionGroup var options: StateOptions
        @Argument(help: "The alert id.") var alertID: String
        @Option(help: "Who it goes to.") var to: String
        @Option(help: "Who assigns it.") var by: String

        func run() throws {
            try QueueCommand.act(
                options, alertID, .assign(to: to, by: by, at: StatusCommand.time(TestHooks.clock.seconds)))
            print("assigned \(alertID) to \(to) by \(by)")
        }
    }

    struct Note: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a note to an alert's trail, whatever its status.")

        @OptionGroup var options: StateOptions
        @Argument(help: "The alert id.") var alertID: String
        @Option(help: "Who writes it.") var by: String
        @Option(help: "The note.") var note: String

        func run() throws {
            try QueueCommand.act(
                options, alertID,
                AlertAction(action: "note", by: by, note: note, at: StatusCommand.time(TestHooks.clock.seconds)))
            print("noted on \(alertID) by \(by)")
        }
    }

    struct Reopen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reopen a closed alert: it is open in the queue again.")

        @OptionGroup var options: StateOptions
        @Argument(help: "The alert id.") var alertID: String
        @Option(help: "Who reopens it.") var by: String
        @Option(help: "Why, for the audit trail.") var note: String?

        func run() throws {
            try QueueCommand.act(
                options, alertID,
                AlertAction(action: "reopen", by: by, note: note, at: StatusCommand.time(TestHooks.clock.seconds)))
            print("reopened \(alertID) by \(by)")
        }
    }

    static func act(_ options: StateOptions, _ alertID: String, _ action: AlertAction) throws {
        do {
            try options.store().act(on: alertID, action)
        } catch let error as QueueError {
            printError("queue: \(error)")
            throw ExitCode(1)
        }
    }
}
