import Events
import YAMLDocument

/// The operators: comparison, arithmetic, `and`/`or`, and membership (`in`, `not in`), each
/// type-checked where it is written.
extension Compiler {
    mutating func binary(
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

    mutating func comparable(
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

    func arithmeticType(_ op: BinaryOperator, _ left: ValueType, _ right: ValueType) -> ValueType? {
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

    static func verb(_ op: BinaryOperator) -> String {
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

    mutating func membership(
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
}
