import Alerts
public import Events
public import Rules
public import Screening

/// An alert as a replay opened it: what the comparison and the report need.
public struct ReplayedAlert: Sendable, Equatable {
    public var eventID: String
    public var eventType: EventType
    public var occurredAt: Timestamp
    public var patientID: String
    public var encounterID: String
    public var referral: String
    public var priority: Priority
    /// The rules whose findings it carries.
    public var ruleIDs: [String]
    public var summary: String

    /// Its identity across two replays: one alert per event and referral.
    public var key: String { eventID + "\u{1F}" + referral }

    init(_ alert: Alert) {
        eventID = alert.eventID
        eventType = alert.eventType
        occurredAt = alert.occurredAt
        patientID = alert.patientID
        encounterID = alert.encounterID
        referral = alert.referral
        priority = alert.priority
        ruleIDs = alert.findings.map(\.ruleID)
        summary = alert.summary
    }
}

/// What every replayed event says, whatever the rules: the denominators.
public struct ReplayTotals: Sendable, Equatable {
    public var events = 0
    public var discharges = 0
    /// The first and last day an event happened (local dates as sent).
    public var firstDay: LocalDate?
    public var lastDay: LocalDate?

    /// Days from the first to the last, both counted.
    public var days: Int {
        guard let firstDay, let lastDay else { return 0 }
        return firstDay.days(until: lastDay) + 1
    }
}

/// The two rule sets' alerts, counted as the replay goes (nothing per alert is kept but — with
/// `keepsChanges` — the alerts one set opens and the other does not).
public struct ReplayTally: Sendable {
    /// Per rule set (baseline, candidate): alerts opened, and of those withdrawn later.
    public var alerts = [0, 0]
    public var withdrawn = [0, 0]
    public var byReferral: [[String: Int]] = [[:], [:]]
    public var byRule: [[String: Int]] = [[:], [:]]
    /// The patients with most alerts under the candidate (the baseline's count beside), most first.
    public var topPatients: [ReplayReport.Patient] = []
    public var daily: [String: [LocalDate: (baseline: Int, candidate: Int)]] = [:]
    /// Alerts added, removed and at another priority, per rule carrying them.
    public var addedByRule: [String: Int] = [:]
    public var removedByRule: [String: Int] = [:]
    public var added = 0, removed = 0, changed = 0
    /// Every change, when kept (`--diff`).
    public var changes: [ReplayReport.Change] = []
    public var keepsChanges: Bool
    init(keepsChanges: Bool) { self.keepsChanges = keepsChanges }

    /// One event's alerts under both rule sets, compared by event and referral.
    mutating func count(_ decisions: [PolicyDecision]) {
        var keyed: [[String: ReplayedAlert]] = [[:], [:]]
        for side in 0..<2 {
            for alert in decisions[side].opened {
                let replayed = ReplayedAlert(alert)
                keyed[side][replayed.key] = replayed
                alerts[side] += 1
                byReferral[side][alert.referral, default: 0] += 1
                for rule in Set(replayed.ruleIDs) { byRule[side][rule, default: 0] += 1 }
                let day = alert.occurredAt.localDate
                if side == 0 {
                    daily[alert.referral, default: [:]][day, default: (0, 0)].baseline += 1
                } else {
                    daily[alert.referral, default: [:]][day, default: (0, 0)].candidate += 1
                }
            }
            // A withdrawal names an alert of the patient's state: one this replay opened.
            withdrawn[side] += decisions[side].withdrawn.count
        }
        for (key, alert) in keyed[1].sorted(by: { $0.key < $1.key }) {
            if let old = keyed[0][key] {
                if old.priority != alert.priority {
                    changed += 1
                    if keepsChanges {
                        changes.append(
                            ReplayReport.Change(kind: .changed, alert: alert, baselinePriority: old.priority))
                    }
                }
                // The same alert under both: a rule's finding it gains or loses is added or removed
                // for that rule, so each rule's baseline + added − removed is its candidate count.
                let before = Set(old.ruleIDs)
                let after = Set(alert.ruleIDs)
                for rule in after.subtracting(before) { addedByRule[rule, default: 0] += 1 }
                for rule in before.subtracting(after) { removedByRule[rule, default: 0] += 1 }
            } else {
                added += 1
                for rule in Set(alert.ruleIDs) { addedByRule[rule, default: 0] += 1 }
                if keepsChanges { changes.append(ReplayReport.Change(kind: .added, alert: alert)) }
            }
        }
        for (key, alert) in keyed[0].sorted(by: { $0.key < $1.key }) where keyed[1][key] == nil {
            removed += 1
            for rule in Set(alert.ruleIDs) { removedByRule[rule, default: 0] += 1 }
            if keepsChanges { changes.append(ReplayReport.Change(kind: .removed, alert: alert)) }
        }
    }
}

/// Replays events, in the order they happened, through two rule sets and the alert policy — in
/// memory, each with its own patients' states, as the daemon would have decided them at the time
/// (each event decided at its own `occurred_at`, so the staleness rule does not silence the past).
///
/// Memory is kept down as the archive grows: alerts are counted, not kept; each patient's state is
/// packed into a few hundred bytes between their events (``PatientRecord``) — the history once for
/// both rule sets, and per rule set what the policy reads within a year (the alerts' records and
/// findings' reasons, which only people read, are dropped).
public struct Replayer: Sendable {
    public var baseline: Screener
    public var candidate: Screener
    /// How far back a patient's alerts and findings are kept: a year, or the longest suppression
    /// window if that is longer.
    public var horizon: Double

