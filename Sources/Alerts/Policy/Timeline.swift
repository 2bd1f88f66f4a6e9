import Events
import Rules

/// One patient's alerts and findings worked out in memory while an event is decided: the policy's
/// working copy of the state, and what changed in it.
///
/// Every finding lives under its key (event, rule) with a fate. Deciding an event means evaluating
/// it against the history as it stood when it happened and comparing with what was found before:
/// new findings are placed (stale, void, a repeat, or a new alert), vanished ones are retracted.
/// Withdrawing an alert sends the events whose findings repeated it back to be decided again.
struct Timeline {
    private let policy: AlertPolicy
    private let rulesVersion: String
    private let now: Timestamp
    private let evaluate: (Event, PatientHistory) -> Evaluation
    private let recorded: (String) -> Event?

    private var history: PatientHistory
    private var alerts: [PriorAlert]
    private var alertIndex: [String: Int] = [:]
    private var findings: [RecordedFinding]
    private var findingIndex: [String: Int] = [:]
    private var findingsOfEvent: [String: [Int]] = [:]
    private var events: [String: Event] = [:]

    // What the decision records.
    private var opened: [Alert] = []
    /// The opened alerts' records, by alert id.
    private var records: [String: String] = [:]
    private var withdrawn: [PolicyDecision.Withdrawal] = []
    private var changed: [Int] = []
    private var changedSet = Set<Int>()
    private var redecided: [String] = []
    /// Events whose findings repeated an alert that no longer stands: decided again at the end.
    private var pending = Set<String>()
    /// How often each event was decided in this decision (a guard: deciding converges in one or two).
    private var decisions: [String: Int] = [:]
    /// The event whose arrival is being decided: what a retraction is attributed to.
    private var cause = ""

    init(
        policy: AlertPolicy, state: PatientState, rulesVersion: String, now: Timestamp,
        evaluate: @escaping (Event, PatientHistory) -> Evaluation, recorded: @escaping (String) -> Event?
    ) {
        self.policy = policy
        self.rulesVersion = rulesVersion
        self.now = now
        self.evaluate = evaluate
        self.recorded = recorded
        history = state.history
        alerts = state.alerts
        findings = state.findings
        for (position, alert) in alerts.enumerated() { alertIndex[alert.alertID] = position }
        for (position, finding) in findings.enumerated() {
            findingIndex[Self.key(finding.eventID, finding.ruleID)] = position
            findingsOfEvent[finding.eventID, default: []].append(position)
        }
    }

    private static func key(_ eventID: String, _ ruleID: String) -> String { eventID + "\u{0}" + ruleID }

    /// Decides `event` and everything its arrival changes.
    mutating func arrive(_ event: Event) -> PolicyDecision {
        let fact = EncounterFact(event)
        cause = event.eventID
        history.record(fact)
        events[event.eventID] = event
        let evaluation = decide(event)
        if !AlertPolicy.cancelled(by: event.eventType).isEmpty { void(cancelledBy: event) }
        // Events that happened after this one saw a history without it: decide them again.
        let later = history.facts.filter {
            $0.eventID != event.eventID && !$0.precedes(event.occurredAt, event.eventID)
                && !policy.isStale($0.occurredAt, now: now)
        }
        for fact in later {
            guard let other = self.event(fact.eventID) else { continue }
            _ = decide(other)
            noteRedecided(other.eventID)
        }
        settlePending()
        // The event's own alerts first, each event's most urgent first.
        let own = opened.filter { $0.eventID == event.eventID } + opened.filter { $0.eventID != event.eventID }
        var decision = PolicyDecision(
            opened: own, withdrawn: withdrawn, findings: changed.map { findings[$0] }, fact: fact,
            stale: policy.isStale(event.occurredAt, now: now), redecided: redecided, evaluation: evaluation)
        decision.records = records
        return decision
    }

    // MARK: - Deciding an event

    /// Evaluates `event` against the history before it and brings its findings up to date.
    @discardableResult
    private mutating func decide(_ event: Event) -> Evaluation? {
        let count = decisions[event.eventID, default: 0]
        guard count < 3 else { return nil }
        decisions[event.eventID] = count + 1
        let evaluation = evaluate(event, history.before(event))
        var found: [String: Finding] = [:]
        for finding in evaluation.findings where found[finding.ruleID] == nil { found[finding.ruleID] = finding }

        var toPlace: [Finding] = []
        for position in findingsOfEvent[event.eventID] ?? [] {
            let old = findings[position]
            let new = found.removeValue(forKey: old.ruleID)
            switch old.fate {
            case .void:
                continue  // a cancelled event stays cancelled
            case .retracted:
                if let new { toPlace.append(new) }
            case .opened, .repeated, .stale:
                guard let new else {
                    retract(position, by: cause)
                    continue
                }
                if new.priority != old.priority {
                    retract(position, by: cause)
                    toPlace.append(new)
                } else if !stands(old) {
                    toPlace.append(new)
                }
            }
        }
        // Findings the event did not have before, in the rule set's order.
        toPlace += evaluation.findings.filter { found[$0.ruleID] != nil }
        place(toPlace, of: event)
        return evaluation
    }

