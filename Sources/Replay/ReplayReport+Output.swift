public import Events
import Foundation
import Presentation

extension ReplayReport {
    /// For people: the totals, then a table per referral and per rule, the patients with most
    /// alerts, and (with `diff`) every alert added, removed or changed, with its reason.
    public func text(diff: Bool, baselineName: String, candidateName: String) -> String {
        var lines: [String] = []
        let span =
            totals.firstDay.map { first in "\(first) to \(totals.lastDay.map(\.description) ?? "?")" } ?? "no events"
        lines.append(
            "Replayed \(totals.events) events (\(totals.discharges) discharges, \(span), \(totals.days) days)")
        lines.append("baseline:  \(baselineName)")
        lines.append("candidate: \(candidateName)")
        lines.append(
            "alerts: \(baselineAlerts) → \(candidateAlerts) (\(Self.signed(candidateAlerts - baselineAlerts))); "
                + "\(added) added, \(removed) removed, "
                + "\(changed) at another priority")
        let withdrawn = (baselineWithdrawn, candidateWithdrawn)
        if withdrawn != (0, 0) {
            lines.append("withdrawn later by a cancel (counted above): \(withdrawn.0) → \(withdrawn.1)")
        }
        lines.append("")
        lines.append("By referral (the team's workload)")
        var table = [["referral", "baseline", "candidate", "change", "per 100 discharges", "per day"]]
        for referral in referrals {
            table.append([
                referral.referral, "\(referral.baseline)", "\(referral.candidate)",
                referral.changePercent.map { Self.percent($0) } ?? "new",
                "\(Self.number(perHundredDischarges(referral.baseline))) → \(Self.number(perHundredDischarges(referral.candidate)))",
                "\(Self.number(perDay(referral.baseline))) → \(Self.number(perDay(referral.candidate)))",
            ])
        }
        lines += Self.aligned(table)
        lines.append("")
        lines.append("By rule (alerts carrying its finding)")
        table = [["rule", "baseline", "candidate", "added", "removed"]]
        for rule in rules {
            table.append([
                "\(rule.ruleID)", "\(rule.baseline)", "\(rule.candidate)", "+\(rule.added)", "-\(rule.removed)",
            ])
        }
        lines += Self.aligned(table)
        if !patients.isEmpty {
            lines.append("")
            lines.append("Patients with most alerts (candidate)")
            table = [["patient", "baseline", "candidate"]]
            for patient in patients {
                table.append([patient.patientID, "\(patient.baseline)", "\(patient.candidate)"])
            }
            lines += Self.aligned(table)
        }
        if let backtest { lines += Self.text(backtest) }
        if diff {
            lines.append("")
            lines.append(
                changes.isEmpty ? "No alert added, removed or changed." : "Alerts added (+), removed (-), changed (~)")
            for change in changes { lines.append(Self.line(change)) }
        }
        return lines.joined(separator: "\n")
    }

    /// One changed alert: `+ 2026-11-20 event E-1 patient P-1 discharge-planning high [rules]: summary`.
    static func line(_ change: Change) -> String {
        let alert = change.alert
        let mark = change.kind == .added ? "+" : change.kind == .removed ? "-" : "~"
        let priority =
            change.baselinePriority.map { "\($0.rawValue) → \(alert.priority.rawValue)" } ?? alert.priority.rawValue
        return "\(mark) \(alert.occurredAt.localDate) event \(alert.eventID) patient \(alert.patientID) "
            + "\(alert.referral) \(priority) [\(alert.ruleIDs.joined(separator: ", "))]: \(alert.summary)"
    }

