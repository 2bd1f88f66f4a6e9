public import Events
import Foundation

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
                + "\(changes.filter { $0.kind == .added }.count) added, \(changes.filter { $0.kind == .removed }.count) removed, "
                + "\(changes.filter { $0.kind == .changed }.count) at another priority")
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

    static func signed(_ value: Int) -> String { value > 0 ? "+\(value)" : "\(value)" }

    public static func percent(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return (rounded > 0 ? "+" : "") + (rounded == rounded.rounded() ? "\(Int(rounded))" : "\(rounded)") + " %"
    }

    static func number(_ value: Double?) -> String {
        guard let value else { return "–" }
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? "\(Int(rounded))" : String(format: "%.2f", rounded)
    }

    /// Columns padded to their widest cell (the first column left-aligned, the rest right).
    static func aligned(_ rows: [[String]]) -> [String] {
        guard let columns = rows.map(\.count).max() else { return [] }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        return rows.map { row in
            row.enumerated().map { index, cell in
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                return index == 0 ? cell + padding : padding + cell
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
    }
}
