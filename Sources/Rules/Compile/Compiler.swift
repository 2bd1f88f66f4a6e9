import Events
import YAMLDocument

/// Checks every expression of a rule set against the event model and compiles it into closures.
///
/// One pass does both: a name is resolved, its type checked and its evaluator built together, so
/// what was checked is exactly what runs. Problems become diagnostics with the expression's
/// file, line and column; nothing here throws, and nothing compiled can throw on data.
struct Compiler {
    private(set) var diagnostics: [Diagnostic] = []

    private let lists: [String: ListDeclaration]
    private let conditionDeclarations: [String: ConditionDeclaration]
    private let scoreDeclarations: [String: ScoreDeclaration]

    private(set) var usedLists: Set<String> = []
    private(set) var usedConditions: Set<String> = []
    /// Conditions compiled so far, by name: their slot in the context's cache and their evaluator.
    private var conditions: [String: (slot: Int, evaluate: Evaluator, type: ValueType)] = [:]
    private(set) var conditionCount = 0
    /// Scores compiled so far, in an order where each comes after the scores it reads.
    private(set) var scores: [CompiledScore] = []
    private var scoreSlots: [String: Int] = [:]
    /// Names being compiled, to catch a condition or score that depends on itself.
    private var inProgress: [String] = []

    /// The code sets tested against diagnoses, merged (shared by every evaluator of this compilation).
    let diagnosisIndex = DiagnosisIndex()

    /// Whether evaluators record their values in a trace (for `explain`); the plain ones do not pay for it.
    let tracing: Bool

    /// Counts the expressions compiled so far that read screening answers (directly, or through a
    /// condition that does): a rule whose compilation moved it reads screenings, and its findings
    /// carry the event's screening data problems.
    private(set) var screeningReads = 0
    /// The conditions that read screening answers.
    private var conditionsReadingScreenings = Set<String>()

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

    private mutating func parse(_ scope: inout Scope) -> Compiled? {
        do {
            let expression = try Parser.parse(scope.source.text)
            return compile(expression, &scope)
        } catch {
            self.error(scope, error.range, error.message)
            return nil
        }
    }

