public import Events

/// A checked, compiled set of rules, ready to evaluate events. Immutable, so one can be swapped for
/// another between two events.
///
/// Evaluation never throws and never reads the wall clock: `now` is given.
public struct RuleSet: Sendable {
    /// A rule as compiled, with the settings that decide what it reports.
    public struct Rule: Sendable {
        /// Unique across the rule set.
        public var id: String
        public var title: String
        public var description: String?
        public var category: String
        /// The event types it applies to; `nil` for every type but the cancels (``defaultEvents``).
        public var events: Set<EventType>?
        public var priority: Priority
        public var referral: String
        public var references: [String]
        /// Seconds during which a repeat for the same patient is suppressed (used by the policy).
        public var suppressFor: Double?
        public var enabled: Bool
        public var tags: [String]
        /// The rule's parameters after overrides.
        public var params: [String: Value]
        /// Where the rule was declared.
        public var location: String

        var when: [(text: String, evaluate: Evaluator)]
        var escalate: [(priority: Priority, text: String, evaluate: Evaluator)]
        var reason: [ReasonPiece]
        var scoresRead: [String]
        /// The positions of `scoresRead` in the rule set's scores.
        var scoreSlots: [Int] = []
        /// Whether the rule reads screening answers: its findings carry the event's screening data
        /// problems (an answer code not in its question's list).
        var readsScreenings = false
    }

    /// A rule held by reference, so evaluation does not copy it per event.
    final class Program: Sendable {
        let rule: Rule
        let description: Finding.Description
        /// The event types the rule applies to, one bit per `EventType` case.
        let eventMask: UInt16

        init(_ rule: Rule) {
            self.rule = rule
            eventMask = EventType.allCases.enumerated().reduce(0) { mask, item in
                (rule.events ?? RuleSet.defaultEvents).contains(item.element) ? mask | 1 << UInt16(item.offset) : mask
            }
            description = Finding.Description(
                ruleID: rule.id, title: rule.title, category: rule.category, basePriority: rule.priority,
                referral: rule.referral, references: rule.references, suppressFor: rule.suppressFor, tags: rule.tags,
                template: rule.reason.isEmpty
                    ? [rule.title]
                    : rule.reason.map { piece in
                        if case .text(let text) = piece { return text }
                        return nil
                    })
        }
    }

    /// The event types a rule without `events:` applies to: all but `cancel_admission` and
    /// `cancel_discharge`, which say that an earlier event did not happen (the alert policy
    /// withdraws that event's alerts); a rule about a cancel names it in `events:`.
    public static let defaultEvents = Set(EventType.allCases).subtracting([.cancelAdmission, .cancelDischarge])

    /// The digest of the exact rule files that make up the set: `sha256:…`.
    public let version: String
    /// Every rule, in load order.
    public let rules: [Rule]
    let scores: [CompiledScore]
    let conditionCount: Int
    /// The same scores compiled to record a trace, for `explain` (the rules are in `tracedPrograms`).
    let tracedScores: [CompiledScore]
    let tracedConditionCount: Int
    private let programs: [Program]
    /// Every named condition the files declare, compiled (for ``condition(_:for:now:history:)``).
    private let namedConditions: [String: Evaluator]
    /// The number of parts of all scores together.
    private let partCount: Int
    private let tracedPrograms: [Program]

    init(
        version: String, rules: [Rule], scores: [CompiledScore], conditionCount: Int, tracedRules: [Rule],
        tracedScores: [CompiledScore], tracedConditionCount: Int, namedConditions: [String: Evaluator] = [:]
    ) {
        self.namedConditions = namedConditions
        self.version = version
        self.rules = rules
        self.scores = scores
        self.conditionCount = conditionCount
        self.tracedScores = tracedScores
        self.tracedConditionCount = tracedConditionCount
        programs = rules.map(Program.init)
        partCount = scores.reduce(0) { $0 + $1.parts.count }
        tracedPrograms = tracedRules.map(Program.init)
    }

