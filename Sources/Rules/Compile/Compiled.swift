/// A checked, compiled expression: its static type, and the closure that evaluates it.
struct Compiled {
    var type: ValueType
    /// The values a string field's enum allows, for checking literals compared with it.
    var allowed: [String]?
    var evaluate: Evaluator
    /// Set when the expression is a literal (or folds to one).
    var constant: Value?
    /// Set when the expression names a list (`x in heart_failure`).
    var list: ListDeclaration?
    /// Set when the expression names a collection (`any(diagnoses, …)`).
    var collection: CollectionKind?
    /// Set when the expression is a bare path (for `has(…)`).
    var isPath = false
    /// Set when the value is always an already-normalised code (a diagnosis's `code`).
    var isNormalizedCode = false

    static func constant(_ value: Value, _ type: ValueType) -> Compiled {
        Compiled(type: type, evaluate: { _ in value }, constant: value)
    }
}