    private mutating func compile(_ expression: Expression, _ scope: inout Scope) -> Compiled? {
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

    /// Wraps a compiled node so that, while explaining, its value is recorded with its text.
    private func traced(_ compiled: Compiled?, _ range: Range<Int>, _ scope: Scope) -> Compiled? {
        guard tracing, var compiled, compiled.constant == nil, compiled.list == nil, compiled.collection == nil else {
            return compiled
        }
        let text = scope.text(range)
        let evaluate = compiled.evaluate
        compiled.evaluate = { context in
            guard let trace = context.trace else { return evaluate(context) }
            let slot = trace.begin(text)
            let value = evaluate(context)
            trace.end(slot, value)
            return value
        }
        return compiled
    }

    private mutating func path(_ components: [String], range: Range<Int>, _ scope: inout Scope) -> Compiled? {
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

    private mutating func conditionReference(_ declaration: ConditionDeclaration, range: Range<Int>, _ scope: Scope)
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

    private mutating func scoreReference(_ components: [String], range: Range<Int>, _ scope: inout Scope) -> Compiled? {
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

    private mutating func enter(_ name: String, at mark: SourceMark) -> Bool {
        if let start = inProgress.firstIndex(of: name) {
            let cycle = (inProgress[start...] + [name]).joined(separator: " → ")
            diagnostics.append(Diagnostic(.error, at: mark, "\(name) depends on itself: \(cycle)"))
            return false
        }
        inProgress.append(name)
        return true
    }

    // MARK: - Operators

    private mutating func binary(
        _ op: BinaryOperator, _ leftExpression: Expression, _ rightExpression: Expression, range: Range<Int>,
        _ scope: inout Scope
    ) -> Compiled? {
        // Both sides are compiled even when the left fails, so every mistake is reported at once.
        let leftCompiled = compile(leftExpression, &scope)
        let rightCompiled = compile(rightExpression, &scope)
        guard let left = leftCompiled, let right = rightCompiled else { return nil }
        let l = left.evaluate
        let r = right.evaluate
        switch op {
        case .and, .or:
            for (side, expression) in [(left, leftExpression), (right, rightExpression)] where !side.type.fits(.bool) {
                error(
                    scope, expression.range,
                    "'\(op == .and ? "and" : "or")' needs true or false on both sides, but this is \(side.type)")
                return nil
            }
            if op == .and { return Compiled(type: .bool) { context in .bool(l(context).isTrue && r(context).isTrue) } }
            return Compiled(type: .bool) { context in .bool(l(context).isTrue || r(context).isTrue) }
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard comparable(left, right, op, leftExpression, rightExpression, &scope) else { return nil }
            return Compiled(type: .bool) { context in .bool(Compiler.compare(op, l(context), r(context))) }
        case .add, .subtract, .multiply, .divide:
            guard let type = arithmeticType(op, left.type, right.type) else {
                error(scope, range, "cannot \(Compiler.verb(op)) \(left.type) and \(right.type)")
                return nil
            }
            if let a = left.constant, let b = right.constant {
                return .constant(Compiler.arithmetic(op, a, b), type)
            }
            return Compiled(type: type) { context in Compiler.arithmetic(op, l(context), r(context)) }
        }
    }

    private mutating func comparable(
        _ left: Compiled, _ right: Compiled, _ op: BinaryOperator, _ leftExpression: Expression,
        _ rightExpression: Expression, _ scope: inout Scope
    ) -> Bool {
        let scalarTypes: [ValueType] = [.bool, .number, .string, .timestamp, .date, .duration, .dynamic]
        for (side, expression) in [(left, leftExpression), (right, rightExpression)]
        where !scalarTypes.contains(side.type) {
            error(scope, expression.range, "cannot compare \(side.type)")
            return false
        }
        guard left.type.fits(right.type) else {
            error(
                scope, leftExpression.range.lowerBound..<rightExpression.range.upperBound,
                "cannot compare \(left.type) with \(right.type)")
            return false
        }
        if (op != .equal && op != .notEqual) && (left.type == .bool || left.type == .string || right.type == .string)
            && left.type != .dynamic && right.type != .dynamic
        {
            error(
                scope, leftExpression.range.lowerBound..<rightExpression.range.upperBound,
                "'\(op.rawValue)' orders numbers, dates and durations; use == or != for \(left.type)")
            return false
        }
        // A literal compared with an enum field must be one of its values.
        for (field, literal, expression) in [(left, right, rightExpression), (right, left, leftExpression)] {
            if let allowed = field.allowed, case .string(let text)? = literal.constant, !allowed.contains(text) {
                error(
                    scope, expression.range,
                    "\"\(text)\" is never a value here\(Suggestions.hint(for: text, among: allowed)); the values are \(RuleFileReader.list(allowed.map { "\"\($0)\"" }))"
                )
                return false
            }
        }
        return true
    }

    private func arithmeticType(_ op: BinaryOperator, _ left: ValueType, _ right: ValueType) -> ValueType? {
        switch (op, left, right) {
        case (_, .number, .number): .number
        case (_, .dynamic, .number), (_, .number, .dynamic), (_, .dynamic, .dynamic): .number
        case (.subtract, .timestamp, .timestamp), (.subtract, .date, .date): .duration
        case (.add, .timestamp, .duration), (.subtract, .timestamp, .duration): .timestamp
        case (.add, .duration, .duration), (.subtract, .duration, .duration): .duration
        case (.multiply, .duration, .number), (.multiply, .number, .duration), (.divide, .duration, .number): .duration
        case (.divide, .duration, .duration): .number
        default: nil
        }
    }

    private static func verb(_ op: BinaryOperator) -> String {
        switch op {
        case .add: "add"
        case .subtract: "subtract"
        case .multiply: "multiply"
        default: "divide"
        }
    }

    /// Compares two values; anything involving `missing`, or values of different kinds, is false.
    static func compare(_ op: BinaryOperator, _ a: Value, _ b: Value) -> Bool {
        let order: Int
        switch (a, b) {
        case (.number(let x), .number(let y)): order = x < y ? -1 : (x > y ? 1 : 0)
        case (.duration(let x), .duration(let y)): order = x < y ? -1 : (x > y ? 1 : 0)
        case (.timestamp(let x), .timestamp(let y)): order = x < y ? -1 : (x > y ? 1 : 0)
        case (.date(let x), .date(let y)): order = x < y ? -1 : (x > y ? 1 : 0)
        case (.string(let x), .string(let y)):
            guard op == .equal || op == .notEqual else { return false }
            order = x == y ? 0 : 1
        case (.bool(let x), .bool(let y)):
            guard op == .equal || op == .notEqual else { return false }
            order = x == y ? 0 : 1
        default:
            return false
        }
        switch op {
        case .equal: return order == 0
        case .notEqual: return order != 0
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        case .greaterOrEqual: return order >= 0
        default: return false
        }
    }

