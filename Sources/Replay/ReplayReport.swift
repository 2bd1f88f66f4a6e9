public import Events
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
    /// Every change, with `--diff` (else empty: the counts below still hold).
    public var changes: [Change]
    public var added: Int
    public var removed: Int
    public var changed: Int
    /// Alerts per referral and day (the event's local date), baseline and candidate.
    public var daily: [String: [LocalDate: (baseline: Int, candidate: Int)]]
    /// How well the readmission rules and scores predicted the archive's readmissions.
    public var backtest: BacktestResult?
    public var baselineAlerts: Int
    public var candidateAlerts: Int
    /// Of those, the alerts a later cancel withdrew.
    public var baselineWithdrawn: Int
    public var candidateWithdrawn: Int

    public init(_ tally: ReplayTally, totals: ReplayTotals) {
        self.totals = totals
        baselineAlerts = tally.alerts[0]
        candidateAlerts = tally.alerts[1]
        baselineWithdrawn = tally.withdrawn[0]
        candidateWithdrawn = tally.withdrawn[1]
        daily = tally.daily
        added = tally.added
        removed = tally.removed
        changed = tally.changed
        changes = tally.changes.sorted {
            ($0.alert.occurredAt, $0.alert.eventID, $0.alert.referral) < (
                $1.alert.occurredAt, $1.alert.eventID, $1.alert.referral
            )
        }
        referrals = Set(tally.byReferral[0].keys).union(tally.byReferral[1].keys).sorted().map {
            Referral(referral: $0, baseline: tally.byReferral[0][$0] ?? 0, candidate: tally.byReferral[1][$0] ?? 0)
        }
        rules = Set(tally.byRule[0].keys).union(tally.byRule[1].keys).sorted().map {
            Rule(
                ruleID: $0, baseline: tally.byRule[0][$0] ?? 0, candidate: tally.byRule[1][$0] ?? 0,
                added: tally.addedByRule[$0] ?? 0, removed: tally.removedByRule[$0] ?? 0)
        }
        patients = tally.topPatients
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