    /// Whether the named condition `name` (declared under `conditions:`, e.g. `planned_admission`)
    /// holds for `event`; `nil` when the rule files declare no condition by that name.
    public func condition(_ name: String, for event: Event, now: Timestamp, history: PatientHistory? = nil) -> Bool? {
        guard let evaluate = namedConditions[name] else { return nil }
        return withContext(event, now: now, history: history, traced: false) { context in
            _ = computeScores(context, scores)
            return evaluate(context).isTrue
        }
    }

    /// Calls `body` with an evaluation context for `event` (plain or tracing).
    @inline(__always)
    private func withContext<Result>(
        _ event: Event, now: Timestamp, history: PatientHistory?, traced: Bool, _ body: (Context) -> Result
    ) -> Result {
        body(
            Context(
                event: event, now: now, history: history, scoreCount: traced ? tracedScores.count : scores.count,
                partCount: partCount, conditionCount: traced ? tracedConditionCount : conditionCount))
    }

    /// The score ids, in the order they are computed.
    public var scoreNames: [String] { scores.map(\.name) }

    /// Evaluates every score and every enabled rule that applies to the event's type.
    ///
    /// `history` is what the state knows of the patient's earlier encounters; without it the
    /// `history.` fields are missing.
    public func evaluate(_ event: Event, now: Timestamp, history: PatientHistory? = nil) -> Evaluation {
        withContext(event, now: now, history: history, traced: false) { evaluate(event, in: $0) }
    }

    private func evaluate(_ event: Event, in context: Context) -> Evaluation {
        let results = computeScores(context, scores)
        var findings: [Finding] = []
        let eventBit = RuleSet.bit(of: event.eventType)
        let warnings = RuleSet.dataWarnings(event)
        for program in programs {
            guard program.rule.enabled, program.eventMask & eventBit != 0 else { continue }
            if program.rule.when.allSatisfy({ $0.evaluate(context).isTrue }) {
                var found = finding(program, context, results)
                if program.rule.readsScreenings { found.warnings = warnings }
                findings.append(found)
            }
        }
        return Evaluation(scores: results, findings: findings, warnings: warnings)
    }

    /// Evaluates like ``evaluate(_:now:history:)`` and records, for every rule, why it did or did not fire.
    ///
    /// With `only`, just those rules are explained (and evaluated): what the daemon keeps for an
    /// alert's findings.
    public func explain(_ event: Event, now: Timestamp, history: PatientHistory? = nil, only: Set<String>? = nil)
        -> (Evaluation, [RuleExplanation])
    {
        withContext(event, now: now, history: history, traced: true) { explain(event, only: only, in: $0) }
    }

    private func explain(_ event: Event, only: Set<String>?, in context: Context) -> (Evaluation, [RuleExplanation]) {
        let results = computeScores(context, tracedScores)
        let warnings = RuleSet.dataWarnings(event)
        let trace = Trace()
        context.trace = trace
        var findings: [Finding] = []
        var explanations: [RuleExplanation] = []
        for program in tracedPrograms {
            let rule = program.rule
            if let only, !only.contains(rule.id) { continue }
            var explanation = RuleExplanation(ruleID: rule.id, title: rule.title, outcome: .notFired, conditions: [])
            guard rule.enabled else {
                explanation.outcome = .disabled
                explanations.append(explanation)
                continue
            }
            if let events = Optional(rule.events ?? RuleSet.defaultEvents), !events.contains(event.eventType) {
                explanation.outcome = .notApplicable(events.map(\.rawValue).sorted())
                explanations.append(explanation)
                continue
            }
            var fired = true
            for condition in rule.when where fired {
                let value = condition.evaluate(context)
                explanation.conditions.append(
                    .init(label: "when", text: condition.text, value: value, steps: trace.take()))
                fired = value.isTrue
            }
            if fired {
                for escalation in rule.escalate {
                    let value = escalation.evaluate(context)
                    explanation.conditions.append(
                        .init(
                            label: "escalate to \(escalation.priority.rawValue)", text: escalation.text, value: value,
                            steps: trace.take()))
                }
                var found = finding(program, context, results)
                if program.rule.readsScreenings { found.warnings = warnings }
                explanation.outcome = .fired(found.priority)
                findings.append(found)
                _ = trace.take()
            }
            explanations.append(explanation)
        }
        return (Evaluation(scores: results, findings: findings, warnings: warnings), explanations)
    }

