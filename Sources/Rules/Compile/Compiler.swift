import Events
import YAMLDocument

/// Checks every expression of a rule set against the event model and compiles it into closures.
///
/// One pass does both: a name is resolved, its type checked and its evaluator built together, so
/// what was checked is exactly what runs. Problems become diagnostics with the expression's
/// file, line and column; nothing here throws, and nothing compiled can throw on data.
struct Compiler {
    private(set) var diagnostics: [Diagnostic] = []

    let lists: [String: ListDeclaration]
    private let conditionDeclarations: [String: ConditionDeclaration]
    private let scoreDeclarations: [String: ScoreDeclaration]

    private(set) var usedLists: Set<String> = []
    private(set) var usedConditions: Set<String> = []
    /// Conditions compiled so far, by name: their slot in the context's cache and their evaluator.
    var conditions: [String: (slot: Int, evaluate: Evaluator, type: ValueType)] = [:]
    /// The conditions no rule, score or condition reads, compiled on their own.
    var unreadConditions: [String: Evaluator] = [:]
    private(set) var conditionCount = 0
    /// Scores compiled so far, in an order where each comes after the scores it reads.
    private(set) var scores: [CompiledScore] = []
    var scoreSlots: [String: Int] = [:]
    /// Names being compiled, to catch a condition or score that depends on itself.
    var inProgress: [String] = []

    /// The code sets tested against diagnoses, merged (shared by every evaluator of this compilation).
    let diagnosisIndex = DiagnosisIndex()

    /// Whether evaluators record their values in a trace (for `explain`); the plain ones do not pay for it.
    let tracing: Bool

    /// Counts the expressions compiled so far that read screening answers (directly, or through a
    /// condition that does): a rule whose compilation moved it reads screenings, and its findings
    /// carry the event's screening data problems.
    var screeningReads = 0
    /// The conditions that read screening answers.
    var conditionsReadingScreenings = Set<String>()

