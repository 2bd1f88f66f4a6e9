import Alerts
import Events
import Foundation
import Rules
import Screening

/// A small rule set that exercises every part of the policy: a finding whose priority rises
/// (escalations), one read from the patient history (decided again when an earlier event arrives
/// late), windows of 0 s, 3 days, 7 days and 30 days.
enum ScreeningFixture {
    static let rules = """
        rules:
          - id: strain
            title: Caregiver strain
            category: caregiver
            when: extensions.strain >= 1
            priority: medium
            escalate:
              - when: extensions.strain >= 2
                priority: high
            referral: caregiver-support
            reason: "strain {extensions.strain}"
          - id: bounce
            title: Back within 30 days
            category: readmission
            events: [admission]
            when: history.days_since_last_discharge <= 30
            priority: high
            referral: discharge-planning
            reason: "back {history.days_since_last_discharge} days after {history.last_discharge.encounter_id}"
            suppress_for: 0s
          - id: discharge-risk
            title: Risky discharge
            category: readmission
            events: [discharge]
            when: extensions.risk >= 1
            priority: high
            referral: discharge-planning
            reason: "risk {extensions.risk}"
            suppress_for: 30d
          - id: social
            title: Social need
            category: social_needs
            when: extensions.social == true
            priority: low
            referral: social-needs
            reason: "social need"
            suppress_for: 3d
        """

    static func ruleSet() throws -> RuleSet {
        let result = RuleSetLoader().load(sources: [(name: "rules/fixture.yaml", bytes: Array(rules.utf8))])
        guard let ruleSet = result.ruleSet else {
            throw FixtureError(message: result.diagnostics.map(\.description).joined(separator: "\n"))
        }
        return ruleSet
    }

    struct FixtureError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// An event of the fixture's shape. Times are minutes after 2026-01-01T00:00:00Z.
    static func event(
        _ id: String, _ type: EventType, patient: String, encounter: String, at minute: Int, admitted: Int,
        discharged: Int? = nil, strain: Int = 0, risk: Int = 0, social: Bool = false
    ) throws -> Event {
        func time(_ minute: Int) -> String { base.adding(seconds: Double(minute) * 60).text }
        var encounterJSON: [String: Any] = ["id": encounter, "class": "inpatient", "admitted_at": time(admitted)]
        if let discharged { encounterJSON["discharged_at"] = time(discharged) }
        let object: [String: Any] = [
            "schema_version": 1, "event_id": id, "event_type": type.rawValue, "occurred_at": time(minute),
            "patient": ["id": patient], "encounter": encounterJSON,
            "extensions": ["strain": strain, "risk": risk, "social": social],
        ]
        return try EventDecoder().decode([UInt8](try JSONSerialization.data(withJSONObject: object)))
    }

    static let base = Timestamp(rfc3339: "2026-01-01T00:00:00Z")!
}

/// Runs events through the screener one by one, as the daemon records them: each patient's state
/// in memory, every event kept for deciding it again.
struct ScreeningRun {
    var screener: Screener
    var now: Timestamp
    var states: [String: PatientState] = [:]
    var events: [String: Event] = [:]

    @discardableResult
    mutating func step(_ event: Event) -> PolicyDecision {
        let patient = event.patient.id
        let before = states[patient] ?? PatientState(patientID: patient)
        events[event.eventID] = event
        let known = events
        let decision = screener.screen(event, state: before, now: now, recorded: { known[$0] })
        var after = before
        after.apply(decision)
        states[patient] = after
        return decision
    }

    /// What the team is told, per patient and rule: the events whose finding an open alert covers,
    /// and the highest priority among them.
    var coverage: [String: Coverage] {
        var result: [String: Coverage] = [:]
        for (patient, state) in states {
            let active = Set(state.alerts.filter(\.isActive).map(\.alertID))
            for finding in state.findings {
                guard let id = finding.alertID, active.contains(id) else { continue }
                var entry = result[patient + " " + finding.ruleID] ?? Coverage()
                entry.events.insert(finding.eventID)
                entry.highest = max(entry.highest ?? finding.priority, finding.priority)
                result[patient + " " + finding.ruleID] = entry
            }
        }
        return result
    }

    /// Breaches of the policy's own promises: a repeat held against an alert outside the rule's
    /// window (in either direction) or above its priority; two open alerts of one rule at the same
    /// priority within each other's window (the second should have repeated the first).
    var breaches: [String] {
        var found: [String] = []
        let windows = Dictionary(
            uniqueKeysWithValues: screener.ruleSet.rules.map {
                ($0.id, $0.suppressFor ?? screener.policy.defaultSuppressFor)
            })
        for state in states.values {
            let alerts = Dictionary(uniqueKeysWithValues: state.alerts.map { ($0.alertID, $0) })
            func near(
                _ a: (encounter: String, time: Timestamp), _ b: (encounter: String, time: Timestamp), _ rule: String
            )
                -> Bool
            {
                let window = windows[rule] ?? 0
                return a.encounter == b.encounter || (window > 0 && abs(a.time.seconds(until: b.time)) < window)
            }
            let openers = state.findings.filter {
                if case .opened = $0.fate { return true }
                return false
            }
            for finding in state.findings {
                guard case .repeated(let id) = finding.fate, let alert = alerts[id] else { continue }
                guard let opener = openers.first(where: { $0.alertID == id && $0.ruleID == finding.ruleID }) else {
                    found.append("\(finding.eventID) \(finding.ruleID) repeats \(id), which has no such finding")
                    continue
                }
                if !near(
                    (finding.encounterID, finding.occurredAt), (alert.encounterID, alert.occurredAt), finding.ruleID)
                {
                    found.append("\(finding.eventID) \(finding.ruleID) repeats \(alert.eventID), outside the window")
                }
                if finding.priority > opener.priority {
                    found.append("\(finding.eventID) \(finding.ruleID) repeats \(alert.eventID) at a lower priority")
                }
            }
            let active = openers.filter { alerts[$0.alertID ?? ""]?.isActive == true }
            for (index, a) in active.enumerated() {
                for b in active[(index + 1)...]
                where a.ruleID == b.ruleID && a.priority == b.priority && a.alertID != b.alertID {
                    if near((a.encounterID, a.occurredAt), (b.encounterID, b.occurredAt), a.ruleID) {
                        found.append("\(a.eventID) and \(b.eventID) both open an alert of \(a.ruleID) at \(a.priority)")
                    }
                }
            }
        }
        return found.sorted()
    }

    /// The number of alerts opened, and how many of them were escalations.
    var alertCounts: (all: Int, escalations: Int) {
        var all = 0
        var escalations = 0
        for state in states.values {
            all += state.alerts.count
            escalations += state.alerts.filter { $0.record.contains(#""supersedes":"#) }.count
        }
        return (all, escalations)
    }

    struct Coverage: Equatable, CustomStringConvertible {
        var events = Set<String>()
        var highest: Priority?
        var description: String { "\(events.sorted()) at \(highest?.rawValue ?? "-")" }
    }
}
