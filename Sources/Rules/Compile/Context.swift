import Events

/// What one evaluation of the rule set works on: the event, the scores computed so far, the
/// element a collection function is visiting, the rule's parameters, and an optional trace.
final class Context {
    let event: Event
    /// The clock, fixed per evaluation (and per rule test).
    let now: Timestamp
    /// The patient's earlier encounters as the daemon's state knows them; `nil` when evaluated
    /// without a state (then every `history.` field is missing).
    let history: PatientHistory?
    /// What an evaluation changes as it goes, in memory of the context's own: reached through a
    /// pointer, so that the many reads and writes of an evaluation need no dynamic exclusivity
    /// check (a class's stored `var` gets one at every access; they were a tenth of the time).
    private struct State {
        var index = 0
        var scores: [Value]
        var partPoints: [Double]
        var conditions: [Value?]
        var trace: Trace?
        var diagnosisMask: UInt64?
        var latestAnswers: [Int]?
    }

    private let state: UnsafeMutablePointer<State>

    /// Index of the element a collection predicate is looking at.
    var index: Int {
        get { state.pointee.index }
        set { state.pointee.index = newValue }
    }
    /// Score values and part points, by the indices the compiler assigned.
    var scores: [Value] {
        _read { yield state.pointee.scores }
        _modify { yield &state.pointee.scores }
    }
    /// Every score's part points, one score after another (a score's parts start at the sum of
    /// the part counts of the scores before it).
    var partPoints: [Double] {
        _read { yield state.pointee.partPoints }
        _modify { yield &state.pointee.partPoints }
    }
    /// Conditions already evaluated for this event.
    var conditions: [Value?] {
        _read { yield state.pointee.conditions }
        _modify { yield &state.pointee.conditions }
    }
    /// Set while explaining.
    var trace: Trace? {
        get { state.pointee.trace }
        set { state.pointee.trace = newValue }
    }

    /// The indices of the event's screening answers that count (each question's latest), worked
    /// out on first use: many rules read them, the event does not change.
    func latestScreenings() -> [Int] {
        if let latestAnswers = state.pointee.latestAnswers { return latestAnswers }
        let latest = event.social?.screenings.latestPerQuestion ?? []
        state.pointee.latestAnswers = latest
        return latest
    }

    /// The event's diagnosis mask for `index`, computed on first use.
    @inline(__always)
    func diagnosisBits(_ index: DiagnosisIndex) -> UInt64 {
        if let diagnosisMask = state.pointee.diagnosisMask { return diagnosisMask }
        let mask = index.bits(for: event)
        state.pointee.diagnosisMask = mask
        return mask
    }

    init(
        event: Event, now: Timestamp, history: PatientHistory?, scoreCount: Int, partCount: Int, conditionCount: Int
    ) {
        self.event = event
        self.now = now
        self.history = history
        state = .allocate(capacity: 1)
        state.initialize(
            to: State(
                scores: Array(repeating: .missing, count: scoreCount),
                partPoints: Array(repeating: 0, count: partCount),
                conditions: Array(repeating: nil, count: conditionCount)))
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
    }
}

extension Context {
    /// Points `index` at each element of `collection` in turn and calls `body`, until it returns
    /// false; restores `index` afterwards. The per-element values are not traced (the aggregate is).
    @inline(__always)
    func visit(_ collection: CollectionKind, _ body: () -> Bool) {
        let count = collection.count(event)
        trace?.suspended += 1
        let saved = index
        defer {
            index = saved
            trace?.suspended -= 1
        }
        for element in 0..<count {
            index = element
            if !body() { return }
        }
    }

    /// Like ``visit(_:_:)``, over a view of the collection: the elements at `only` (the answers that
    /// count, one screening), or all of them when `only` is `nil`.
    @inline(__always)
    func visit(_ collection: CollectionKind, only: ((Context) -> [Int])?, _ body: () -> Bool) {
        guard let only else { return visit(collection, body) }
        let selected = only(self)
        trace?.suspended += 1
        let saved = index
        defer {
            index = saved
            trace?.suspended -= 1
        }
        for element in selected {
            index = element
            if !body() { return }
        }
    }
}

/// The compiled form of an expression: call it with a context, get a value. Never throws.
typealias Evaluator = @Sendable (Context) -> Value

/// A record of the sub-expressions evaluated, with their values, for `--explain`.
public final class Trace {
    /// One sub-expression: its text, its nesting depth, and its value.
    public struct Step: Sendable {
        /// The expression text as written.
        public var text: String
        /// How deep it sits under the expression being explained (0 = the whole expression).
        public var depth: Int
        /// What it evaluated to.
        public var value: Value
    }

    /// The steps in evaluation order, each before the steps inside it.
    public private(set) var steps: [Step] = []
    private var depth = 0
    /// Above zero while inside a collection predicate, whose per-element values are not recorded.
    var suspended = 0

    init() {}

    func begin(_ text: String) -> Int? {
        guard suspended == 0 else { return nil }
        steps.append(Step(text: text, depth: depth, value: .missing))
        depth += 1
        return steps.count - 1
    }

    func end(_ slot: Int?, _ value: Value) {
        guard let slot else { return }
        depth -= 1
        steps[slot].value = value
    }

    func take() -> [Step] {
        defer { steps = [] }
        return steps
    }
}