    /// The event's data problems the rules should know of: screening answers that are not in their
    /// question's published list (``ScreeningCatalog``), one line each.
    static func dataWarnings(_ event: Event) -> [String] {
        guard let answers = event.social?.screenings, !answers.isEmpty else { return [] }
        var warnings: [String] = []
        for answer in answers {
            if let problem = ScreeningCatalog.problem(with: answer), !warnings.contains(problem) {
                warnings.append(problem)
            }
        }
        return warnings
    }

    /// The bit of an event type in a program's event mask.
    static func bit(of type: EventType) -> UInt16 {
        1 << UInt16(EventType.allCases.firstIndex(of: type) ?? 0)
    }

    private func computeScores(_ context: Context, _ scores: [CompiledScore]) -> [ScoreResult] {
        var results: [ScoreResult] = []
        results.reserveCapacity(scores.count)
        var offset = 0
        for slot in scores.indices {
            let score = scores[slot]
            var total = 0.0
            var outcomes: [ScoreResult.Outcome] = []
            outcomes.reserveCapacity(score.parts.count)
            for index in score.parts.indices {
                let outcome = score.parts[index].evaluate(context)
                context.partPoints[offset + index] = outcome.points
                total += outcome.points
                outcomes.append(outcome)
            }
            context.scores[slot] = .number(total)
            offset += score.parts.count
            results.append(ScoreResult(score: score, outcomes: outcomes, value: total))
        }
        return results
    }

    private func finding(_ program: Program, _ context: Context, _ scores: [ScoreResult]) -> Finding {
        let rule = program.rule
        var priority = rule.priority
        let trace = context.trace
        context.trace = nil
        defer { context.trace = trace }
        for escalation in rule.escalate where escalation.priority > priority && escalation.evaluate(context).isTrue {
            priority = escalation.priority
        }
        // The values are taken now; the text is put together only when someone reads it.
        var values: [Value] = []
        values.reserveCapacity(rule.reason.count)
        for piece in rule.reason {
            if case .value(let evaluate) = piece { values.append(evaluate(context)) }
        }
        return Finding(
            program.description, priority: priority, reasonValues: values, scores: rule.scoreSlots.map { scores[$0] })
    }
}

/// What the rule set found in one event.
public struct Evaluation: Sendable {
    /// Every score the rule set computes.
    public var scores: [ScoreResult]
    /// One finding per rule that fired.
    public var findings: [Finding]
    /// Problems with the event's data that rules read around: a screening answer not in its
    /// question's list counts as neither positive nor negative, and is reported here.
    public var warnings: [String]

    /// Creates an evaluation (the rule set makes them; tests and policies may too).
    public init(scores: [ScoreResult], findings: [Finding], warnings: [String] = []) {
        self.scores = scores
        self.findings = findings
        self.warnings = warnings
    }
}

/// One rule that fired for one event, with everything an alert needs to say why.
public struct Finding: Sendable, Equatable {
    /// What a finding says that does not change from event to event: made once per rule.
    final class Description: Sendable {
        let ruleID: String
        let title: String
        let category: String
        let basePriority: Priority
        let referral: String
        let references: [String]
        let suppressFor: Double?
        let tags: [String]
        /// The reason template: text as written, and `nil` where a value of the event goes.
        let template: [String?]

        init(
            ruleID: String, title: String, category: String, basePriority: Priority, referral: String,
            references: [String], suppressFor: Double?, tags: [String], template: [String?]
        ) {
            self.template = template
            self.ruleID = ruleID
            self.title = title
            self.category = category
            self.basePriority = basePriority
            self.referral = referral
            self.references = references
            self.suppressFor = suppressFor
            self.tags = tags
        }
    }