    public init(baseline: Screener, candidate: Screener) {
        var baseline = baseline
        var candidate = candidate
        baseline.explainsAlerts = false
        candidate.explainsAlerts = false
        baseline.policy.keepsAlertRecords = false
        candidate.policy.keepsAlertRecords = false
        self.baseline = baseline
        self.candidate = candidate
        let windows = [baseline, candidate].flatMap { screener in
            screener.ruleSet.rules.map { $0.suppressFor ?? screener.policy.defaultSuppressFor }
        }
        horizon = max(365 * 86_400, (windows.max() ?? 0) + 86_400)
    }

    /// Replays the events `next` gives one at a time (in order), so the archive is never held in
    /// memory; with `keepingChanges`, every alert added, removed or changed is kept for the report.
    /// The `topPatients` with most candidate alerts are named. Patients' states past
    /// `memoryBudget` bytes (packed) are kept in a temporary database (``PatientRecords``); it
    /// throws when that database cannot be written or read, or when `next` throws.
    public func replay(
        keepingChanges: Bool, topPatients: Int = 10, memoryBudget: Int = 24 << 20, _ next: () throws -> Event?
    ) throws -> (tally: ReplayTally, totals: ReplayTotals, backtest: BacktestResult) {
        var totals = ReplayTotals()
        let ruleSets = [baseline.ruleSet, candidate.ruleSet]
        var backtest = Backtest(ruleSets: ruleSets)
        var tally = ReplayTally(keepsChanges: keepingChanges)
        // Each patient's state packed: the history once (facts of events, the same whatever the
        // rules), and per rule set what its policy remembers, the alerts and findings.
        let records = PatientRecords(budget: memoryBudget)
        let screeners = [baseline, candidate]
        while let event = try next() {
            totals.events += 1
            if event.eventType == .discharge { totals.discharges += 1 }
            let day = event.occurredAt.localDate
            if totals.firstDay.map({ day < $0 }) ?? true { totals.firstDay = day }
            if totals.lastDay.map({ day > $0 }) ?? true { totals.lastDay = day }
            var decisions: [PolicyDecision] = []
            let cutoff = event.occurredAt.adding(seconds: -horizon)
            let patientID = event.patient.id
            var patient =
                try records.take(patientID)?.unpack(sides: 2)
                ?? PatientRecord.Unpacked(
                    history: PatientHistory(patientID: patientID),
                    sides: Array(repeating: .init(alerts: [], findings: []), count: 2),
                    alertCounts: [0, 0])
            var history = patient.history
            for side in 0..<2 {
                var state = PatientState(
                    history: patient.history, alerts: patient.sides[side].alerts, findings: patient.sides[side].findings
                )
                let decision = screeners[side].screen(event, state: state, now: event.occurredAt)
                decisions.append(decision)
                state.apply(decision, keepingRecords: false)
                Self.compact(&state, before: cutoff)
                patient.sides[side] = .init(alerts: state.alerts, findings: state.findings)
                patient.alertCounts[side] += decision.opened.count
                if side == 1 { history = state.history }
            }
            patient.history = history
            tally.count(decisions)
            backtest.record(
                event, evaluations: decisions.map(\.evaluation), rules: ruleSets, patient: &patient.backtest)
            try records.put(patientID, PatientRecord(patient))
        }
        tally.topPatients = try Self.mostAlerted(records, count: topPatients)
        let result = try backtest.result { take in
            try records.forEach { _, record in try take(record.unpack(sides: 2).backtest) }
        }
        return (tally, totals, result)
    }

    /// The `count` patients with most candidate alerts (ties by id), each with both counts.
    static func mostAlerted(_ records: PatientRecords, count: Int) throws -> [ReplayReport.Patient] {
        var top: [ReplayReport.Patient] = []
        func before(_ a: ReplayReport.Patient, _ b: ReplayReport.Patient) -> Bool {
            (b.candidate, a.patientID) < (a.candidate, b.patientID)
        }
        try records.forEach { patientID, record in
            let counts = record.alertCounts(sides: 2)
            guard counts[1] > 0 else { return }
            let patient = ReplayReport.Patient(patientID: patientID, baseline: counts[0], candidate: counts[1])
            guard top.count < count || before(patient, top[top.count - 1]) else { return }
            top.insert(patient, at: top.firstIndex { before(patient, $0) } ?? top.count)
            if top.count > count { top.removeLast() }
        }
        return top
    }

    /// Drops what the policy no longer reads: alerts and findings older than `cutoff`, the alert
    /// records and the findings' reasons (text for people, not for decisions).
    static func compact(_ state: inout PatientState, before cutoff: Timestamp) {
        state.alerts.removeAll { $0.occurredAt < cutoff }
        state.findings.removeAll { $0.occurredAt < cutoff }
        for index in state.alerts.indices where !state.alerts[index].record.isEmpty {
            state.alerts[index].record = ""
        }
        for index in state.findings.indices where !state.findings[index].reason.isEmpty {
            state.findings[index].reason = ""
        }
    }
}