    /// For tools: the same figures as one JSON object.
    public func json(diff: Bool, baselineName: String, candidateName: String) -> JSONValue {
        func optional(_ value: Double?) -> JSONValue { value.map { .number(($0 * 100).rounded() / 100) } ?? .null }
        var members: [JSONMember] = [
            JSONMember(key: "baseline", value: .string(baselineName)),
            JSONMember(key: "candidate", value: .string(candidateName)),
            JSONMember(
                key: "totals",
                value: .object([
                    JSONMember(key: "events", value: .number(Double(totals.events))),
                    JSONMember(key: "discharges", value: .number(Double(totals.discharges))),
                    JSONMember(key: "first_day", value: totals.firstDay.map { .string($0.description) } ?? .null),
                    JSONMember(key: "last_day", value: totals.lastDay.map { .string($0.description) } ?? .null),
                    JSONMember(key: "days", value: .number(Double(totals.days))),
                    JSONMember(key: "baseline_alerts", value: .number(Double(baselineAlerts))),
                    JSONMember(key: "candidate_alerts", value: .number(Double(candidateAlerts))),
                ])),
            JSONMember(
                key: "referrals",
                value: .array(
                    referrals.map { referral in
                        .object([
                            JSONMember(key: "referral", value: .string(referral.referral)),
                            JSONMember(key: "baseline", value: .number(Double(referral.baseline))),
                            JSONMember(key: "candidate", value: .number(Double(referral.candidate))),
                            JSONMember(key: "change_percent", value: optional(referral.changePercent)),
                            JSONMember(
                                key: "baseline_per_100_discharges",
                                value: optional(perHundredDischarges(referral.baseline))),
                            JSONMember(
                                key: "candidate_per_100_discharges",
                                value: optional(perHundredDischarges(referral.candidate))),
                            JSONMember(key: "baseline_per_day", value: optional(perDay(referral.baseline))),
                            JSONMember(key: "candidate_per_day", value: optional(perDay(referral.candidate))),
                        ])
                    })),
            JSONMember(
                key: "rules",
                value: .array(
                    rules.map { rule in
                        .object([
                            JSONMember(key: "rule_id", value: .string(rule.ruleID)),
                            JSONMember(key: "baseline", value: .number(Double(rule.baseline))),
                            JSONMember(key: "candidate", value: .number(Double(rule.candidate))),
                            JSONMember(key: "added", value: .number(Double(rule.added))),
                            JSONMember(key: "removed", value: .number(Double(rule.removed))),
                        ])
                    })),
            JSONMember(
                key: "patients",
                value: .array(
                    patients.map { patient in
                        .object([
                            JSONMember(key: "patient_id", value: .string(patient.patientID)),
                            JSONMember(key: "baseline", value: .number(Double(patient.baseline))),
                            JSONMember(key: "candidate", value: .number(Double(patient.candidate))),
                        ])
                    })),
        ]
        if let backtest { members.append(JSONMember(key: "backtest", value: Self.json(backtest))) }
        if diff {
            members.append(
                JSONMember(
                    key: "changes",
                    value: .array(
                        changes.map { change in
                            var item: [JSONMember] = [
                                JSONMember(key: "change", value: .string(change.kind.rawValue)),
                                JSONMember(key: "event_id", value: .string(change.alert.eventID)),
                                JSONMember(key: "event_type", value: .string(change.alert.eventType.rawValue)),
                                JSONMember(key: "occurred_at", value: .string(change.alert.occurredAt.description)),
                                JSONMember(key: "patient_id", value: .string(change.alert.patientID)),
                                JSONMember(key: "encounter_id", value: .string(change.alert.encounterID)),
                                JSONMember(key: "referral", value: .string(change.alert.referral)),
                                JSONMember(key: "priority", value: .string(change.alert.priority.rawValue)),
                                JSONMember(key: "rules", value: .array(change.alert.ruleIDs.map(JSONValue.string))),
                                JSONMember(key: "summary", value: .string(change.alert.summary)),
                            ]
                            if let before = change.baselinePriority {
                                item.append(JSONMember(key: "baseline_priority", value: .string(before.rawValue)))
                            }
                            return .object(item)
                        })))
        }
        return .object(members)
    }

    /// The backtest's tables.
    static func text(_ backtest: BacktestResult) -> [String] {
        var lines = ["", "Backtest: \(backtest.windowDays)-day unplanned readmissions seen in the archive"]
        guard let end = backtest.followUpEnd else { return lines + ["no events"] }
        let rate =
            backtest.discharges == 0
            ? "–" : percent(Double(backtest.readmitted) / Double(backtest.discharges) * 100, signed: false)
        lines.append(
            "hospital discharges with \(backtest.windowDays) days of follow-up: \(backtest.discharges), "
                + "readmitted \(backtest.readmitted) (\(rate)); left out: \(backtest.leftOutTooRecent) too recent "
                + "(the archive ends \(end.localDate)), \(backtest.leftOutDied) died")
        lines.append(
            backtest.knowsPlanned
                ? "planned readmissions (the rules' planned_admission) are not counted"
                : "the rules declare no planned_admission: every readmission is counted")
        var table = [
            [
                "rule (candidate)", "alerted", "caught", "sensitivity", "PPV", "per 100 discharges", "NNA",
                "baseline sens. / PPV",
            ]
        ]
        for rule in backtest.candidateRules {
            let before = backtest.baselineRules.first { $0.ruleID == rule.ruleID }
            table.append([
                rule.ruleID, "\(rule.alerted)", "\(rule.truePositives)/\(rule.readmitted)",
                fraction(rule.sensitivity), fraction(rule.positivePredictiveValue),
                number(rule.alertsPerHundredDischarges), number(rule.numberNeededToAlert),
                before.map { "\(fraction($0.sensitivity)) / \(fraction($0.positivePredictiveValue))" } ?? "–",
            ])
        }
        if backtest.candidateRules.isEmpty {
            lines.append("no readmission rule reads discharges")
        } else {
            lines += aligned(table)
        }
        for calibration in backtest.candidateScores {
            lines.append("")
            lines.append("Calibration of \(calibration.score.uppercased()) (candidate)")
            var table = [["band", "discharges", "readmitted", "observed", "95 % interval", "published"]]
            for band in calibration.bands {
                table.append([
                    band.label, "\(band.discharges)", "\(band.readmitted)", fraction(band.observed),
                    band.interval.map { "\(fraction($0.low))–\(fraction($0.high))" } ?? "–",
                    band.published.map { "≈ " + fraction($0) } ?? "not given",
                ])
            }
            lines += aligned(table)
        }
        return lines
    }

