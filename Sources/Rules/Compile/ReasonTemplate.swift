import Events
import YAMLDocument

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
