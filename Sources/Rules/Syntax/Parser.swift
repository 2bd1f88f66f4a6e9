/// Parses an expression's text into an ``Expression`` tree.
///
/// Precedence, loosest first: `||`/`or`; `&&`/`and`; `!`/`not`; comparisons and `in`/`not in`;
/// `+ -`; `* /`; unary `-`; then literals, names, calls, lists and parentheses.
struct Parser {
    private var tokens: [Lexer.Token]
    private var position = 0

    static func parse(_ text: String) throws(Lexer.Failure) -> Expression {
        var parser = Parser(tokens: try Lexer.tokens(text))
        let expression = try parser.or()
        guard case .end = parser.current.kind else {
            throw Lexer.Failure(
                message: "unexpected \(parser.describe(parser.current)) after a complete expression",
                range: parser.current.range)
        }
        return expression
    }

    private init(tokens: [Lexer.Token]) { self.tokens = tokens }

    private var current: Lexer.Token { tokens[position] }

    private func isSymbol(_ symbol: String) -> Bool { current.kind == .symbol(symbol) }
    private func isWord(_ word: String) -> Bool { current.kind == .identifier(word) }

    private mutating func advance() -> Lexer.Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private mutating func expect(_ symbol: String, _ context: String) throws(Lexer.Failure) -> Lexer.Token {
        guard isSymbol(symbol) else {
            throw Lexer.Failure(
                message: "expected '\(symbol)' \(context), found \(describe(current))", range: current.range)
        }
        return advance()
    }

    private mutating func or() throws(Lexer.Failure) -> Expression {
        var left = try and()
        while isSymbol("||") || isWord("or") {
            _ = advance()
            let right = try and()
            left = Expression(kind: .binary(.or, left, right), range: left.range.lowerBound..<right.range.upperBound)
        }
        return left
    }

    private mutating func and() throws(Lexer.Failure) -> Expression {
        var left = try not()
        while isSymbol("&&") || isWord("and") {
            _ = advance()
            let right = try not()
            left = Expression(kind: .binary(.and, left, right), range: left.range.lowerBound..<right.range.upperBound)
        }
        return left
    }

    private mutating func not() throws(Lexer.Failure) -> Expression {
        if isSymbol("!") || isWord("not") {
            let start = advance().range.lowerBound
            let operand = try not()
            return Expression(kind: .not(operand), range: start..<operand.range.upperBound)
        }
        return try comparison()
    }

    private mutating func comparison() throws(Lexer.Failure) -> Expression {
        let left = try additive()
        if case .symbol(let symbol) = current.kind, let op = BinaryOperator(rawValue: symbol), op.isComparison {
            _ = advance()
            let right = try additive()
            return Expression(kind: .binary(op, left, right), range: left.range.lowerBound..<right.range.upperBound)
        }
        if isWord("in") || (isWord("not") && tokens[position + 1].kind == .identifier("in")) {
            let negated = isWord("not")
            _ = advance()
            if negated { _ = advance() }
            let right = try additive()
            return Expression(
                kind: .membership(left, right, negated: negated), range: left.range.lowerBound..<right.range.upperBound)
        }
        return left
    }

    private mutating func additive() throws(Lexer.Failure) -> Expression {
        var left = try multiplicative()
        while isSymbol("+") || isSymbol("-") {
            let op: BinaryOperator = isSymbol("+") ? .add : .subtract
            _ = advance()
            let right = try multiplicative()
            left = Expression(kind: .binary(op, left, right), range: left.range.lowerBound..<right.range.upperBound)
        }
        return left
    }

    private mutating func multiplicative() throws(Lexer.Failure) -> Expression {
        var left = try unary()
        while isSymbol("*") || isSymbol("/") {
            let op: BinaryOperator = isSymbol("*") ? .multiply : .divide
            _ = advance()
            let right = try unary()
            left = Expression(kind: .binary(op, left, right), range: left.range.lowerBound..<right.range.upperBound)
        }
        return left
    }

    private mutating func unary() throws(Lexer.Failure) -> Expression {
        if isSymbol("-") {
            let start = advance().range.lowerBound
            let operand = try unary()
            return Expression(kind: .negate(operand), range: start..<operand.range.upperBound)
        }
        return try primary()
    }

    private mutating func primary() throws(Lexer.Failure) -> Expression {
        let token = current
        switch token.kind {
        case .number(let value):
            _ = advance()
            return Expression(kind: .number(value), range: token.range)
        case .duration(let seconds):
            _ = advance()
            return Expression(kind: .duration(seconds), range: token.range)
        case .string(let value):
            _ = advance()
            return Expression(kind: .string(value), range: token.range)
        case .identifier(let name):
            _ = advance()
            if name == "true" || name == "false" { return Expression(kind: .bool(name == "true"), range: token.range) }
            if isSymbol("(") {
                _ = advance()
                var arguments: [Expression] = []
                if !isSymbol(")") {
                    arguments.append(try or())
                    while isSymbol(",") {
                        _ = advance()
                        arguments.append(try or())
                    }
                }
                let close = try expect(")", "to close the call to \(name)(")
                return Expression(kind: .call(name, arguments), range: token.range.lowerBound..<close.range.upperBound)
            }
            var components = [name]
            var end = token.range.upperBound
            while isSymbol(".") {
                _ = advance()
                guard case .identifier(let next) = current.kind else {
                    throw Lexer.Failure(
                        message: "expected a name after '.', found \(describe(current))", range: current.range)
                }
                end = advance().range.upperBound
                components.append(next)
            }
            return Expression(kind: .path(components), range: token.range.lowerBound..<end)
        case .symbol("("):
            _ = advance()
            let inner = try or()
            let close = try expect(")", "to close '('")
            return Expression(kind: inner.kind, range: token.range.lowerBound..<close.range.upperBound)
        case .symbol("["):
            _ = advance()
            var items: [Expression] = []
            if !isSymbol("]") {
                items.append(try or())
                while isSymbol(",") {
                    _ = advance()
                    items.append(try or())
                }
            }
            let close = try expect("]", "to close the list")
            return Expression(kind: .list(items), range: token.range.lowerBound..<close.range.upperBound)
        default:
            throw Lexer.Failure(
                message: "expected a value, a name or '(', found \(describe(token))", range: token.range)
        }
    }

    private func describe(_ token: Lexer.Token) -> String {
        switch token.kind {
        case .end: "the end of the expression"
        case .number(let value): "the number \(value)"
        case .duration: "a duration"
        case .string(let text): "the string \"\(text)\""
        case .identifier(let name): "'\(name)'"
        case .symbol(let symbol): "'\(symbol)'"
        }
    }
}