    /// A piece of a reason: text as written, or a value of this event.
    public enum ReasonPart: Sendable, Equatable {
        case text(String)
        case value(Value)
    }

    let identity: Description
    /// After escalation.
    public var priority: Priority
    /// The values of this event that fill the holes of the rule's reason template.
    let reasonValues: [Value]

    /// The rule's reason template with this event's values.
    public var reasonParts: [ReasonPart] {
        var values = reasonValues.makeIterator()
        return identity.template.map { piece in piece.map(ReasonPart.text) ?? .value(values.next() ?? .missing) }
    }
    /// The scores the rule reads, with their parts.
    public var scores: [ScoreResult]
    /// Data problems in what the rule read (a screening answer not in its question's list).
    public var warnings: [String] = []

    public var ruleID: String { identity.ruleID }
    public var title: String { identity.title }
    public var category: String { identity.category }
    /// Before escalation.
    public var basePriority: Priority { identity.basePriority }
    /// The team the finding goes to: the rule's `referral:`, or where the site's routing sends it
    /// (``ReferralRouting`` in Alerts) for the patient's facility and unit.
    public var referral: String {
        get { routedReferral ?? identity.referral }
        set { routedReferral = newValue == identity.referral ? nil : newValue }
    }
    /// The rule's own `referral:`, before any routing.
    public var ruleReferral: String { identity.referral }
    private var routedReferral: String?
    public var references: [String] { identity.references }
    public var suppressFor: Double? { identity.suppressFor }
    public var tags: [String] { identity.tags }

    /// The rule's reason with the values that mattered filled in, as people read them (yes and no,
    /// local day and time, "unknown" for a missing value; see ``Value/prose``).
    public var reason: String {
        var text = ""
        for part in reasonParts {
            switch part {
            case .text(let piece): text += piece
            case .value(let value): text += value.prose
            }
        }
        return text
    }

    /// Creates a finding from its parts, as the rule set does.
    init(_ description: Description, priority: Priority, reasonValues: [Value], scores: [ScoreResult]) {
        identity = description
        self.priority = priority
        self.reasonValues = reasonValues
        self.scores = scores
    }

    /// Creates a finding (the rule set makes them; tests and policies may too).
    public init(
        ruleID: String, title: String, category: String, priority: Priority, basePriority: Priority, referral: String,
        reason: String, scores: [ScoreResult], references: [String], suppressFor: Double?, tags: [String]
    ) {
        self.init(
            Description(
                ruleID: ruleID, title: title, category: category, basePriority: basePriority, referral: referral,
                references: references, suppressFor: suppressFor, tags: tags, template: [reason]),
            priority: priority, reasonValues: [], scores: scores)
    }

    public static func == (lhs: Finding, rhs: Finding) -> Bool {
        lhs.ruleID == rhs.ruleID && lhs.priority == rhs.priority && lhs.reasonValues == rhs.reasonValues
            && lhs.identity.template == rhs.identity.template
            && lhs.scores == rhs.scores && lhs.referral == rhs.referral && lhs.basePriority == rhs.basePriority
            && lhs.warnings == rhs.warnings
    }
}

/// Why one rule did or did not fire, for `--explain`.
public struct RuleExplanation: Sendable {
    /// How it came out.
    public enum Outcome: Sendable, Equatable {
        case fired(Priority)
        case notFired
        /// The rule applies to other event types.
        case notApplicable([String])
        case disabled
    }

    /// One condition of the rule and its evaluation.
    public struct Condition: Sendable {
        /// `when`, `also when` or `escalate to …`.
        public var label: String
        public var text: String
        public var value: Value
        /// The sub-expressions, in evaluation order.
        public var steps: [Trace.Step]
    }

    public var ruleID: String
    public var title: String
    public var outcome: Outcome
    public var conditions: [Condition]
}
