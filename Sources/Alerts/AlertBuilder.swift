public import Events
public import Rules

/// Turns one event's findings into alerts, without state: one alert per referral, holding every
/// finding for it, at the highest of their priorities.
///
/// Suppression of repeats and withdrawal on cancel events need the history the daemon keeps: the
/// ``AlertPolicy`` applies them on top of this.
public struct AlertBuilder: Sendable {
    /// Deadlines per priority.
    public var serviceLevels: ServiceLevels

    /// Creates a builder.
    public init(serviceLevels: ServiceLevels = .defaults) {
        self.serviceLevels = serviceLevels
    }

    /// The alerts for one evaluated event, most urgent first.
    public func alerts(for event: Event, evaluation: Evaluation, rulesVersion: String, now: Timestamp) -> [Alert] {
        alerts(for: event, findings: evaluation.findings, rulesVersion: rulesVersion, now: now)
    }

    /// The alerts for some findings of one event, most urgent first.
    public func alerts(for event: Event, findings: [Finding], rulesVersion: String, now: Timestamp) -> [Alert] {
        var byReferral: [String: [Finding]] = [:]
        for finding in findings { byReferral[finding.referral, default: []].append(finding) }
        let created = now.utc
        var alerts: [Alert] = byReferral.map { referral, found in
            let findings = found.sorted { ($0.priority, $1.ruleID) > ($1.priority, $0.ruleID) }
            let priority = findings.map(\.priority).max() ?? .low
            return Alert(
                alertID: Alert.id(eventID: event.eventID, referral: referral), createdAt: created,
                eventID: event.eventID, eventType: event.eventType, occurredAt: event.occurredAt,
                patientID: event.patient.id, encounterID: event.encounter.id,
                facilityID: event.encounter.facilityID ?? event.source?.facilityID, unit: event.encounter.unit,
                priority: priority,
                respondBy: serviceLevels.respondBy(priority: priority, event: event, referral: referral),
                referral: referral, summary: Self.summary(findings), findings: findings, rulesVersion: rulesVersion,
                status: .open)
        }
        let identity = PatientIdentity(event)
        for index in alerts.indices { alerts[index].patient = identity }
        alerts.sort { ($0.priority, $1.referral) > ($1.priority, $0.referral) }
        return alerts
    }

    /// One line for a worklist: the most urgent finding's reason (or title when the reason is long),
    /// and how many more there are; never more than 140 characters.
    static func summary(_ findings: [Finding]) -> String {
        guard let first = findings.first else { return "" }
        let more = findings.count > 1 ? " (+\(findings.count - 1) more)" : ""
        let limit = 140 - more.count
        var text = first.reason.count <= limit ? first.reason : first.title
        text = text.replacingControlCharacters
        if text.count > limit { text = String(text.prefix(limit - 1)) + "…" }
        return text + more
    }
}

extension String {
    /// The text on one line: newlines, tabs and other control characters become spaces.
    var replacingControlCharacters: String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }
}
