import Events
import Foundation
public import Rules

/// Baseline against candidate, over the same replayed events: per referral (the teams' workload),
/// per rule, the patients with most alerts, and every alert added or removed.
public struct ReplayReport: Sendable {
    /// One referral's alerts under each rule set.
    public struct Referral: Sendable, Equatable {
        public var referral: String
        public var baseline: Int
        public var candidate: Int
        /// The change in percent of the baseline (`nil` when the baseline has none and the candidate some).
        public var changePercent: Double? {
            baseline == 0 ? (candidate == 0 ? 0 : nil) : Double(candidate - baseline) / Double(baseline) * 100
        }
    }

    /// One rule's alerts (alerts carrying its finding) under each rule set.
    public struct Rule: Sendable, Equatable {
        public var ruleID: String
        public var baseline: Int
        public var candidate: Int
        public var added: Int
        public var removed: Int
    }

    /// A patient's alerts under each rule set.
    public struct Patient: Sendable, Equatable {
        public var patientID: String
        public var baseline: Int
        public var candidate: Int
    }

    /// An alert one rule set opens and the other does not (or opens at another priority).
    public struct Change: Sendable, Equatable {
        public enum Kind: String, Sendable { case added, removed, changed }
        public var kind: Kind
        /// The candidate's alert (the baseline's for a removed one).
        public var alert: ReplayedAlert
        /// For a changed one: the baseline's priority.
        public var baselinePriority: Priority?
    }

    public var totals: ReplayTotals
    public var referrals: [Referral]
    public var rules: [Rule]
    /// The patients with most alerts under the candidate (alert fatigue), most first, ten at most.
    public var patients: [Patient]
    public var changes: [Change]
    public var baselineAlerts: Int
    public var candidateAlerts: Int
    /// Of those, the alerts a later cancel withdrew.
    public var baselineWithdrawn: Int
    public var candidateWithdrawn: Int

    public init(baseline: ReplayRun, candidate: ReplayRun, totals: ReplayTotals, topPatients: Int = 10) {
        self.totals = totals
        baselineAlerts = baseline.alerts.count
        candidateAlerts = candidate.alerts.count
        baselineWithdrawn = baseline.alerts.filter(\.withdrawn).count
        candidateWithdrawn = candidate.alerts.filter(\.withdrawn).count
        let before = Dictionary(baseline.alerts.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(candidate.alerts.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var changes: [Change] = []
        for alert in candidate.alerts {
            if let old = before[alert.key] {
                if old.priority != alert.priority {
                    changes.append(Change(kind: .changed, alert: alert, baselinePriority: old.priority))
                }
            } else {
                changes.append(Change(kind: .added, alert: alert))
            }
        }
        for alert in baseline.alerts where after[alert.key] == nil {
            changes.append(Change(kind: .removed, alert: alert))
        }
        changes.sort {
            ($0.alert.occurredAt, $0.alert.eventID, $0.alert.referral) < (
                $1.alert.occurredAt, $1.alert.eventID, $1.alert.referral
            )
        }
        self.changes = changes

        func counts(_ alerts: [ReplayedAlert], _ key: (ReplayedAlert) -> [String]) -> [String: Int] {
            var result: [String: Int] = [:]
            for alert in alerts { for name in key(alert) { result[name, default: 0] += 1 } }
            return result
        }
        let referralsBefore = counts(baseline.alerts) { [$0.referral] }
        let referralsAfter = counts(candidate.alerts) { [$0.referral] }
        referrals = Set(referralsBefore.keys).union(referralsAfter.keys).sorted().map {
            Referral(referral: $0, baseline: referralsBefore[$0] ?? 0, candidate: referralsAfter[$0] ?? 0)
        }
        let rulesBefore = counts(baseline.alerts) { Array(Set($0.ruleIDs)) }
        let rulesAfter = counts(candidate.alerts) { Array(Set($0.ruleIDs)) }
        let rulesAdded = counts(changes.filter { $0.kind == .added }.map(\.alert)) { Array(Set($0.ruleIDs)) }
        let rulesRemoved = counts(changes.filter { $0.kind == .removed }.map(\.alert)) { Array(Set($0.ruleIDs)) }
        rules = Set(rulesBefore.keys).union(rulesAfter.keys).sorted().map {
            Rule(
                ruleID: $0, baseline: rulesBefore[$0] ?? 0, candidate: rulesAfter[$0] ?? 0, added: rulesAdded[$0] ?? 0,
                removed: rulesRemoved[$0] ?? 0)
        }
        let patientsBefore = counts(baseline.alerts) { [$0.patientID] }
        let patientsAfter = counts(candidate.alerts) { [$0.patientID] }
        patients = patientsAfter.map {
            Patient(patientID: $0.key, baseline: patientsBefore[$0.key] ?? 0, candidate: $0.value)
        }
        .sorted { ($1.candidate, $0.patientID) < ($0.candidate, $1.patientID) }
        .prefix(topPatients).map { $0 }
    }

    /// Alerts per 100 discharges.
    public func perHundredDischarges(_ count: Int) -> Double? {
        totals.discharges == 0 ? nil : Double(count) * 100 / Double(totals.discharges)
    }

    /// Alerts per day over the replayed days.
    public func perDay(_ count: Int) -> Double? {
        totals.days == 0 ? nil : Double(count) / Double(totals.days)
    }

    /// The referrals whose volume changes by more than `percent` (a referral new in the candidate
    /// always does).
    public func referrals(changingOver percent: Double) -> [Referral] {
        referrals.filter { referral in referral.changePercent.map { abs($0) > percent } ?? true }
    }
}