    static func arithmetic(_ op: BinaryOperator, _ a: Value, _ b: Value) -> Value {
        switch (op, a, b) {
        case (.add, .number(let x), .number(let y)): return .number(x + y)
        case (.subtract, .number(let x), .number(let y)): return .number(x - y)
        case (.multiply, .number(let x), .number(let y)): return .number(x * y)
        case (.divide, .number(let x), .number(let y)): return y == 0 ? .missing : .number(x / y)
        case (.subtract, .timestamp(let x), .timestamp(let y)): return .duration(y.seconds(until: x))
        case (.subtract, .date(let x), .date(let y)): return .duration(Double(y.days(until: x)) * 86_400)
        case (.add, .duration(let x), .duration(let y)): return .duration(x + y)
        case (.subtract, .duration(let x), .duration(let y)): return .duration(x - y)
        case (.multiply, .duration(let x), .number(let y)), (.multiply, .number(let y), .duration(let x)):
            return .duration(x * y)
        case (.divide, .duration(let x), .number(let y)): return y == 0 ? .missing : .duration(x / y)
        case (.divide, .duration(let x), .duration(let y)): return y == 0 ? .missing : .number(x / y)
        default: return .missing
        }
    }

    private mutating func membership(
        _ leftExpression: Expression, _ rightExpression: Expression, negated: Bool, _ scope: inout Scope
    ) -> Compiled? {
        guard let left = compile(leftExpression, &scope), let right = compile(rightExpression, &scope) else {
            return nil
        }
        let value = left.evaluate
        let test: @Sendable (Value) -> Bool
        if let list = right.list {
            switch list.content {
            case .codes(let codes):
                guard left.type.fits(.string) else {
                    error(
                        scope, leftExpression.range,
                        "\(list.name) is a code set; only codes (text) can be in it, not \(left.type)")
                    return nil
                }
                let normalized = left.isNormalizedCode
                test = { candidate in
                    guard case .string(let code) = candidate else { return false }
                    return normalized ? codes.contains(normalized: code) : codes.contains(code)
                }
            case .values(let values):
                guard left.type.fits(.string) else {
                    error(scope, leftExpression.range, "\(list.name) holds text; \(left.type) is never in it")
                    return nil
                }
                if let allowed = left.allowed {
                    for item in values where !allowed.contains(item) {
                        error(
                            scope, rightExpression.range,
                            "the list \(list.name) holds \"\(item)\", which is never a value of \(scope.text(leftExpression.range))\(Suggestions.hint(for: item, among: allowed))"
                        )
                        return nil
                    }
                }
                // Lists of a few values are compared one by one, cheaper than hashing the text.
                let set = Set(values)
                let few = values.count <= 8 ? values : nil
                test = { candidate in
                    guard case .string(let text) = candidate else { return false }
                    if let few { return few.contains(text) }
                    return set.contains(text)
                }
            case .numbers(let numbers):
                guard left.type.fits(.number) else {
                    error(scope, leftExpression.range, "\(list.name) holds numbers; \(left.type) is never in it")
                    return nil
                }
                let set = Set(numbers)
                test = { candidate in
                    if case .number(let number) = candidate { return set.contains(number) }
                    return false
                }
            }
        } else if right.type == .stringList || right.type == .numberList {
            if let allowed = left.allowed, case .list(let items)? = right.constant {
                for case .string(let item) in items where !allowed.contains(item) {
                    error(
                        scope, rightExpression.range,
                        "\"\(item)\" is never a value of \(scope.text(leftExpression.range))\(Suggestions.hint(for: item, among: allowed)); the values are \(RuleFileReader.list(allowed.map { "\"\($0)\"" }))"
                    )
                    return nil
                }
            }
            let elementType: ValueType = right.type == .numberList ? .number : .string
            guard left.type.fits(elementType) else {
                error(scope, leftExpression.range, "\(left.type) is never in \(right.type)")
                return nil
            }
            let items = right.evaluate
            return Compiled(type: .bool) { context in
                let candidate = value(context)
                guard candidate != .missing, case .list(let list) = items(context) else { return .bool(false) }
                return .bool(list.contains(candidate) != negated)
            }
        } else {
            error(
                scope, rightExpression.range,
                "'in' needs a list: [\"a\", \"b\"], a named list or code set, or a list field; this is \(right.type)")
            return nil
        }
        return Compiled(type: .bool) { context in
            let candidate = value(context)
            if candidate == .missing { return .bool(false) }
            return .bool(test(candidate) != negated)
        }
    }

    // MARK: - Functions

    private mutating func call(_ name: String, _ arguments: [Expression], range: Range<Int>, _ scope: inout Scope)
        -> Compiled?
    {
        switch name {
        case "any", "all":
            guard arguments.count == 2, let (kind, view) = collectionArgument(arguments[0], name, &scope),
                let predicate = predicate(arguments[1], over: kind, &scope, what: "the condition of \(name)")
            else {
                if arguments.count != 2 { error(scope, range, "\(name)(COLLECTION, CONDITION) takes two arguments") }
                return nil
            }
            let isAny = name == "any"
            if isAny, view == nil, let (listName, codes) = diagnosisCodeSet(arguments[1], kind) {
                // The commonest test in clinical rules (every Charlson part), done without the general
                // machinery: a bit of the event's diagnosis mask, or one pass over the normalised codes.
                if let bit = diagnosisIndex.register(listName, codes) {
                    let index = diagnosisIndex
                    let mask: UInt64 = 1 << UInt64(bit)
                    return Compiled(type: .bool) { context in .bool(context.diagnosisBits(index) & mask != 0) }
                }
                return Compiled(type: .bool) { context in
                    for diagnosis in context.event.diagnoses where codes.contains(normalized: diagnosis.normalizedCode)
                    {
                        return .bool(true)
                    }
                    return .bool(false)
                }
            }
            return Compiled(type: .bool) { context in
                var result = !isAny
                context.visit(kind, only: view) {
                    guard predicate(context).isTrue == isAny else { return true }
                    result = isAny
                    return false
                }
                return .bool(result)
            }
        case "count":
            guard arguments.count == 1 || arguments.count == 2 else {
                error(scope, range, "count(COLLECTION) or count(COLLECTION, CONDITION)")
                return nil
            }
            if arguments.count == 1, let list = listArgument(arguments[0], &scope) {
                return Compiled(type: .number) { context in
                    if case .list(let items) = list(context) { return .number(Double(items.count)) }
                    return .number(0)
                }
            }
            guard let (kind, view) = collectionArgument(arguments[0], name, &scope) else { return nil }
            let always: Evaluator = { _ in .bool(true) }
            let predicate =
                arguments.count == 2
                ? self.predicate(arguments[1], over: kind, &scope, what: "the condition of count") : always
            guard let predicate else { return nil }
            return Compiled(type: .number) { context in
                var matches = 0
                context.visit(kind, only: view) {
                    if predicate(context).isTrue { matches += 1 }
                    return true
                }
                return .number(Double(matches))
            }
        case "sum", "min", "max":
            return aggregate(name, arguments, range: range, &scope)
        case "has":
            guard arguments.count == 1, let inner = compile(arguments[0], &scope), inner.isPath else {
                error(scope, range, "has(FIELD) takes one field, e.g. has(social.caregiver.age)")
                return nil
            }
            let evaluate = inner.evaluate
            return Compiled(type: .bool) { context in .bool(evaluate(context) != .missing) }
        case "lab":
            guard let code = literalString(arguments, name, "a LOINC code, e.g. lab(\"718-7\")", range, &scope) else {
                return nil
            }
            return Compiled(type: .number) { context in
                context.event.derived.latestLabs[code].map { .number($0.value) } ?? .missing
            }
        case "answer", "answer_value":
            guard
                let question = literalString(
                    arguments, name, "a question's LOINC code, e.g. \(name)(\"71802-3\")", range, &scope)
            else { return nil }
            screeningReads += 1
            let wantsCode = name == "answer"
            return Compiled(type: wantsCode ? .string : .dynamic) { context in
                guard let answer = Compiler.latestAnswer(question, in: context.event) else { return .missing }
                return wantsCode
                    ? (answer.answerCode.map(Value.string) ?? .missing) : FieldCatalog.answerValue(answer.answerValue)
            }
        case "answer_text":
            guard
                let question = literalString(
                    arguments, name, "a question's LOINC code, e.g. answer_text(\"88122-7\")", range, &scope)
            else { return nil }
            screeningReads += 1
            return Compiled(type: .string) { context in
                // Every answer that counts (a question may take several at once), in words.
                let answers = context.event.social?.screenings ?? []
                let texts = answers.latestPerQuestion.filter { answers[$0].question == question }.compactMap {
                    ScreeningCatalog.text(of: answers[$0])
                }
                return texts.isEmpty ? .missing : .string(texts.joined(separator: ", "))
            }
        case "coalesce":
            guard arguments.count >= 2 else {
                error(scope, range, "coalesce(A, B, …) takes two values or more: the first that is not missing")
                return nil
            }
            var evaluators: [Evaluator] = []
            var type: ValueType?
            for argument in arguments {
                guard let compiled = compile(argument, &scope) else { return nil }
                if let type, !(compiled.type.fits(type) || type.fits(compiled.type)) {
                    error(
                        scope, argument.range,
                        "coalesce needs values of one type; this is \(compiled.type), the first is \(type)")
                    return nil
                }
                type = type ?? compiled.type
                evaluators.append(compiled.evaluate)
            }
            let all = evaluators
            return Compiled(type: type ?? .dynamic) { context in
                for evaluate in all {
                    let value = evaluate(context)
                    if value != .missing { return value }
                }
                return .missing
            }
        case "starts_with":
            guard arguments.count == 2, let text = compile(arguments[0], &scope),
                let prefix = compile(arguments[1], &scope),
                text.type.fits(.string), prefix.type.fits(.string)
            else {
                error(scope, range, "starts_with(TEXT, PREFIX) takes two pieces of text")
                return nil
            }
            let a = text.evaluate
            let b = prefix.evaluate
            return Compiled(type: .bool) { context in
                guard case .string(let x) = a(context), case .string(let y) = b(context) else { return .bool(false) }
                return .bool(x.hasPrefix(y))
            }
        case "days_between", "days_since":
            let expected = name == "days_between" ? 2 : 1
            guard arguments.count == expected else {
                error(
                    scope, range,
                    name == "days_between"
                        ? "days_between(FROM, TO) takes two date-times" : "days_since(DATE-TIME) takes one date-time")
                return nil
            }
            var evaluators: [Evaluator] = []
            for argument in arguments {
                guard let compiled = compile(argument, &scope) else { return nil }
                guard compiled.type.fits(.timestamp) || compiled.type == .date else {
                    error(scope, argument.range, "\(name) needs a date-time or a date, but this is \(compiled.type)")
                    return nil
                }
                evaluators.append(compiled.evaluate)
            }
            if name == "days_since" { evaluators.append { .timestamp($0.event.occurredAt) } }
            let from = evaluators[0]
            let to = evaluators[1]
            return Compiled(type: .number) { context in
                guard let start = Compiler.localDate(from(context)), let end = Compiler.localDate(to(context)) else {
                    return .missing
                }
                return .number(Double(start.days(until: end)))
            }
        case "date":
            guard let text = literalString(arguments, name, "a date, e.g. date(\"2026-01-01\")", range, &scope) else {
                return nil
            }
            guard let date = LocalDate(rfc3339: text) else {
                error(scope, range, "\"\(text)\" is not a date (YYYY-MM-DD)")
                return nil
            }
            return .constant(.date(date), .date)
        default:
            let names = [
                "any", "all", "count", "sum", "min", "max", "has", "lab", "answer", "answer_value", "answer_text",
                "coalesce", "latest_screening", "starts_with", "days_between", "days_since", "date",
            ]
            if name == "latest_screening" {
                error(
                    scope, range,
                    "latest_screening(CONDITION) is a collection: use it inside any, all, count, sum, min or max")
                return nil
            }
            error(scope, range, "unknown function \(name)()\(Suggestions.hint(for: name, among: names))")
            return nil
        }
    }

    private mutating func aggregate(_ name: String, _ arguments: [Expression], range: Range<Int>, _ scope: inout Scope)
        -> Compiled?
    {
        let combine: @Sendable (Double, Double) -> Double =
            name == "sum" ? (+) : (name == "min" ? Swift.min : Swift.max)
        let isSum = name == "sum"
        // sum(COLLECTION, NUMBER[, CONDITION]) / min / max over a collection
        if arguments.count == 2 || arguments.count == 3, let (kind, view) = collectionSource(arguments[0], &scope) {
            var inner = scope
            inner.element = kind
            guard let valueCompiled = compile(arguments[1], &inner) else { return nil }
            scope.scoresRead = inner.scoresRead
            guard valueCompiled.type.fits(.number) else {
                error(scope, arguments[1].range, "\(name) works on numbers, but this is \(valueCompiled.type)")
                return nil
            }
            let always: Evaluator = { _ in .bool(true) }
            let filter =
                arguments.count == 3
                ? predicate(arguments[2], over: kind, &scope, what: "the condition of \(name)") : always
            guard let filter else { return nil }
            let value = valueCompiled.evaluate
            return Compiled(type: .number) { context in
                var result: Double? = isSum ? 0 : nil
                context.visit(kind, only: view) {
                    if filter(context).isTrue, case .number(let number) = value(context) {
                        result = result.map { combine($0, number) } ?? number
                    }
                    return true
                }
                return result.map(Value.number) ?? .missing
            }
        }
        // sum(LIST) over a list field
        if arguments.count == 1, let list = listArgument(arguments[0], &scope) {
            return Compiled(type: .number) { context in
                guard case .list(let items) = list(context) else { return .missing }
                var result: Double? = isSum ? 0 : nil
                for case .number(let number) in items { result = result.map { combine($0, number) } ?? number }
                return result.map(Value.number) ?? .missing
            }
        }
        // min(a, b, …) / max(a, b, …) over numbers
        guard !isSum, arguments.count >= 2 else {
            error(
                scope, range,
                isSum
                    ? "sum(COLLECTION, NUMBER[, CONDITION]) or sum(LIST)"
                    : "\(name)(COLLECTION, NUMBER[, CONDITION]), \(name)(LIST) or \(name)(A, B, …)")
            return nil
        }
        var evaluators: [Evaluator] = []
        for argument in arguments {
            guard let compiled = compile(argument, &scope) else { return nil }
            guard compiled.type.fits(.number) else {
                error(scope, argument.range, "\(name) compares numbers, but this is \(compiled.type)")
                return nil
            }
            evaluators.append(compiled.evaluate)
        }
        let all = evaluators
        return Compiled(type: .number) { context in
            var result: Double?
            for evaluate in all {
                guard case .number(let number) = evaluate(context) else { return .missing }
                result = result.map { combine($0, number) } ?? number
            }
            return result.map(Value.number) ?? .missing
        }
    }

    /// The name and code set of a predicate of the form `code in SET` over diagnoses, or `nil`.
    private func diagnosisCodeSet(_ predicate: Expression, _ kind: CollectionKind) -> (String, CodeSet)? {
        guard kind == .diagnoses, case .membership(let left, let right, negated: false) = predicate.kind,
            pathName(left) == "code", let name = pathName(right), let list = lists[name],
            case .codes(let codes) = list.content
        else { return nil }
        return (name, codes)
    }

    private func pathName(_ expression: Expression) -> String? {
        if case .path(let components) = expression.kind { return components.joined(separator: ".") }
        return nil
    }

    /// A view of a collection: the indices of the elements that count, or `nil` for all of them.
    typealias View = @Sendable (Context) -> [Int]

    private mutating func collectionArgument(_ expression: Expression, _ function: String, _ scope: inout Scope)
        -> (CollectionKind, View?)?
    {
        if let source = collectionSource(expression, &scope) { return source }
        if case .call("latest_screening", _) = expression.kind { return nil }  // its own error is reported
        error(
            scope, expression.range,
            "\(function) ranges over \(RuleFileReader.list(CollectionKind.allCases.map(\.rawValue) + ["latest_screenings", "latest_screening(CONDITION)"])); this is not one of them"
        )
        return nil
    }

    /// The collection (and view) an expression names, or `nil` when it names none: `screenings`,
    /// `latest_screenings` (the answers not superseded), `latest_screening(CONDITION)` (the answers
    /// of the most recent screening holding an answer that meets CONDITION).
    private mutating func collectionSource(_ expression: Expression, _ scope: inout Scope) -> (CollectionKind, View?)? {
        if let name = pathName(expression), let kind = FieldCatalog.collections[name] {
            if kind == .screenings { screeningReads += 1 }
            return (kind, FieldCatalog.views[name])
        }
        guard case .call("latest_screening", let arguments) = expression.kind else { return nil }
        guard arguments.count == 1,
            let holds = predicate(arguments[0], over: .screenings, &scope, what: "the condition of latest_screening")
        else {
            if arguments.count != 1 {
                error(
                    scope, expression.range,
                    "latest_screening(CONDITION) takes one condition on the answers, e.g. latest_screening(question in hits_items)"
                )
            }
            return nil
        }
        screeningReads += 1
        let view: View = { context in
            let answers = context.event.social?.screenings ?? []
            let saved = context.index
            defer { context.index = saved }
            return answers.latestScreening { index in
                context.index = index
                return holds(context).isTrue
            }
        }
        return (.screenings, view)
    }

    private mutating func listArgument(_ expression: Expression, _ scope: inout Scope) -> Evaluator? {
        guard let name = pathName(expression), FieldCatalog.collections[name] == nil else { return nil }
        guard let compiled = compile(expression, &scope) else { return nil }
        return compiled.type == .numberList || compiled.type == .stringList ? compiled.evaluate : nil
    }

    private mutating func predicate(
        _ expression: Expression, over kind: CollectionKind, _ scope: inout Scope, what: String
    ) -> Evaluator? {
        var inner = scope
        inner.element = kind
        guard let compiled = compile(expression, &inner) else { return nil }
        scope.scoresRead = inner.scoresRead
        guard compiled.type.fits(.bool) else {
            error(scope, expression.range, "\(what) must be true or false, but this is \(compiled.type)")
            return nil
        }
        return compiled.evaluate
    }

    private mutating func literalString(
        _ arguments: [Expression], _ name: String, _ expected: String, _ range: Range<Int>, _ scope: inout Scope
    ) -> String? {
        guard arguments.count == 1, case .string(let text) = arguments[0].kind else {
            error(scope, range, "\(name)() takes \(expected)")
            return nil
        }
        return text
    }

    static func latestAnswer(_ question: String, in event: Event) -> ScreeningAnswer? {
        var latest: ScreeningAnswer?
        for answer in event.social?.screenings ?? [] where answer.question == question {
            if let current = latest, let old = current.answeredAt, let new = answer.answeredAt, new < old { continue }
            latest = answer
        }
        return latest
    }

    static func localDate(_ value: Value) -> LocalDate? {
        switch value {
        case .timestamp(let time): time.localDate
        case .date(let date): date
        default: nil
        }
    }

    // MARK: - Diagnostics

    private mutating func error(_ scope: Scope, _ range: Range<Int>, _ message: String) {
        let mark = scope.source.mark(at: max(0, range.lowerBound))
        diagnostics.append(Diagnostic(.error, at: mark, message, sourceLine: scope.source.line(mark.line)))
    }

    mutating func report(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }
}

/// A piece of a reason template: text, or a value to insert.
enum ReasonPiece {
    case text(String)
    case value(Evaluator)
}

extension Expression {
    /// Moves every range by `offset` characters (for expressions inside a template).
    mutating func shift(by offset: Int) {
        range = (range.lowerBound + offset)..<(range.upperBound + offset)
        switch kind {
        case .call(let name, var arguments):
            for index in arguments.indices { arguments[index].shift(by: offset) }
            kind = .call(name, arguments)
        case .not(var inner):
            inner.shift(by: offset)
            kind = .not(inner)
        case .negate(var inner):
            inner.shift(by: offset)
            kind = .negate(inner)
        case .binary(let op, var left, var right):
            left.shift(by: offset)
            right.shift(by: offset)
            kind = .binary(op, left, right)
        case .membership(var left, var right, let negated):
            left.shift(by: offset)
            right.shift(by: offset)
            kind = .membership(left, right, negated: negated)
        case .list(var items):
            for index in items.indices { items[index].shift(by: offset) }
            kind = .list(items)
        default:
            break
        }
    }
}
