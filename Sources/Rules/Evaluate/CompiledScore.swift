/// A score compiled from its declaration: parts that each give points; the score is their sum.
struct CompiledScore {
    struct Part {
        enum Compute {
            case points(Evaluator)
            case conditional(Evaluator, Evaluator)
            case bands(Evaluator, [ScorePartDeclaration.Band])
        }

        var id: String
        var title: String?
        var compute: Compute

        /// The part's points, and whether the data it needed was missing (the points are then 0).
        func evaluate(_ context: Context) -> (points: Double, missing: Bool, detail: String?) {
            switch compute {
            case .points(let points):
                guard case .number(let value) = points(context) else { return (0, true, nil) }
                return (value, false, nil)
            case .conditional(let condition, let points):
                guard condition(context).isTrue else { return (0, false, nil) }
                guard case .number(let value) = points(context) else { return (0, true, nil) }
                return (value, false, nil)
            case .bands(let input, let bands):
                guard case .number(let value) = input(context) else { return (0, true, nil) }
                for band in bands where band.contains(value) {
                    return (band.points, false, "\(Value.format(value)) → \(band.label)")
                }
                return (0, false, "\(Value.format(value)) → no band")
            }
        }
    }

    var name: String
    var title: String?
    var references: [String]
    var parts: [Part]
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
        /// For a band table: the value and the band it fell in.
        public var detail: String?
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
