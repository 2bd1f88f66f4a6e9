/// A parsed expression, before names are resolved: what the author wrote, with where they wrote it.
///
/// `range` is in characters from the start of the expression's text; the checker turns it into a
/// file, line and column through the expression's ``ExpressionSource``.
struct Expression: Sendable {
    indirect enum Kind: Sendable {
        case number(Double)
        case string(String)
        case bool(Bool)
        /// A duration in seconds (`30d`, `8h`, `15m`).
        case duration(Double)
        /// A dotted name: `social.housing`, `score.lace.L`, `age`, `heart_failure`.
        case path([String])
        /// A function call: `any(diagnoses, code in charlson_chf)`.
        case call(String, [Expression])
        case not(Expression)
        case negate(Expression)
        case binary(BinaryOperator, Expression, Expression)
        /// `x in y` (or `x not in y` when `negated`).
        case membership(Expression, Expression, negated: Bool)
        /// A literal list `["a", "b"]`.
        case list([Expression])
    }

    var kind: Kind
    /// Character offsets into the expression text.
    var range: Range<Int>
}

/// Binary operators, loosest binding first.
enum BinaryOperator: String, Sendable {
    case or = "||"
    case and = "&&"
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"

    var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: true
        default: false
        }
    }
}
