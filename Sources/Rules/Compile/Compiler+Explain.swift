import Events
import YAMLDocument

/// What `explain` needs of the compiler: evaluators that record each value with its text.
extension Compiler {
    /// Wraps a compiled node so that, while explaining, its value is recorded with its text.
    func traced(_ compiled: Compiled?, _ range: Range<Int>, _ scope: Scope) -> Compiled? {
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
}
