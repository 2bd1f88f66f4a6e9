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
    /// Earlier events of the patient, run through the rules and the alert policy before `event`, as
    /// the daemon would have: they make the patient history and the alerts a repeat is held against.
    public var history: [Event]
    /// For a sequence: its steps in order, each an event with what to expect after it (this case's
    /// own event and expectations are the last step's).
    public var steps: [RuleTestCase] = []
    /// Rules whose findings must only repeat an earlier alert (recorded against it, opening nothing).
    public var suppressed: [(id: String, mark: SourceMark)] = []
    /// Whether `suppressed:` was given (then exactly those rules repeat).
    public var checksSuppressed = false
    /// Referrals whose new alert must escalate (supersede) an earlier one; `nil`: not checked.
    public var escalated: [(referral: String, mark: SourceMark)]?
    /// Referrals of the earlier alerts this event must withdraw; `nil`: not checked.
    public var withdrawn: [(referral: String, mark: SourceMark)]?
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
        var ids = fires.map(\.id) + doesNotFire.map(\.id) + reasonContains.compactMap(\.rule) + suppressed.map(\.id)
        ids += (alerts ?? []).flatMap { $0.rules ?? [] }
        ids += steps.flatMap(\.mentionedRules)
        var seen = Set<String>()
        return ids.filter { seen.insert($0).inserted }
    }
}