    init(lists: [ListDeclaration], conditions: [ConditionDeclaration], scores: [ScoreDeclaration], tracing: Bool) {
        self.tracing = tracing
        self.lists = Dictionary(lists.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        conditionDeclarations = Dictionary(conditions.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        scoreDeclarations = Dictionary(scores.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Where an expression is compiled: inside a collection predicate, inside a rule (with its
    /// parameters), and which scores it reads.
    struct Scope {
        var source: ExpressionSource
        var characters: [Character]
        var element: CollectionKind?
        var params: [String: Value]?
        var scoresRead: [String] = []

        init(source: ExpressionSource, params: [String: Value]?) {
            self.source = source
            characters = Array(source.text)
            self.params = params
        }

        func text(_ range: Range<Int>) -> String {
            String(characters[max(0, range.lowerBound)..<min(characters.count, range.upperBound)])
        }
    }

    // MARK: - Entry points

    /// Compiles a condition-valued expression (`when`, `escalate`, a named condition).
    mutating func condition(_ source: ExpressionSource, params: [String: Value]?, what: String) -> (
        Evaluator, [String]
    )? {
        var scope = Scope(source: source, params: params)
        guard let compiled = parse(&scope) else { return nil }
        guard compiled.type.fits(.bool) else {
            error(scope, 0..<scope.characters.count, "\(what) must be true or false, but this is \(compiled.type)")
            return nil
        }
        return (compiled.evaluate, scope.scoresRead)
    }

    /// Compiles a named condition: an expression of any type (true or false, a number, text) that
    /// rules, scores and other conditions use by its name.
    mutating func namedExpression(_ source: ExpressionSource) -> (Evaluator, ValueType)? {
        var scope = Scope(source: source, params: nil)
        guard let compiled = parse(&scope) else { return nil }
        guard compiled.type != .namedList, compiled.collection == nil else {
            error(
                scope, 0..<scope.characters.count, "a condition is an expression with a value; this is \(compiled.type)"
            )
            return nil
        }
        return (compiled.evaluate, compiled.type)
    }

    /// Compiles a number-valued expression (score points, band values).
    mutating func numeric(_ source: ExpressionSource, what: String) -> Evaluator? {
        var scope = Scope(source: source, params: nil)
        guard let compiled = parse(&scope) else { return nil }
        guard compiled.type.fits(.number) else {
            error(scope, 0..<scope.characters.count, "\(what) must be a number, but this is \(compiled.type)")
            return nil
        }
        return compiled.evaluate
    }

    /// Compiles a reason template: text with `{expression}` holes.
    mutating func template(_ source: ExpressionSource, params: [String: Value]?) -> ([ReasonPiece], [String])? {
        var pieces: [ReasonPiece] = []
        var scoresRead: [String] = []
        let characters = Array(source.text)
        var literal = ""
        var index = 0
        var failed = false
        while index < characters.count {
            let character = characters[index]
            if character == "{" {
                guard let close = characters[index...].firstIndex(of: "}") else {
                    var scope = Scope(source: source, params: params)
                    scope.characters = characters
                    error(scope, index..<index + 1, "this { is never closed; write {expression} to insert a value")
                    return nil
                }
                if !literal.isEmpty { pieces.append(.text(literal)) }
                literal = ""
                let inner = String(characters[(index + 1)..<close])
                var scope = Scope(source: source, params: params)
                do {
                    var expression = try Parser.parse(inner)
                    expression.shift(by: index + 1)
                    if let compiled = compile(expression, &scope) {
                        pieces.append(.value(compiled.evaluate))
                        scoresRead += scope.scoresRead
                    } else {
                        failed = true
                    }
                } catch {
                    self.error(
                        scope, (error.range.lowerBound + index + 1)..<(error.range.upperBound + index + 1),
                        error.message)
                    failed = true
                }
                index = close + 1
            } else {
                literal.append(character)
                index += 1
            }
        }
        if !literal.isEmpty { pieces.append(.text(literal)) }
        return failed ? nil : (pieces, scoresRead)
    }

    /// Compiles the score `name` (and the scores it reads) unless done already.
    mutating func ensureScore(_ name: String) -> Int? {
        if let slot = scoreSlots[name] { return slot }
        guard let declaration = scoreDeclarations[name] else { return nil }
        guard enter("score \(name)", at: declaration.mark) else { return nil }
        defer { inProgress.removeLast() }
        var parts: [CompiledScore.Part] = []
        for part in declaration.parts {
            let compute: CompiledScore.Part.Compute
            switch part.rule {
            case .points(let source):
                guard let points = numeric(source, what: "points") else { continue }
                compute = .points(points)
            case .conditional(let when, let points):
                guard let condition = condition(when, params: nil, what: "when")?.0,
                    let points = numeric(points, what: "points")
                else { continue }
                compute = .conditional(condition, points)
            case .bands(let value, let bands):
                guard let input = numeric(value, what: "value") else { continue }
                if !bands.contains(where: { $0.label == "otherwise" }) {
                    diagnostics.append(
                        Diagnostic(
                            .warning, at: part.mark,
                            "the bands of \(name).\(part.id) have no `otherwise` entry: a value outside them scores 0",
                            sourceLine: value.line(part.mark.line)))
                }
                compute = .bands(input, bands, bands.map(\.label))
            }
            parts.append(CompiledScore.Part(id: part.id, title: part.title, compute: compute))
        }
        let slot = scores.count
        scores.append(
            CompiledScore(name: name, title: declaration.title, references: declaration.references, parts: parts))
        scoreSlots[name] = slot
        return slot
    }

    // MARK: - Expressions

    mutating func parse(_ scope: inout Scope) -> Compiled? {
        do {
            let expression = try Parser.parse(scope.source.text)
            return compile(expression, &scope)
        } catch {
            self.error(scope, error.range, error.message)
            return nil
        }
    }

    mutating func compile(_ expression: Expression, _ scope: inout Scope) -> Compiled? {
        let range = expression.range
        switch expression.kind {
        case .number(let value): return .constant(.number(value), .number)
        case .string(let value): return .constant(.string(value), .string)
        case .bool(let value): return .constant(.bool(value), .bool)
        case .duration(let seconds): return .constant(.duration(seconds), .duration)
        case .list(let items):
            var values: [Value] = []
            var type: ValueType?
            for item in items {
                guard let compiled = compile(item, &scope) else { return nil }
                guard let constant = compiled.constant else {
                    error(scope, item.range, "a list written in [ ] holds only literal values")
                    return nil
                }
                if let type, type != compiled.type {
                    error(
                        scope, item.range,
                        "a list holds values of one type; this is \(compiled.type), the first was \(type)")
                    return nil
                }
                type = compiled.type
                values.append(constant)
            }
            return .constant(.list(values), type == .number ? .numberList : .stringList)
        case .path(let components):
            return traced(path(components, range: range, &scope), range, scope)
        case .call(let name, let arguments):
            return traced(call(name, arguments, range: range, &scope), range, scope)
        case .not(let operand):
            guard let inner = compile(operand, &scope) else { return nil }
            guard inner.type.fits(.bool) else {
                error(scope, operand.range, "'not' needs true or false, but this is \(inner.type)")
                return nil
            }
            let evaluate = inner.evaluate
            return traced(Compiled(type: .bool) { context in .bool(!evaluate(context).isTrue) }, range, scope)
        case .negate(let operand):
            guard let inner = compile(operand, &scope) else { return nil }
            guard inner.type.fits(.number) || inner.type == .duration else {
                error(scope, operand.range, "'-' needs a number, but this is \(inner.type)")
                return nil
            }
            if case .number(let value)? = inner.constant { return .constant(.number(-value), .number) }
            let evaluate = inner.evaluate
            return traced(
                Compiled(type: inner.type) { context in
                    switch evaluate(context) {
                    case .number(let value): .number(-value)
                    case .duration(let value): .duration(-value)
                    default: .missing
                    }
                }, range, scope)
        case .binary(let op, let left, let right):
            return traced(binary(op, left, right, range: range, &scope), range, scope)
        case .membership(let left, let right, let negated):
            return traced(membership(left, right, negated: negated, &scope), range, scope)
        }
    }

    mutating func path(_ components: [String], range: Range<Int>, _ scope: inout Scope) -> Compiled? {
        let name = components.joined(separator: ".")
        let head = components[0]
        // Inside a predicate, the element's own fields come first.
        if let element = scope.element, components.count == 1, let field = FieldCatalog.elements[element]?[head] {
            var compiled = Compiled(type: field.type, allowed: field.allowed, evaluate: field.read)
            compiled.isPath = true
            compiled.isNormalizedCode = element == .diagnoses && head == "code"
            return compiled
        }
        if let field = FieldCatalog.event[name] {
            var compiled = Compiled(type: field.type, allowed: field.allowed, evaluate: field.read)
            compiled.isPath = true
            return compiled
        }
        if let collection = FieldCatalog.collections[name] {
            var compiled = Compiled(type: .collection(collection)) { _ in .missing }
            compiled.collection = collection
            return compiled
        }
        if head == "extensions", components.count >= 2 {
            var compiled = Compiled(
                type: .dynamic, evaluate: FieldCatalog.extensionField(Array(components.dropFirst())).read)
            compiled.isPath = true
            return compiled
        }
        if head == "score" {
            return scoreReference(components, range: range, &scope)
        }
        if head == "param" || head == "params" {
            guard components.count == 2 else {
                error(scope, range, "write param.NAME to read a rule parameter")
                return nil
            }
            guard let params = scope.params else {
                error(
                    scope, range,
                    "only a rule's own expressions can read param.\(components[1]); conditions and scores cannot")
                return nil
            }
            guard let value = params[components[1]] else {
                error(
                    scope, range,
                    "this rule has no parameter \"\(components[1])\"\(Suggestions.hint(for: components[1], among: params.keys)); declare it under `params:`"
                )
                return nil
            }
            let type: ValueType =
                switch value {
                case .number: .number
                case .bool: .bool
                case .duration: .duration
                default: .string
                }
            // Overrides are applied before compiling, so the value is final: fold it in. (Kept out
            // of `constant`, so explain still shows the parameter by name.)
            return Compiled(type: type) { _ in value }
        }
        if components.count == 1, let declaration = conditionDeclarations[head] {
            return conditionReference(declaration, range: range, scope)
        }
        if components.count == 1, let list = lists[head] {
            usedLists.insert(head)
            var compiled = Compiled(type: .namedList) { _ in .missing }
            compiled.list = list
            return compiled
        }
        var candidates = FieldCatalog.allNames + Array(conditionDeclarations.keys) + Array(lists.keys)
        if let element = scope.element { candidates += FieldCatalog.elements[element]?.keys.map { $0 } ?? [] }
        let hint = Suggestions.hint(for: name, among: candidates)
        let inside =
            scope.element.map { " (inside \($0.rawValue), an element's fields are named without a prefix)" } ?? ""
        error(scope, range, "unknown field or name \"\(name)\"\(hint)\(hint.isEmpty ? inside : "")")
        return nil
    }

    mutating func conditionReference(_ declaration: ConditionDeclaration, range: Range<Int>, _ scope: Scope)
        -> Compiled?
    {
        usedConditions.insert(declaration.name)
        if conditions[declaration.name] == nil {
            guard enter("condition \(declaration.name)", at: declaration.mark) else { return nil }
            let before = screeningReads
            let compiled = namedExpression(declaration.expression)
            if screeningReads != before { conditionsReadingScreenings.insert(declaration.name) }
            inProgress.removeLast()
            // The condition's own errors are reported where they are.
            guard let (evaluate, type) = compiled else { return nil }
            conditions[declaration.name] = (conditionCount, evaluate, type)
            conditionCount += 1
        }
        guard let (slot, evaluate, type) = conditions[declaration.name] else { return nil }
        if conditionsReadingScreenings.contains(declaration.name) { screeningReads += 1 }
        return Compiled(type: type) { context in
            if let cached = context.conditions[slot] { return cached }
            let value = evaluate(context)
            context.conditions[slot] = value
            return value
        }
    }

    mutating func scoreReference(_ components: [String], range: Range<Int>, _ scope: inout Scope) -> Compiled? {
        guard components.count == 2 || components.count == 3 else {
            error(scope, range, "write score.NAME for a score's value, or score.NAME.PART for one part's points")
            return nil
        }
        let name = components[1]
        guard scoreDeclarations[name] != nil else {
            error(
                scope, range, "unknown score \"\(name)\"\(Suggestions.hint(for: name, among: scoreDeclarations.keys))")
            return nil
        }
        guard let slot = ensureScore(name) else { return nil }
        scope.scoresRead.append(name)
        if components.count == 2 {
            return Compiled(type: .number) { context in context.scores[slot] }
        }
        let partName = components[2]
        guard let partIndex = scores[slot].parts.firstIndex(where: { $0.id == partName }) else {
            let partNames = scores[slot].parts.map(\.id)
            error(
                scope, range,
                "the score \(name) has no part \"\(partName)\"; its parts are \(RuleFileReader.list(partNames))")
            return nil
        }
        let offset = scores[..<slot].reduce(0) { $0 + $1.parts.count } + partIndex
        return Compiled(type: .number) { context in .number(context.partPoints[offset]) }
    }

    mutating func enter(_ name: String, at mark: SourceMark) -> Bool {
        if let start = inProgress.firstIndex(of: name) {
            let cycle = (inProgress[start...] + [name]).joined(separator: " → ")
            diagnostics.append(Diagnostic(.error, at: mark, "\(name) depends on itself: \(cycle)"))
            return false
        }
        inProgress.append(name)
        return true
    }

    // MARK: - Diagnostics

    mutating func error(_ scope: Scope, _ range: Range<Int>, _ message: String) {
        let mark = scope.source.mark(at: max(0, range.lowerBound))
        diagnostics.append(Diagnostic(.error, at: mark, message, sourceLine: scope.source.line(mark.line)))
    }

    mutating func report(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }
}
