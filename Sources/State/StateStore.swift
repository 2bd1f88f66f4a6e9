public import Alerts
public import Events
public import Rules

/// What happened to one event file, as the ledger records it.
public enum EventOutcome: String, Sendable {
    /// Valid and evaluated; its alerts (if any) are in the outbox.
    case processed
    /// Refused by validation; the file went to quarantine.
    case invalid
}

/// One event file's record in the ledger: the idempotency key and what was done.
public struct LedgerEntry: Sendable, Equatable {
    /// The event's id, or for a file whose id could not be read, `file:NAME`.
    public var eventID: String
    /// The SHA-256 of the file's bytes.
    public var digest: String
    public var outcome: EventOutcome
    /// When RiskScreen recorded it (UTC).
    public var recordedAt: Timestamp
    /// The file name it arrived under.
    public var fileName: String
    /// The rule set that decided it.
    public var rulesVersion: String
    /// For an invalid event: the validation errors, one per line.
    public var reason: String?
    /// The number of times the same content arrived again.
    public var duplicates: Int

    public init(
        eventID: String, digest: String, outcome: EventOutcome, recordedAt: Timestamp, fileName: String,
        rulesVersion: String, reason: String? = nil, duplicates: Int = 0
    ) {
        self.eventID = eventID
        self.digest = digest
        self.outcome = outcome
        self.recordedAt = recordedAt
        self.fileName = fileName
        self.rulesVersion = rulesVersion
        self.reason = reason
        self.duplicates = duplicates
    }
}

/// What recording an event came to.
public enum RecordResult: Sendable, Equatable {
    /// A new event: its ledger row, alerts and outbox rows were written together.
    case recorded
    /// The same id with the same content was recorded before: nothing new was written but a count.
    case duplicate(LedgerEntry)
    /// The same id with different content was recorded before: nothing was written.
    case conflict(LedgerEntry)
}

/// An alert waiting to be delivered to one sink, as the outbox holds it.
public struct Delivery: Sendable, Equatable {
    /// The outbox row.
    public var id: Int64
    public var sink: SinkName
    public var alertID: String
    /// The alert record exactly as the sink must write it (one JSON line).
    public var payload: String
    /// Failed attempts so far.
    public var attempts: Int
    /// The alert's priority and creation time, which name its file in the directory queue.
    public var priority: Priority
    public var createdAt: String
    /// What the record says of the alert: `open` when raised, `withdrawn`, and — for the directory
    /// queue only, which mirrors the team's work — `acknowledged` and `closed`.
    public var kind: Alert.Status

    /// Whether this is the withdrawal of an alert delivered before (`payload` says `status: withdrawn`).
    public var withdrawal: Bool { kind == .withdrawn }

    /// Creates a delivery (the store makes them; tests and other stores may too).
    public init(
        id: Int64, sink: SinkName, alertID: String, payload: String, attempts: Int, priority: Priority,
        createdAt: String,
        kind: Alert.Status = .open
    ) {
        self.kind = kind
        self.id = id
        self.sink = sink
        self.alertID = alertID
        self.payload = payload
        self.attempts = attempts
        self.priority = priority
        self.createdAt = createdAt
    }
}

/// The ledger: every event RiskScreen took, exactly once, with what each patient's history holds
/// for the alert policy.
///
/// One call to ``record(batch:sinks:)`` is one transaction: after it returns, each event is in the
/// ledger exactly once and each of its alerts is in the outbox once per sink, or nothing was
/// written. That is what makes the daemon's processing exactly-once across crashes.
///
/// - Important: Implementations must make each call atomic and durable before returning; the
///   SQLite store commits with `synchronous=FULL` in WAL mode.
public protocol EventLedger: Sendable {
    /// Records a group of events in one transaction (group commit: one durable commit for many
    /// events), in order: each as ``record(_:patientID:content:sinks:decide:)`` describes, each
    /// seeing the ones before it. Either all are recorded or, when it throws, none.
    func record(batch: [RecordRequest], sinks: [SinkName]) throws -> [(RecordResult, PolicyDecision?)]
    /// What the state knows of a patient: earlier encounters and alerts.
    func patientState(_ patientID: String) throws -> PatientState
    /// The content of a recorded event of `patientID`, while the state keeps it (see
    /// ``forgetContent(occurredBefore:)``); `nil` otherwise.
    func recordedEvent(_ eventID: String, patientID: String) throws -> Event?
    /// Forgets the content of events that happened before `time` (kept only while an event may be
    /// decided again); returns how many.
    @discardableResult
    func forgetContent(occurredBefore time: Timestamp) throws -> Int
    /// The ledger entry of an event id.
    func ledgerEntry(eventID: String) throws -> LedgerEntry?
    /// The number of ledger entries.
    func ledgerCount() throws -> Int
    /// Stale events that had findings, newest first (`riskscreen queue list --stale`).
    func staleEvents(limit: Int) throws -> [StaleEvent]
}

