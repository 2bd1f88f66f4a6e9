/// A score compiled from its declaration: parts that each give points; the score is their sum.
///
/// Classes, so that evaluating one event walks them by reference instead of copying them.
final class CompiledScore: Sendable {
    final class Part: Sendable {
        enum Compute {
            case points(Evaluator)
            case conditional(Evaluator, Evaluator)
            /// The value, the bands, and each band's label (made once, not per event).
            case bands(Evaluator, [ScorePartDeclaration.Band], [String])
        }

        let id: String
        let title: String?
        let compute: Compute

        init(id: String, title: String?, compute: Compute) {
            self.id = id
            self.title = title
            self.compute = compute
        }

        /// The band labels of a band table (empty otherwise), made once at load.
        var labels: [String] {
            if case .bands(_, _, let labels) = compute { return labels }
            return []
        }

        /// The part's points; whether the data it needed was missing (the points are then 0); and,
        /// for a band table, the value looked up and the band it fell in.
        func evaluate(_ context: Context) -> ScoreResult.Outcome {
            switch compute {
            case .points(let points):
                guard case .number(let value) = points(context) else {
                    return .init(points: 0, missing: true, input: nil, band: -1)
                }
                return .init(points: value, missing: false, input: nil, band: -1)
            case .conditional(let condition, let points):
                guard condition(context).isTrue else { return .init(points: 0, missing: false, input: nil, band: -1) }
                guard case .number(let value) = points(context) else {
                    return .init(points: 0, missing: true, input: nil, band: -1)
                }
                return .init(points: value, missing: false, input: nil, band: -1)
            case .bands(let input, let bands, _):
                guard case .number(let value) = input(context) else {
                    return .init(points: 0, missing: true, input: nil, band: -1)
                }
                for index in bands.indices where bands[index].contains(value) {
                    return .init(points: bands[index].points, missing: false, input: value, band: index)
                }
                return .init(points: 0, missing: false, input: value, band: -2)
            }
        }
    }

    let name: String
    let title: String?
    let references: [String]
    let parts: [Part]

    init(name: String, title: String?, references: [String], parts: [Part]) {
        self.name = name
        self.title = title
        self.references = references
        self.parts = parts
    }
}

/// A score's value for one event, with the points of each part.
///
/// The per-event numbers are kept apart from the score's fixed description (names, titles, band
/// labels), so computing a score allocates one small array and no strings.
public struct ScoreResult: Sendable, Equatable {
    /// One part's points.
    public struct Part: Sendable, Equatable {
        /// The part's id (`L`, `A`, `C`, `E`).
        public var id: String
        /// Its title, when the rule file gave one.
        public var title: String?
        /// Its points.
        public var points: Double
        /// Whether the data it needed was missing (the points are then 0).
        public var missing: Bool
        /// For a band table: the value looked up.
        public var input: Double?
        /// For a band table: the band the value fell in (`< 7`, `otherwise`).
        public var band: String?

        /// For a band table: `8 → < 14`.
        public var detail: String? {
            guard let input, let band else { return nil }
            return "\(Value.format(input)) → \(band)"
        }
    }

    /// What one part came to for one event, without its description.
    struct Outcome: Sendable, Equatable {
        var points: Double
        var missing: Bool
        /// The value looked up in a band table.
        var input: Double?
        /// The index of the band it fell in; -1 for none, -2 for "no band".
        var band: Int
    }

    let score: CompiledScore
    let outcomes: [Outcome]
    /// The sum of its parts.
    public let value: Double

    /// The score's id (`lace`).
    public var name: String { score.name }
    /// Its title.
    public var title: String? { score.title }
    /// The published instrument it implements.
    public var references: [String] { score.references }

    /// Each part, in the order declared.
    public var parts: [Part] {
        zip(score.parts, outcomes).map { part, outcome in
            let band: String? =
                switch outcome.band {
                case -1: nil
                case -2: "no band"
                default: part.labels[outcome.band]
                }
            return Part(
                id: part.id, title: part.title, points: outcome.points, missing: outcome.missing,
                input: outcome.input, band: band)
        }
    }

    public static func == (lhs: ScoreResult, rhs: ScoreResult) -> Bool {
        lhs.score.name == rhs.score.name && lhs.value == rhs.value && lhs.outcomes == rhs.outcomes
    }
}
