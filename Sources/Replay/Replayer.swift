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
    /// Whether a later event (a cancel) withdrew it in the replay.
    public var withdrawn = false

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

/// One rule set's replay: every alert it opened, in the order opened.
public struct ReplayRun: Sendable {
    public var alerts: [ReplayedAlert] = []
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

/// Replays events, in the order they happened, through two rule sets and the alert policy — in
/// memory, each with its own patients' states, as the daemon would have decided them at the time
/// (each event decided at its own `occurred_at`, so the staleness rule does not silence the past).
public struct Replayer: Sendable {
    public var baseline: Screener
    public var candidate: Screener

    public init(baseline: Screener, candidate: Screener) {
        var baseline = baseline
        var candidate = candidate
        baseline.explainsAlerts = false
        candidate.explainsAlerts = false
        self.baseline = baseline
        self.candidate = candidate
    }

    /// Replays `events` (already in order); `next` gives them one at a time, so the archive is
    /// never held in memory.
    public func replay(_ next: () -> Event?) -> (baseline: ReplayRun, candidate: ReplayRun, totals: ReplayTotals) {
        var totals = ReplayTotals()
        var runs = [ReplayRun(), ReplayRun()]
        var states: [[String: PatientState]] = [[:], [:]]
        var positions: [[String: Int]] = [[:], [:]]
        let screeners = [baseline, candidate]
        while let event = next() {
            totals.events += 1
            if event.eventType == .discharge { totals.discharges += 1 }
            let day = event.occurredAt.localDate
            if totals.firstDay.map({ day < $0 }) ?? true { totals.firstDay = day }
            if totals.lastDay.map({ day > $0 }) ?? true { totals.lastDay = day }
            for side in 0..<2 {
                let patientID = event.patient.id
                var state = states[side][patientID] ?? PatientState(patientID: patientID)
                let decision = screeners[side].screen(event, state: state, now: event.occurredAt)
                for alert in decision.opened {
                    positions[side][alert.alertID] = runs[side].alerts.count
                    runs[side].alerts.append(ReplayedAlert(alert))
                }
                for withdrawal in decision.withdrawn {
                    if let position = positions[side][withdrawal.alertID] {
                        runs[side].alerts[position].withdrawn = true
                    }
                }
                state.apply(decision)
                states[side][patientID] = state
            }
        }
        return (runs[0], runs[1], totals)
    }
}