/// The outbox: each alert (opened, acknowledged, closed, withdrawn) once per sink until that sink
/// has it.
public protocol Outbox: Sendable {
    /// Up to `limit` deliveries waiting for `sink` with an outbox id above `after`, oldest first.
    func pendingDeliveries(sink: SinkName, after: Int64, limit: Int) throws -> [Delivery]
    /// Marks deliveries done.
    func markDelivered(_ ids: [Int64], at time: Timestamp) throws
    /// Counts a failed attempt.
    func markFailed(_ id: Int64) throws
    /// The deliveries not yet made, by sink (sinks with none are absent).
    func waiting() throws -> [SinkName: Int]
}

/// The alert queue the social work team works: alerts with their status, repeats, explanation and
/// the audit trail of what the team did.
public protocol AlertQueue: Sendable {
    /// The alerts in the queue (open and acknowledged; with `includeClosed`, all).
    func queuedAlerts(includeClosed: Bool) throws -> [QueuedAlert]
    /// One alert, whatever its status.
    func queuedAlert(id: String) throws -> QueuedAlert?
    /// The findings recorded against an alert instead of opening one, oldest first.
    func repeats(alertID: String) throws -> [RepeatRecord]
    /// The explanation of why an alert fired, as recorded when it was raised.
    func explanation(alertID: String) throws -> String?
    /// What the team did with an alert, oldest first.
    func actions(alertID: String) throws -> [AlertAction]
    /// Records an action (acknowledge, close) and updates the alert's status, in one transaction;
    /// throws ``QueueError`` for an unknown, withdrawn or closed alert.
    func act(on alertID: String, _ action: AlertAction) throws
    /// One page of the worklist: the alerts the query selects, most urgent first (priority, then
    /// deadline), with the total and the count per priority of all it selects.
    func worklist(_ query: WorklistQuery) throws -> WorklistPage
    /// The units and referrals of the alerts the query's teams may see, for a worklist's filters.
    func worklistFacets(referrals: [String]?) throws -> (units: [String], referrals: [String])
    /// A number that grows with every change to any alert or its actions, by any process: one row
    /// read, for live pages to poll.
    func worklistVersion() throws -> Int
    /// A mark that changes whenever the worklist of `teams` (nil: all) may have: an alert raised,
    /// an action, a withdrawal. Asked when ``worklistVersion()`` has moved.
    func changeMark(teams: [String]?) throws -> String
    /// The alerts of `teams` withdrawn at or after `since` (seconds since the epoch).
    func withdrawnAlerts(since: Double, teams: [String]?) throws -> [String]
    /// The supervisors' view at `now` (seconds since the epoch): days are counted in a zone
    /// `utcOffset` seconds from UTC.
    func dashboard(now: Double, utcOffset: Int) throws -> Dashboard
}

/// What a team's supervisor looks at.
public struct Dashboard: Sendable, Equatable {
    /// Open (open or acknowledged) and overdue alerts, per referral and unit (`-` when none).
    public struct Load: Sendable, Equatable {
        public var referral: String
        public var unit: String
        public var open: Int
        public var overdue: Int
    }

    public var load: [Load] = []
    /// Seconds from raising to the first acknowledgement, for the alerts acknowledged in the last 7 days.
    public var secondsToAcknowledge: [Double] = []
    /// Seconds from raising to closure, for the alerts closed in the last 7 days.
    public var secondsToClose: [Double] = []
    /// Alerts raised per day (`YYYY-MM-DD`) and referral, over the last 30 days.
    public var perDay: [String: [String: Int]] = [:]

    public init() {}

    /// The median of `values`, or `nil` when there are none.
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

/// What a worklist page shows: whose teams, which filters, which page.
public struct WorklistQuery: Sendable, Equatable {
    /// The referrals the person may see; `nil`: every one.
    public var teams: [String]?
    public var referral: String?
    public var unit: String?
    public var priority: Priority?
    /// Only alerts whose deadline is before this instant (seconds since the epoch).
    public var overdueAt: Double?
    public var assignee: String?
    public var statuses: [Alert.Status] = [.open, .acknowledged]
    public var limit = 50
    public var offset = 0

