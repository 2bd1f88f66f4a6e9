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

        /// The part's points; whether the data it needed was missing (the points are then 0); and,
        /// for a band table, the value looked up and the label of the band it fell in.
        func evaluate(_ context: Context) -> (points: Double, missing: Bool, input: Double?, band: String?) {
            switch compute {
            case .points(let points):
                guard case .number(let value) = points(context) else { return (0, true, nil, nil) }
                return (value, false, nil, nil)
            case .conditional(let condition, let points):
                guard condition(context).isTrue else { return (0, false, nil, nil) }
                guard case .number(let value) = points(context) else { return (0, true, nil, nil) }
                return (value, false, nil, nil)
            case .bands(let input, let bands, let labels):
                guard case .number(let value) = input(context) else { return (0, true, nil, nil) }
                for (index, band) in bands.enumerated() where band.contains(value) {
                    return (band.points, false, value, labels[index])
                }
                return (0, false, value, "no band")
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

    /// The score's id (`lace`).
    public var name: String
    /// Its title.
    public var title: String?
    /// The sum of its parts.
    public var value: Double
    /// Each part, in the order declared.
    public var parts: [Part]
    /// The published instrument it implements.
    public var references: [String]
}