    /// Whether a finding's fate still holds: its alert stands (and, for a repeat, still has a
    /// finding of the same rule at the same or a higher priority).
    private func stands(_ finding: RecordedFinding) -> Bool {
        switch finding.fate {
        case .opened(let id):
            return alert(id).map { $0.status != .withdrawn } ?? false
        case .repeated(let id):
            guard let alert = alert(id), alert.status != .withdrawn else { return false }
            return openers(of: id).contains { $0.ruleID == finding.ruleID && $0.priority >= finding.priority }
        case .stale:
            return policy.isStale(finding.occurredAt, now: now)
        case .void, .retracted:
            return true
        }
    }

    /// What a finding becomes.
    private enum Placement {
        case fate(RecordedFinding.Fate)
        /// A new alert, escalating these.
        case open(supersedes: [String])
    }

    /// Places `found` findings of `event`: each becomes stale, void, a repeat, or part of a new
    /// alert (one per referral, as the builder makes them).
    private mutating func place(_ found: [Finding], of event: Event) {
        guard !found.isEmpty else { return }
        var fresh: [Finding] = []
        var supersedes: [String: [String]] = [:]
        for finding in found {
            switch placement(of: finding, in: event) {
            case .fate(let fate):
                set(RecordedFinding(finding, of: event, fate: fate))
            case .open(let earlier):
                fresh.append(finding)
                supersedes[finding.referral, default: []] += earlier
            }
        }
        guard !fresh.isEmpty else { return }
        for var alert in policy.builder.alerts(for: event, findings: fresh, rulesVersion: rulesVersion, now: now) {
            alert.alertID = uniqueID(event.eventID, alert.referral)
            var seen = Set<String>()
            alert.supersedes = (supersedes[alert.referral] ?? []).filter {
                $0 != alert.alertID && seen.insert($0).inserted
            }
            alertIndex[alert.alertID] = alerts.count
            // The record written once: the working copy keeps it, and the decision hands it to the store.
            let record = policy.keepsAlertRecords ? alert.json.serialized : ""
            if policy.keepsAlertRecords { records[alert.alertID] = record }
            alerts.append(PriorAlert(alert, record: record))
            opened.append(alert)
            for finding in alert.findings {
                set(RecordedFinding(finding, of: event, fate: .opened(alertID: alert.alertID)))
            }
        }
    }

    private func placement(of finding: Finding, in event: Event) -> Placement {
        if policy.isStale(event.occurredAt, now: now) { return .fate(.stale) }
        if let cancel = voidingCancel(of: event) { return .fate(.void(byEventID: cancel)) }
        let window = finding.suppressFor ?? policy.defaultSuppressFor
        var candidates: [String] = []
        var best: (priority: Priority, occurredAt: Timestamp, id: String)?
        for opener in findings where opener.ruleID == finding.ruleID {
            guard case .opened(let id) = opener.fate, let alert = alert(id), alert.status != .withdrawn,
                alert.encounterID == event.encounter.id
                    || (window > 0 && abs(alert.occurredAt.seconds(until: event.occurredAt)) < window)
            else { continue }
            candidates.append(id)
            let candidate = (opener.priority, alert.occurredAt, id)
            if best.map({ ($0.priority, $0.occurredAt, $0.id) < candidate }) ?? true { best = candidate }
        }
        if let best, finding.priority <= best.priority { return .fate(.repeated(alertID: best.id)) }
        return .open(supersedes: candidates)
    }

    /// The cancel that voids `event`, if any: one of its encounter, of a type that cancels its type,
    /// that happened at or after it.
    private func voidingCancel(of event: Event) -> String? {
        history.facts.first {
            $0.encounterID == event.encounter.id && AlertPolicy.cancelled(by: $0.eventType).contains(event.eventType)
                && !($0.occurredAt < event.occurredAt)
        }?.eventID
    }

