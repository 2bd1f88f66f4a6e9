public import Events

/// Renders explanations (`riskscreen eval --explain`, failing rule tests): why each rule did or did
/// not fire, with the value of every sub-expression.
public enum ExplanationText {
    /// The whole explanation of one event: a header, every score with its parts, every rule.
    public static func text(event: Event, evaluation: Evaluation, explanations: [RuleExplanation], file: String)
        -> String
    {
        var lines = ["── \(file): \(event.eventID) (\(event.eventType.rawValue))"]
        for warning in evaluation.warnings { lines.append("   warning: \(warning)") }
        for score in evaluation.scores {
            let parts = score.parts.map { part in
                "\(part.id) \(format(part.points))\(part.missing ? " (missing)" : "")\(part.detail.map { " [\($0)]" } ?? "")"
            }
            lines.append("   score \(score.name) = \(format(score.value)): \(parts.joined(separator: ", "))")
        }
        lines += explanations.flatMap(ruleLines)
        return lines.joined(separator: "\n")
    }

    /// The lines explaining one rule, indented for a report.
    public static func ruleLines(_ rule: RuleExplanation) -> [String] {
        var lines: [String] = []
        let outcome: String
        switch rule.outcome {
        case .fired(let priority): outcome = "FIRED (\(priority.rawValue))"
        case .notFired: outcome = "not fired"
        case .notApplicable(let types): outcome = "not applicable (only on \(types.joined(separator: ", ")))"
        case .disabled: outcome = "disabled"
        }
        let symbol = if case .fired = rule.outcome { "✔" } else { "·" }
        lines.append("   \(symbol) \(rule.ruleID): \(outcome)")
        for condition in rule.conditions {
            lines.append("       \(condition.label): \(oneLine(condition.text)) → \(condition.value)")
            for step in condition.steps where step.depth > 0 {
                lines.append(
                    "       " + String(repeating: "  ", count: step.depth) + "\(oneLine(step.text)) = \(step.value)"
                )
            }
        }
        return lines
    }

    /// The explanations as JSON, for `--format json`.
    public static func json(_ explanations: [RuleExplanation]) -> JSONValue {
        .array(
            explanations.map { rule in
                let outcome: String
                switch rule.outcome {
                case .fired: outcome = "fired"
                case .notFired: outcome = "not_fired"
                case .notApplicable: outcome = "not_applicable"
                case .disabled: outcome = "disabled"
                }
                var members = [
                    JSONMember(key: "rule_id", value: .string(rule.ruleID)),
                    JSONMember(key: "outcome", value: .string(outcome)),
                ]
                if case .fired(let priority) = rule.outcome {
                    members.append(JSONMember(key: "priority", value: .string(priority.rawValue)))
                }
                members.append(
                    JSONMember(
                        key: "conditions",
                        value: .array(
                            rule.conditions.map { condition in
                                .object([
                                    JSONMember(key: "label", value: .string(condition.label)),
                                    JSONMember(key: "expression", value: .string(condition.text)),
                                    JSONMember(key: "value", value: json(condition.value)),
                                    JSONMember(
                                        key: "steps",
                                        value: .array(
                                            condition.steps.map { step in
                                                .object([
                                                    JSONMember(key: "expression", value: .string(step.text)),
                                                    JSONMember(key: "depth", value: .number(Double(step.depth))),
                                                    JSONMember(key: "value", value: json(step.value)),
                                                ])
                                            })),
                                ])
                            })))
                return .object(members)
            })
    }

    static func json(_ value: Value) -> JSONValue {
        switch value {
        case .missing: .string("missing")
        case .bool(let flag): .bool(flag)
        case .number(let number): .number(number)
        case .string(let text): .string(text)
        case .list(let items): .array(items.map(json))
        default: .string(value.description)
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    private static func oneLine(_ text: String) -> String {
        // Most conditions are written on one line: no byte that can begin a line break (LF, VT,
        // FF, CR; U+0085; U+2028, U+2029), so only the spaces around the text go.
        let mayBreak = text.utf8.contains { ($0 >= 0x0A && $0 <= 0x0D) || $0 == 0xC2 || $0 == 0xE2 }
        if !mayBreak {
            if text.utf8.first != UInt8(ascii: " ") && text.utf8.last != UInt8(ascii: " ") { return text }
            return String(Substring(text).trimmingCharacters(in: " "))
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: " ") }.joined(separator: " ")
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var text = self
        while text.first == set { text = text.dropFirst() }
        while text.last == set { text = text.dropLast() }
        return text
    }
}