    public init() {}
}

/// One page of a worklist.
public struct WorklistPage: Sendable, Equatable {
    public var alerts: [QueuedAlert]
    /// How many alerts the query selects in all.
    public var total: Int
    /// Per priority, how many the query selects (whatever its priority filter).
    public var byPriority: [Priority: Int]

    public init(alerts: [QueuedAlert], total: Int, byPriority: [Priority: Int]) {
        self.alerts = alerts
        self.total = total
        self.byPriority = byPriority
    }
}

/// The daemon's durable state: the ledger of events, the outbox each sink drains, the alert queue,
/// and the worklist's accounts and audit trail, kept together so that one transaction covers an
/// event, its alerts and their deliveries, and an action and its audit line.
public protocol StateStore: EventLedger, Outbox, AlertQueue, Accounts, AuditLog {
    /// Counts for `riskscreen status`, read in one transaction so they agree with each other.
    func summary() throws -> StateSummary
}

/// Gives the content of a recorded event of the patient being decided, by event id, while the state
/// keeps it; `nil` otherwise.
public typealias RecordedEvents = (String) -> Event?

/// One event to record: its ledger entry, its patient, its content, and how to decide its alerts
/// from the patient's state (called inside the transaction, only for an event not recorded before).
public struct RecordRequest {
    public var entry: LedgerEntry
    public var patientID: String?
    /// The event as it arrived, kept while it may be decided again.
    public var content: [UInt8]?
    public var decide: (PatientState, RecordedEvents) throws -> PolicyDecision

    public init(
        _ entry: LedgerEntry, patientID: String?, content: [UInt8]? = nil,
        decide: @escaping (PatientState, RecordedEvents) throws -> PolicyDecision
    ) {
        self.entry = entry
        self.patientID = patientID
        self.content = content
        self.decide = decide
    }
}

extension Outbox {
    /// Up to `limit` deliveries waiting for `sink`, oldest first.
    public func pendingDeliveries(sink: SinkName, limit: Int) throws -> [Delivery] {
        try pendingDeliveries(sink: sink, after: 0, limit: limit)
    }
}

extension EventLedger {
    /// Stale events that had findings, newest first, at most 1,000.
    public func staleEvents() throws -> [StaleEvent] { try staleEvents(limit: 1000) }

    /// Records one event unless its id is already known: in one transaction, reads what the state
    /// knows of `patientID`, calls `decide` with it, and writes the ledger row with the decision's
    /// alerts, repeats, withdrawals (each alert once per sink in the outbox) and the patient's
    /// encounter. `decide` is not called for a duplicate or a conflict.
    public func record(
        _ entry: LedgerEntry, patientID: String?, content: [UInt8]? = nil, sinks: [SinkName],
        decide: (PatientState, RecordedEvents) throws -> PolicyDecision
    ) throws -> (RecordResult, PolicyDecision?) {
        try withoutActuallyEscaping(decide) { decide in
            try record(
                batch: [RecordRequest(entry, patientID: patientID, content: content, decide: decide)], sinks: sinks)[0]
        }
    }

    /// Records an event and exactly these alerts, with no policy and no patient history (invalid
    /// events, tests).
    public func record(_ entry: LedgerEntry, alerts: [Alert], sinks: [SinkName]) throws -> RecordResult {
        try record(entry, patientID: nil, sinks: sinks) { _, _ in PolicyDecision(opened: alerts) }.0
    }
}

/// A stale event that had findings: what it would have raised, had it arrived in time
/// (`riskscreen queue list --stale`).
public struct StaleEvent: Sendable, Equatable {
    /// One rule that fired on it.
    public struct Finding: Sendable, Equatable {
        public var ruleID: String
        public var priority: Priority
        public var referral: String
        public var reason: String
    }

    public var eventID: String
    public var eventType: String
    public var occurredAt: String
    public var patientID: String
    public var encounterID: String
    /// When RiskScreen recorded it.
    public var recordedAt: String
    public var findings: [Finding]
}

/// A finding recorded against an earlier alert instead of opening a new one.
public struct RepeatRecord: Sendable, Equatable {
    public var ruleID: String
    public var priority: Priority
    public var reason: String
    /// The event it was seen on.
    public var eventID: String
    public var eventType: String
    public var occurredAt: String
    public var recordedAt: String
}

/// An alert as the queue holds it: its current status and its record as delivered.
public struct QueuedAlert: Sendable, Equatable {
    public var alertID: String
    public var status: Alert.Status
    /// The alert record (JSON) as the sinks received it (after a withdrawal, the withdrawn record).
    public var record: String
    public var patientID: String
    /// How many later findings were recorded against it instead of opening an alert.
    public var repeats: Int
    /// Who it is assigned to, if anyone.
    public var assignee: String?

