public import Events
public import Rules

/// How long the team has to respond to an alert: by priority, and per event type where the work
/// differs, counted from the moment the event happened.
///
/// An admission or transfer alert is worked while the patient is on the ward, so its deadline is
/// also never later than the `expected_discharge_at` the feed sent (a discharge alert is useless
/// after the patient has left). A discharge alert is worked by telephone after the patient has
/// gone, and the first hours decide whether a follow-up happens at all: its windows are shorter.
public struct ServiceLevels: Sendable, Equatable {
    /// Seconds per priority, for every event type without its own.
    public var seconds: [Priority: Double]
    /// Seconds per priority for particular event types; a priority not listed falls back to `seconds`.
    public var byEventType: [EventType: [Priority: Double]]
    /// Seconds per priority for a referral target's alerts (its team's own levels); they come first.
    public var byReferral: [String: [Priority: Double]] = [:]

    /// The defaults: critical 2 h, high 8 h, medium 24 h, low 72 h; after a discharge critical
    /// 1 h, high 4 h, medium 24 h, low 48 h.
    public static let defaults = ServiceLevels(
        seconds: [.critical: 7200, .high: 28_800, .medium: 86_400, .low: 259_200],
        byEventType: [.discharge: [.critical: 3600, .high: 14_400, .medium: 86_400, .low: 172_800]])

    /// Creates service levels.
    public init(seconds: [Priority: Double], byEventType: [EventType: [Priority: Double]] = [:]) {
        self.seconds = seconds
        self.byEventType = byEventType
    }

    /// The time allowed for `priority` after an event of `eventType`, for an alert to `referral`.
    public func window(for priority: Priority, after eventType: EventType? = nil, referral: String? = nil) -> Double {
        if let referral, let seconds = byReferral[referral]?[priority] { return seconds }
        if let eventType, let seconds = byEventType[eventType]?[priority] { return seconds }
        return seconds[priority] ?? ServiceLevels.defaults.seconds[priority] ?? 86_400
    }

    /// The deadline of an alert of `priority` for `event`: the window after the event **happened**
    /// (not after RiskScreen read it: a discharge replayed from a backlog is already late), and for
    /// a patient still on the ward never after the expected discharge (when that was still ahead).
    public func respondBy(priority: Priority, event: Event, referral: String? = nil) -> Timestamp {
        let start = event.occurredAt.utc
        let deadline = start.adding(seconds: window(for: priority, after: event.eventType, referral: referral))
        guard event.eventType != .discharge, event.encounter.dischargedAt == nil,
            let expected = event.encounter.expectedDischargeAt, start < expected, expected < deadline
        else {
            return deadline
        }
        return expected.utc
    }
}
