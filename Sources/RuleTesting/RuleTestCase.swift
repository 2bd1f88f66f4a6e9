public import Events
public import Rules
public import YAMLDocument

/// One case of a rule test file: an event, an optional clock, and what the rules must make of it.
public struct RuleTestCase: Sendable {
    /// An expected score value, or one part's points (`lace: 10`, `lace.L: 4`).
    public struct ScoreExpectation: Sendable {
        public var score: String
        public var part: String?
        public var value: Double
        public var mark: SourceMark
    }

    /// An expected alert: its referral, and optionally its priority and the rules of its findings.
    public struct AlertExpectation: Sendable {
        public var referral: String
        public var priority: Priority?
        public var rules: [String]?
        public var mark: SourceMark
    }

    /// Text that a reason must contain: of one rule's finding, or of any finding.
    public struct ReasonExpectation: Sendable {
        public var rule: String?
        public var text: String
        public var mark: SourceMark
    }

    /// The test file it comes from.
    public var file: String
    /// Its name, unique in the file.
    public var name: String
    /// Where it starts.
    public var mark: SourceMark
    /// The event, validated.
    public var event: Event
    /// The clock; the event's `occurred_at` when not given.
    public var now: Timestamp?
    /// Earlier events of the same patient. Accepted and validated; applied once the rule engine
    /// keeps patient history (the alert-policy work).
    public var history: [Event]
    public var scores: [ScoreExpectation] = []
    public var fires: [(id: String, mark: SourceMark)] = []
    public var doesNotFire: [(id: String, mark: SourceMark)] = []
    public var alerts: [AlertExpectation]?
    /// Whether `alerts` lists only some of the alerts (otherwise an extra alert is a failure).
    public var onlySomeAlerts = false
    public var noAlerts = false
    public var reasonContains: [ReasonExpectation] = []

    /// `file: name`, how the runner names the case.
    public var title: String { "\(file): \(name)" }

    /// Every rule id the case mentions.
    var mentionedRules: [String] {
        var ids = fires.map(\.id) + doesNotFire.map(\.id) + reasonContains.compactMap(\.rule)
        ids += (alerts ?? []).flatMap { $0.rules ?? [] }
        var seen = Set<String>()
        return ids.filter { seen.insert($0).inserted }
    }
}