    public init(
        alertID: String, status: Alert.Status, record: String, patientID: String, repeats: Int, assignee: String? = nil
    ) {
        self.alertID = alertID
        self.status = status
        self.record = record
        self.patientID = patientID
        self.repeats = repeats
        self.assignee = assignee
    }
}

/// One entry of the audit trail: who did what to an alert, and when.
public struct AlertAction: Sendable, Equatable {
    /// `ack` or `close`.
    public var action: String
    public var by: String
    /// For `close`: referred, declined, not-needed, unable-to-reach.
    public var outcome: String?
    public var note: String?
    /// RFC 3339, UTC.
    public var at: String
    /// Where from: the client's address for the worklist, `cli` for `riskscreen queue`.
    public var client: String
    /// For `assign`: who it is assigned to.
    public var assignee: String?

    /// `ack` (open → acknowledged), `close` (open or acknowledged → closed, with an outcome), `assign`
    /// (to a colleague), `note` (a line in the trail), `reopen` (closed → open).
    public static let kinds = ["ack", "close", "assign", "note", "reopen"]

    public init(
        action: String, by: String, outcome: String? = nil, note: String? = nil, at: String, client: String = "cli"
    ) {
        self.action = action
        self.by = by
        self.outcome = outcome
        self.note = note
        self.at = at
        self.client = client
    }

    /// An assignment of the alert to `assignee`.
    public static func assign(to assignee: String, by: String, at: String, client: String = "cli") -> AlertAction {
        var action = AlertAction(action: "assign", by: by, at: at, client: client)
        action.assignee = assignee
        return action
    }
}

/// Why an action on an alert was refused.
public enum QueueError: Error, CustomStringConvertible, Equatable {
    case unknown(String)
    case notOpen(String, Alert.Status)
    /// Only a closed alert can be reopened.
    case notClosed(String, Alert.Status)
    /// An action the queue does not know.
    case unknownAction(String)

    public var description: String {
        switch self {
        case .unknown(let id): "no alert has the id \(id)"
        case .notOpen(let id, let status):
            "the alert \(id) is \(status.rawValue); only an open alert can be acknowledged, and an open or acknowledged one closed or assigned"
        case .notClosed(let id, let status):
            "the alert \(id) is \(status.rawValue); only a closed alert can be reopened"
        case .unknownAction(let action):
            "unknown action \(action); the actions are \(AlertAction.kinds.joined(separator: ", "))"
        }
    }
}

/// What the state says about the daemon's health.
public struct StateSummary: Sendable, Equatable {
    /// Events recorded, by outcome.
    public var events: [String: Int]
    /// Open alerts, by priority.
    public var openAlerts: [String: Int]
    /// Undelivered outbox rows, by sink.
    public var outbox: [String: Int]
    /// Undelivered rows that have failed at least once, by sink.
    public var failing: [String: Int]
    /// When the last event was recorded (seconds since the epoch), if any.
    public var lastEventAt: Double?
    /// Events recorded as stale (older than `stale_after` when they arrived): they opened no alert.
    public var stale: Int

    public init(
        events: [String: Int] = [:], openAlerts: [String: Int] = [:], outbox: [String: Int] = [:],
        failing: [String: Int] = [:], lastEventAt: Double? = nil, stale: Int = 0
    ) {
        self.stale = stale
        self.events = events
        self.openAlerts = openAlerts
        self.outbox = outbox
        self.failing = failing
        self.lastEventAt = lastEventAt
    }
}

/// What came of an alert when it was closed.
public enum CloseOutcome: String, Sendable, CaseIterable {
    case referred, declined
    case notNeeded = "not-needed"
    case unableToReach = "unable-to-reach"
    /// Anything else: the note says what.
    case other

    /// The outcome in words, for people.
    public var words: String {
        switch self {
        case .referred: "referred"
        case .declined: "declined"
        case .notNeeded: "not needed"
        case .unableToReach: "unable to reach"
        case .other: "other"
        }
    }
}
