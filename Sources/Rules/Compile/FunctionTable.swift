import YAMLDocument

/// One function of the rule language: its name, how many arguments it takes, how it is written,
/// what it gives, one line of help, and the compiler's method that checks its arguments' types and
/// builds it.
struct RuleFunction: Sendable {
    typealias Build = @Sendable (inout Compiler, Compiler.Call, inout Compiler.Scope) -> Compiled?

    let name: String
    /// How many arguments it takes; a call with another number is refused with ``usage``.
    let arity: ClosedRange<Int>
    /// How it is written: the message for a call it cannot take.
    let usage: String
    /// What it gives.
    let gives: String
    /// What it is for, in a line.
    let help: String
    let build: Build

    func compile(_ compiler: inout Compiler, _ call: Compiler.Call, _ scope: inout Compiler.Scope) -> Compiled? {
        build(&compiler, call, &scope)
    }
}

/// Every function a rule may call. The checker looks calls up here (an unknown name gets a
/// did-you-mean from these names), and docs/rules.md documents each (a test holds them together).
enum FunctionTable {
    private static let many = Int.max

    static let all: [RuleFunction] = [
        RuleFunction(
            name: "any", arity: 2...2, usage: "any(COLLECTION, CONDITION) takes two arguments", gives: "true or false",
            help: "whether some element of the collection meets the condition"
        ) { $0.anyOrAll($1, &$2) },
        RuleFunction(
            name: "all", arity: 2...2, usage: "all(COLLECTION, CONDITION) takes two arguments", gives: "true or false",
            help: "whether every element of the collection meets the condition (true for none)"
        ) { $0.anyOrAll($1, &$2) },
        RuleFunction(
            name: "count", arity: 1...2, usage: "count(COLLECTION) or count(COLLECTION, CONDITION)", gives: "a number",
            help: "how many elements (of a collection or a list field), or how many meet the condition"
        ) { $0.count($1, &$2) },
        RuleFunction(
            name: "sum", arity: 1...3, usage: "sum(COLLECTION, NUMBER[, CONDITION]) or sum(LIST)", gives: "a number",
            help: "the total of a number over a collection's elements (that meet the condition), or of a list"
        ) { $0.aggregate($1, &$2) },
        RuleFunction(
            name: "min", arity: 1...many, usage: "min(COLLECTION, NUMBER[, CONDITION]), min(LIST) or min(A, B, …)",
            gives: "a number", help: "the smallest such number; missing when there is none"
        ) { $0.aggregate($1, &$2) },
        RuleFunction(
            name: "max", arity: 1...many, usage: "max(COLLECTION, NUMBER[, CONDITION]), max(LIST) or max(A, B, …)",
            gives: "a number", help: "the largest such number; missing when there is none"
        ) { $0.aggregate($1, &$2) },
        RuleFunction(
            name: "has", arity: 1...1, usage: "has(FIELD) takes one field, e.g. has(social.caregiver.age)",
            gives: "true or false", help: "whether the event has a value for the field"
        ) { $0.has($1, &$2) },
        RuleFunction(
            name: "lab", arity: 1...1, usage: "lab() takes a LOINC code, e.g. lab(\"718-7\")", gives: "a number",
            help: "the value of the latest result of that lab"
        ) { $0.lab($1, &$2) },
        RuleFunction(
            name: "answer", arity: 1...1, usage: "answer() takes a question's LOINC code, e.g. answer(\"71802-3\")",
            gives: "text", help: "the answer code of the latest answer to that screening question"
        ) { $0.answer($1, &$2) },
        RuleFunction(
            name: "answer_value", arity: 1...1,
            usage: "answer_value() takes a question's LOINC code, e.g. answer_value(\"71802-3\")",
            gives: "a number, text or true/false", help: "the value of the latest answer to that question"
        ) { $0.answer($1, &$2) },
        RuleFunction(
            name: "answer_text", arity: 1...1,
            usage: "answer_text() takes a question's LOINC code, e.g. answer_text(\"88122-7\")", gives: "text",
            help: "the latest answers to that question in the instrument's words"
        ) { $0.answerText($1, &$2) },
        RuleFunction(
            name: "coalesce", arity: 2...many,
            usage: "coalesce(A, B, …) takes two values or more: the first that is not missing",
            gives: "the values' type", help: "the first of the values that is not missing"
        ) { $0.coalesce($1, &$2) },
        RuleFunction(
            name: "latest_screening", arity: 0...many,
            usage: "latest_screening(CONDITION) is a collection: use it inside any, all, count, sum, min or max",
            gives: "a collection of screening answers",
            help: "the answers of the most recent screening holding an answer that meets the condition"
        ) { $0.latestScreeningOutsideACollection($1, &$2) },
        RuleFunction(
            name: "starts_with", arity: 2...2, usage: "starts_with(TEXT, PREFIX) takes two pieces of text",
            gives: "true or false", help: "whether the text begins with the prefix"
        ) { $0.startsWith($1, &$2) },
        RuleFunction(
            name: "days_between", arity: 2...2, usage: "days_between(FROM, TO) takes two date-times", gives: "a number",
            help: "whole calendar days from one date to the other, in the event's local time"
        ) { $0.days($1, &$2) },
        RuleFunction(
            name: "days_since", arity: 1...1, usage: "days_since(DATE-TIME) takes one date-time", gives: "a number",
            help: "whole calendar days from the date to the event's occurred_at"
        ) { $0.days($1, &$2) },
        RuleFunction(
            name: "words", arity: 1...1,
            usage: "words(TEXT) takes one piece of text, e.g. words(encounter.discharge_disposition)", gives: "text",
            help: "a code as words, for a reason: underscores become spaces (home_health → home health)"
        ) { $0.words($1, &$2) },
        RuleFunction(
            name: "date", arity: 1...1, usage: "date() takes a date, e.g. date(\"2026-01-01\")", gives: "a date",
            help: "a calendar date written in a rule"
        ) { $0.date($1, &$2) },
    ]

    /// The functions by name.
    static let named: [String: RuleFunction] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

    /// The message for a call to a function that does not exist.
    static func unknown(_ name: String) -> String {
        "unknown function \(name)()\(Suggestions.hint(for: name, among: all.map(\.name)))"
    }
}
