import Events
import YAMLDocument

extension Compiler {
    /// Compiles a call: the function is looked up in ``FunctionTable``, its number of arguments
    /// checked there, and its own compiler (below) checks the arguments' types and builds it.
    mutating func call(_ name: String, _ arguments: [Expression], range: Range<Int>, _ scope: inout Scope)
        -> Compiled?
    {
        guard let function = FunctionTable.named[name] else {
            error(scope, range, FunctionTable.unknown(name))
            return nil
        }
        guard function.arity.contains(arguments.count) else {
            error(scope, range, function.usage)
            return nil
        }
        return function.compile(
            &self, Call(name: name, arguments: arguments, range: range, usage: function.usage), &scope)
    }

    /// A call being compiled.
    struct Call {
        var name: String
        var arguments: [Expression]
        var range: Range<Int>
        /// The function's usage, the message when its arguments are wrong.
        var usage: String
    }

    /// `any(COLLECTION, CONDITION)`, `all(COLLECTION, CONDITION)`.
    mutating func anyOrAll(_ call: Call, _ scope: inout Scope) -> Compiled? {
        let (name, arguments) = (call.name, call.arguments)
        guard let (kind, view) = collectionArgument(arguments[0], name, &scope),
            let predicate = predicate(arguments[1], over: kind, &scope, what: "the condition of \(name)")
        else { return nil }
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
                for diagnosis in context.event.diagnoses where codes.contains(normalized: diagnosis.normalizedCode) {
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
    }

    /// `count(LIST)`, `count(COLLECTION)`, `count(COLLECTION, CONDITION)`.
    mutating func count(_ call: Call, _ scope: inout Scope) -> Compiled? {
        let arguments = call.arguments
        if arguments.count == 1, let list = listArgument(arguments[0], &scope) {
            return Compiled(type: .number) { context in
                if case .list(let items) = list(context) { return .number(Double(items.count)) }
                return .number(0)
            }
        }
        guard let (kind, view) = collectionArgument(arguments[0], call.name, &scope) else { return nil }
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
    }

    /// `has(FIELD)`.
    mutating func has(_ call: Call, _ scope: inout Scope) -> Compiled? {
        guard let inner = compile(call.arguments[0], &scope), inner.isPath else {
            error(scope, call.range, call.usage)
            return nil
        }
        let evaluate = inner.evaluate
        return Compiled(type: .bool) { context in .bool(evaluate(context) != .missing) }
    }

    /// `lab("LOINC")`: the latest result's value.
    mutating func lab(_ call: Call, _ scope: inout Scope) -> Compiled? {
        guard let code = literalString(call, &scope) else { return nil }
        return Compiled(type: .number) { context in
            context.event.derived.latestLab(code).map { .number($0.value) } ?? .missing
        }
    }

    /// `answer("LOINC")` (the latest answer's code), `answer_value("LOINC")` (its value).
    mutating func answer(_ call: Call, _ scope: inout Scope) -> Compiled? {
        guard let question = literalString(call, &scope) else { return nil }
        screeningReads += 1
        let wantsCode = call.name == "answer"
        return Compiled(type: wantsCode ? .string : .dynamic) { context in
            guard let answer = Compiler.latestAnswer(question, in: context.event) else { return .missing }
            return wantsCode
                ? (answer.answerCode.map(Value.string) ?? .missing) : FieldCatalog.answerValue(answer.answerValue)
        }
    }

    /// `answer_text("LOINC")`: every answer that counts, in words.
    mutating func answerText(_ call: Call, _ scope: inout Scope) -> Compiled? {
        guard let question = literalString(call, &scope) else { return nil }
        screeningReads += 1
        return Compiled(type: .string) { context in
            // A question may take several answers at once.
            let answers = context.event.social?.screenings ?? []
            let texts = context.latestScreenings().filter { answers[$0].question == question }.compactMap {
                ScreeningCatalog.text(of: answers[$0])
            }
            return texts.isEmpty ? .missing : .string(texts.joined(separator: ", "))
        }
    }

    /// `coalesce(A, B, …)`: the first value that is not missing.
    mutating func coalesce(_ call: Call, _ scope: inout Scope) -> Compiled? {
        var evaluators: [Evaluator] = []
        var type: ValueType?
        for argument in call.arguments {
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
    }

    /// `latest_screening(CONDITION)` outside a collection function: an error (see ``collectionSource(_:_:)``).
    mutating func latestScreeningOutsideACollection(_ call: Call, _ scope: inout Scope) -> Compiled? {
        error(scope, call.range, call.usage)
        return nil
    }

    /// `starts_with(TEXT, PREFIX)`.
    mutating func startsWith(_ call: Call, _ scope: inout Scope) -> Compiled? {
        guard let text = compile(call.arguments[0], &scope), let prefix = compile(call.arguments[1], &scope),
            text.type.fits(.string), prefix.type.fits(.string)
        else {
            error(scope, call.range, call.usage)
            return nil
        }
        let a = text.evaluate
        let b = prefix.evaluate
        return Compiled(type: .bool) { context in
            guard case .string(let x) = a(context), case .string(let y) = b(context) else { return .bool(false) }
            return .bool(x.hasPrefix(y))
        }
    }

    /// `days_between(FROM, TO)`, `days_since(DATE-TIME)`: whole calendar days.
    mutating func days(_ call: Call, _ scope: inout Scope) -> Compiled? {
        var evaluators: [Evaluator] = []
        for argument in call.arguments {
            guard let compiled = compile(argument, &scope) else { return nil }
            guard compiled.type.fits(.timestamp) || compiled.type == .date else {
                error(scope, argument.range, "\(call.name) needs a date-time or a date, but this is \(compiled.type)")
                return nil
            }
            evaluators.append(compiled.evaluate)
        }
        if call.name == "days_since" { evaluators.append { .timestamp($0.event.occurredAt) } }
        let from = evaluators[0]
        let to = evaluators[1]
        return Compiled(type: .number) { context in
            guard let start = Compiler.localDate(from(context)), let end = Compiler.localDate(to(context)) else {
                return .missing
            }
            return .number(Double(start.days(until: end)))
        }
    }

    /// `words(TEXT)`: a code with its underscores as spaces.
    mutating func words(_ call: Call, _ scope: inout Scope) -> Compiled? {
        guard let text = compile(call.arguments[0], &scope) else { return nil }
        guard text.type.fits(.string) else {
            error(scope, call.arguments[0].range, "words needs text, but this is \(text.type)")
            return nil
        }
        let evaluate = text.evaluate
        return Compiled(type: .string) { context in
            guard case .string(let code) = evaluate(context) else { return .missing }
            // "_" is one byte in UTF-8 and in no other character's bytes: replaced byte for byte.
            guard code.utf8.contains(UInt8(ascii: "_")) else { return .string(code) }
            return .string(
                String(decoding: code.utf8.map { $0 == UInt8(ascii: "_") ? UInt8(ascii: " ") : $0 }, as: UTF8.self))
        }
    }

    /// `date("YYYY-MM-DD")`.
    mutating func date(_ call: Call, _ scope: inout Scope) -> Compiled? {
        guard let text = literalString(call, &scope) else { return nil }
        guard let date = LocalDate(rfc3339: text) else {
            error(scope, call.range, "\"\(text)\" is not a date (YYYY-MM-DD)")
            return nil
        }
        return .constant(.date(date), .date)
    }

    /// `sum`, `min`, `max` (see the table for their forms).
    mutating func aggregate(_ call: Call, _ scope: inout Scope) -> Compiled? {
        aggregate(call.name, call.arguments, range: call.range, &scope)
    }

    mutating func aggregate(_ name: String, _ arguments: [Expression], range: Range<Int>, _ scope: inout Scope)
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
    func diagnosisCodeSet(_ predicate: Expression, _ kind: CollectionKind) -> (String, CodeSet)? {
        guard kind == .diagnoses, case .membership(let left, let right, negated: false) = predicate.kind,
            pathName(left) == "code", let name = pathName(right), let list = lists[name],
            case .codes(let codes) = list.content
        else { return nil }
        return (name, codes)
    }

    func pathName(_ expression: Expression) -> String? {
        if case .path(let components) = expression.kind { return components.joined(separator: ".") }
        return nil
    }

    /// A view of a collection: the indices of the elements that count, or `nil` for all of them.
    typealias View = @Sendable (Context) -> [Int]

    mutating func collectionArgument(_ expression: Expression, _ function: String, _ scope: inout Scope)
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
    mutating func collectionSource(_ expression: Expression, _ scope: inout Scope) -> (CollectionKind, View?)? {
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

    mutating func listArgument(_ expression: Expression, _ scope: inout Scope) -> Evaluator? {
        guard let name = pathName(expression), FieldCatalog.collections[name] == nil else { return nil }
        guard let compiled = compile(expression, &scope) else { return nil }
        return compiled.type == .numberList || compiled.type == .stringList ? compiled.evaluate : nil
    }

    mutating func predicate(
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

    /// The single literal text argument of `call` (a code or a date), or `nil` after an error.
    mutating func literalString(_ call: Call, _ scope: inout Scope) -> String? {
        guard case .string(let text) = call.arguments[0].kind else {
            error(scope, call.range, call.usage)
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
}