    /// The alert id for `referral` on `eventID`: deterministic, and a second alert of the same
    /// event and referral (the event decided again) gets the next one.
    private func uniqueID(_ eventID: String, _ referral: String) -> String {
        var generation = 1
        var id = Alert.id(eventID: eventID, referral: referral)
        while alertIndex[id] != nil {
            generation += 1
            id = Alert.id(eventID: eventID, referral: referral, generation: generation)
        }
        return id
    }

    // MARK: - Taking findings back

    /// The rule no longer finds `position`'s finding: retract it; an alert it opened that is left
    /// without a finding is withdrawn.
    private mutating func retract(_ position: Int, by eventID: String) {
        let old = findings[position]
        var updated = old
        updated.fate = .retracted(byEventID: eventID)
        set(updated)
        if case .opened(let id) = old.fate {
            lost(id, rule: old.ruleID, by: eventID, reason: "its findings no longer hold after event \(eventID)")
        }
    }

    /// A cancel arrived: every event it cancels is void, and the alerts they opened are withdrawn.
    private mutating func void(cancelledBy cancel: Event) {
        let types = AlertPolicy.cancelled(by: cancel.eventType)
        var affected: [(String, String)] = []
        for fact in history.facts
        where fact.encounterID == cancel.encounter.id && types.contains(fact.eventType)
            && !(cancel.occurredAt < fact.occurredAt)
        {
            for position in findingsOfEvent[fact.eventID] ?? [] {
                let old = findings[position]
                if case .void = old.fate { continue }
                var updated = old
                updated.fate = .void(byEventID: cancel.eventID)
                set(updated)
                if case .opened(let id) = old.fate { affected.append((id, old.ruleID)) }
            }
        }
        let reason = "event \(cancel.eventID) (\(cancel.eventType.rawValue)) cancelled the event that raised it"
        for (id, rule) in affected { lost(id, rule: rule, by: cancel.eventID, reason: reason) }
    }

    /// Alert `id` lost its finding of `rule`: withdrawn when no finding of it stands any more (its
    /// repeats are then placed again), otherwise only its repeats of that rule are.
    private mutating func lost(_ id: String, rule: String, by eventID: String, reason: String) {
        guard let position = alertIndex[id], alerts[position].status != .withdrawn else { return }
        let standing = openers(of: id)
        if standing.isEmpty {
            if alerts[position].isActive {
                let record = AlertPolicy.withdrawnRecord(
                    alerts[position].record, at: now, by: eventID, reason: reason)
                alerts[position].status = .withdrawn
                alerts[position].record = record
                withdrawn.append(
                    .init(alertID: id, record: record, at: now.utc, byEventID: eventID, reason: reason))
            }
            for finding in findings where finding.fate == .repeated(alertID: id) { pending.insert(finding.eventID) }
        } else {
            for finding in findings where finding.fate == .repeated(alertID: id) && finding.ruleID == rule {
                pending.insert(finding.eventID)
            }
        }
    }

    /// Decides again, in the order they happened, the events whose repeats lost their alert.
    private mutating func settlePending() {
        while let next = pending.min(by: { order($0) < order($1) }) {
            pending.remove(next)
            if let event = event(next) {
                decide(event)
                noteRedecided(next)
                continue
            }
            // No longer kept (older than stale_after): it cannot be evaluated again, so its repeats
            // of a fallen alert are stale.
            for position in findingsOfEvent[next] ?? [] where !stands(findings[position]) {
                var updated = findings[position]
                updated.fate = .stale
                set(updated)
            }
        }
    }

    // MARK: - Bookkeeping

    private func alert(_ id: String) -> PriorAlert? { alertIndex[id].map { alerts[$0] } }

    /// The findings that opened alert `id` and still stand.
    private func openers(of id: String) -> [RecordedFinding] {
        findings.filter { $0.fate == .opened(alertID: id) }
    }

    private func order(_ eventID: String) -> (Timestamp, String) {
        let time = history.facts.first { $0.eventID == eventID }?.occurredAt ?? Timestamp(secondsSinceEpoch: 0)
        return (time, eventID)
    }

    private mutating func event(_ id: String) -> Event? {
        if let event = events[id] { return event }
        let event = recorded(id)
        events[id] = event
        return event
    }

    private mutating func noteRedecided(_ id: String) {
        if !redecided.contains(id) { redecided.append(id) }
    }

    private mutating func set(_ finding: RecordedFinding) {
        let key = Self.key(finding.eventID, finding.ruleID)
        let position: Int
        if let existing = findingIndex[key] {
            position = existing
            findings[position] = finding
        } else {
            position = findings.count
            findings.append(finding)
            findingIndex[key] = position
            findingsOfEvent[finding.eventID, default: []].append(position)
        }
        if changedSet.insert(position).inserted { changed.append(position) }
    }
}