    /// A share as a percentage with one decimal.
    static func fraction(_ value: Double?) -> String {
        guard let value else { return "–" }
        return percent(value * 100, signed: false)
    }

    static func signed(_ value: Int) -> String { value > 0 ? "+\(value)" : "\(value)" }

    public static func percent(_ value: Double, signed: Bool = true) -> String {
        let rounded = (value * 10).rounded() / 10
        return (signed && rounded > 0 ? "+" : "") + (rounded == rounded.rounded() ? "\(Int(rounded))" : "\(rounded)")
            + " %"
    }

    static func number(_ value: Double?) -> String {
        guard let value else { return "–" }
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? "\(Int(rounded))" : String(format: "%.2f", rounded)
    }

    /// The rows (the first is the header) as a table, the first column left-aligned, the rest right.
    static func aligned(_ rows: [[String]]) -> [String] {
        guard let header = rows.first else { return [] }
        var table = TextTable(headers: header)
        table.rightAligned = Set(1..<header.count)
        for row in rows.dropFirst() { table.append(row) }
        return table.lines()
    }

    /// The backtest as JSON: shares as fractions (0–1), `null` where undefined.
    static func json(_ backtest: BacktestResult) -> JSONValue {
        func value(_ number: Double?) -> JSONValue { number.map { .number(($0 * 10_000).rounded() / 10_000) } ?? .null }
        func rules(_ figures: [BacktestResult.RuleFigures]) -> JSONValue {
            .array(
                figures.map { rule in
                    .object([
                        JSONMember(key: "rule_id", value: .string(rule.ruleID)),
                        JSONMember(key: "alerted", value: .number(Double(rule.alerted))),
                        JSONMember(key: "true_positives", value: .number(Double(rule.truePositives))),
                        JSONMember(key: "sensitivity", value: value(rule.sensitivity)),
                        JSONMember(key: "positive_predictive_value", value: value(rule.positivePredictiveValue)),
                        JSONMember(key: "alerts_per_100_discharges", value: value(rule.alertsPerHundredDischarges)),
                        JSONMember(key: "number_needed_to_alert", value: value(rule.numberNeededToAlert)),
                    ])
                })
        }
        func scores(_ calibrations: [BacktestResult.Calibration]) -> JSONValue {
            .array(
                calibrations.map { calibration in
                    .object([
                        JSONMember(key: "score", value: .string(calibration.score)),
                        JSONMember(
                            key: "bands",
                            value: .array(
                                calibration.bands.map { band in
                                    .object([
                                        JSONMember(key: "band", value: .string(band.label)),
                                        JSONMember(key: "low", value: .number(band.low)),
                                        JSONMember(key: "high", value: band.high.map(JSONValue.number) ?? .null),
                                        JSONMember(key: "discharges", value: .number(Double(band.discharges))),
                                        JSONMember(key: "readmitted", value: .number(Double(band.readmitted))),
                                        JSONMember(key: "observed", value: value(band.observed)),
                                        JSONMember(key: "interval_low", value: value(band.interval?.low)),
                                        JSONMember(key: "interval_high", value: value(band.interval?.high)),
                                        JSONMember(key: "published", value: value(band.published)),
                                    ])
                                })),
                    ])
                })
        }
        return .object([
            JSONMember(key: "window_days", value: .number(Double(backtest.windowDays))),
            JSONMember(key: "planned_excluded", value: .bool(backtest.knowsPlanned)),
            JSONMember(key: "follow_up_end", value: backtest.followUpEnd.map { .string($0.description) } ?? .null),
            JSONMember(key: "discharges", value: .number(Double(backtest.discharges))),
            JSONMember(key: "readmitted", value: .number(Double(backtest.readmitted))),
            JSONMember(key: "left_out_too_recent", value: .number(Double(backtest.leftOutTooRecent))),
            JSONMember(key: "left_out_died", value: .number(Double(backtest.leftOutDied))),
            JSONMember(key: "candidate_rules", value: rules(backtest.candidateRules)),
            JSONMember(key: "baseline_rules", value: rules(backtest.baselineRules)),
            JSONMember(key: "candidate_scores", value: scores(backtest.candidateScores)),
            JSONMember(key: "baseline_scores", value: scores(backtest.baselineScores)),
        ])
    }
}
