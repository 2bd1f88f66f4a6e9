import YAMLDocument

/// Reads one rule file's YAML into declarations, reporting every misplaced or misspelt key with its
/// place. Expressions are kept as text here; the compiler parses and checks them.
struct RuleFileReader {
    private(set) var diagnostics: [Diagnostic] = []
    private(set) var lists: [ListDeclaration] = []
    private(set) var conditions: [ConditionDeclaration] = []
    private(set) var scores: [ScoreDeclaration] = []
    private(set) var rules: [RuleDeclaration] = []
    private(set) var overrides: [OverrideDeclaration] = []
    private let lines: [Substring]

    static let fileKeys = ["lists", "conditions", "scores", "rules", "overrides"]
    static let ruleKeys = [
        "id", "title", "description", "category", "events", "when", "priority", "escalate", "referral", "reason",
        "references", "suppress_for", "enabled", "tags", "params",
    ]
    static let overrideKeys = ["rule", "enabled", "priority", "referral", "params", "when_also"]
    static let partKeys = ["id", "title", "points", "when", "value", "bands"]
    static let scoreKeys = ["title", "description", "references", "parts"]
    static let bandKeys = ["at_least", "above", "below", "at_most", "points"]

    init(root: YAMLNode?, text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let root else { return }
        guard let entries = root.mapping else {
            error(
                root.mark,
                "a rule file is a mapping with keys \(Self.list(Self.fileKeys)); found \(root.kindDescription)")
            return
        }
        for entry in entries {
            switch entry.key.text {
            case "lists": readLists(entry.value)
            case "conditions": readConditions(entry.value)
            case "scores": readScores(entry.value)
            case "rules": readRules(entry.value)
            case "overrides": readOverrides(entry.value)
            default: unknownKey(entry, allowed: Self.fileKeys, in: "a rule file")
            }
        }
    }

    // MARK: - Sections

    private mutating func readLists(_ node: YAMLNode) {
        for entry in mapping(node, "lists") ?? [] {
            let name = entry.key.text
            guard checkName(name, at: entry.keyMark) else { continue }
            if let items = entry.value.sequence {
                if let list = valueList(items, name: name, mark: entry.keyMark) { lists.append(list) }
            } else if let fields = entry.value.mapping {
                var description: String?
                var declaration: ListDeclaration?
                for field in fields {
                    switch field.key.text {
                    case "description": description = string(field.value, "description")
                    case "codes":
                        var entries: [String] = []
                        for item in field.value.sequence ?? [field.value] {
                            guard let code = string(item, "a code") else { continue }
                            entries.append(code)
                            do {
                                _ = try CodeSet(entries: [code])
                            } catch {
                                self.error(item.mark, error.message)
                            }
                        }
                        if let set = try? CodeSet(entries: entries) {
                            declaration = ListDeclaration(name: name, mark: entry.keyMark, content: .codes(set))
                        }
                    case "values":
                        declaration = field.value.sequence.flatMap { valueList($0, name: name, mark: entry.keyMark) }
                    default: unknownKey(field, allowed: ["codes", "values", "description"], in: "a list")
                    }
                }
                if var declaration {
                    declaration.description = description
                    lists.append(declaration)
                } else {
                    error(entry.keyMark, "the list \"\(name)\" needs `codes:` or `values:`")
                }
            } else {
                error(entry.value.mark, "the list \"\(name)\" must be a sequence of values, or a mapping with `codes:`")
            }
        }
    }

    private mutating func valueList(_ items: [YAMLNode], name: String, mark: SourceMark) -> ListDeclaration? {
        let scalars = items.compactMap(\.scalar)
        guard scalars.count == items.count else {
            error(mark, "the list \"\(name)\" may hold only plain values")
            return nil
        }
        let numbers = scalars.map { $0.style == .plain ? Double($0.text) : nil }
        if !numbers.isEmpty, numbers.allSatisfy({ $0 != nil }) {
            return ListDeclaration(name: name, mark: mark, content: .numbers(numbers.compactMap { $0 }))
        }
        return ListDeclaration(name: name, mark: mark, content: .values(scalars.map(\.text)))
    }

    private mutating func readConditions(_ node: YAMLNode) {
        for entry in mapping(node, "conditions") ?? [] {
            let name = entry.key.text
            guard checkName(name, at: entry.keyMark) else { continue }
            if entry.value.scalar != nil {
                if let source = expression(entry.value, "the condition \(name)") {
                    conditions.append(ConditionDeclaration(name: name, mark: entry.keyMark, expression: source))
                }
            } else if let fields = entry.value.mapping {
                var when: ExpressionSource?
                var description: String?
                for field in fields {
                    switch field.key.text {
                    case "when": when = expression(field.value, "when")
                    case "description": description = string(field.value, "description")
                    default: unknownKey(field, allowed: ["when", "description"], in: "a condition")
                    }
                }
                if let when {
                    conditions.append(
                        ConditionDeclaration(
                            name: name, mark: entry.keyMark, expression: when, description: description))
                } else {
                    error(entry.keyMark, "the condition \"\(name)\" needs `when:`")
                }
            } else {
                error(entry.value.mark, "a condition is an expression, or a mapping with `when:`")
            }
        }
    }

    private mutating func readScores(_ node: YAMLNode) {
        for entry in mapping(node, "scores") ?? [] {
            let name = entry.key.text
            guard checkName(name, at: entry.keyMark) else { continue }
            guard let fields = mapping(entry.value, "the score \(name)") else { continue }
            var score = ScoreDeclaration(name: name, mark: entry.keyMark, title: nil, references: [], parts: [])
            for field in fields {
                switch field.key.text {
                case "title": score.title = string(field.value, "title")
                case "description": _ = string(field.value, "description")
                case "references": score.references = strings(field.value, "references")
                case "parts":
                    guard let items = sequence(field.value, "parts") else { continue }
                    for item in items {
                        if let part = readPart(item, score: name) {
                            if score.parts.contains(where: { $0.id == part.id }) {
                                error(part.mark, "the score \"\(name)\" already has a part \"\(part.id)\"")
                            } else {
                                score.parts.append(part)
                            }
                        }
                    }
                default: unknownKey(field, allowed: Self.scoreKeys, in: "a score")
                }
            }
            if score.parts.isEmpty {
                error(entry.keyMark, "the score \"\(name)\" needs at least one part under `parts:`")
            }
            scores.append(score)
        }
    }

    private mutating func readPart(_ node: YAMLNode, score: String) -> ScorePartDeclaration? {
        guard let fields = mapping(node, "a part of \(score)") else { return nil }
        var id: String?
        var title: String?
        var points: ExpressionSource?
        var when: ExpressionSource?
        var value: ExpressionSource?
        var bands: [ScorePartDeclaration.Band]?
        for field in fields {
            switch field.key.text {
            case "id": id = string(field.value, "id")
            case "title": title = string(field.value, "title")
            case "points": points = expression(field.value, "points")
            case "when": when = expression(field.value, "when")
            case "value": value = expression(field.value, "value")
            case "bands": bands = readBands(field.value)
            default: unknownKey(field, allowed: Self.partKeys, in: "a score part")
            }
        }
        guard let id else {
            error(node.mark, "a score part needs an `id:`")
            return nil
        }
        let rule: ScorePartDeclaration.Rule
        switch (points, when, value, bands) {
        case (let points?, nil, nil, nil): rule = .points(points)
        case (let points?, let when?, nil, nil): rule = .conditional(when: when, points: points)
        case (nil, nil, let value?, let bands?): rule = .bands(value: value, bands: bands)
        default:
            error(node.mark, "the part \"\(id)\" needs `points:`, or `when:` with `points:`, or `value:` with `bands:`")
            return nil
        }
        return ScorePartDeclaration(id: id, title: title, mark: node.mark, rule: rule)
    }

    private mutating func readBands(_ node: YAMLNode) -> [ScorePartDeclaration.Band]? {
        guard let items = sequence(node, "bands") else { return nil }
        var bands: [ScorePartDeclaration.Band] = []
        for item in items {
            guard let fields = mapping(item, "a band") else { continue }
            var band = ScorePartDeclaration.Band(points: 0, mark: item.mark)
            var hasPoints = false
            for field in fields {
                let number = self.number(field.value, field.key.text)
                switch field.key.text {
                case "at_least": band.atLeast = number
                case "above": band.above = number
                case "below": band.below = number
                case "at_most": band.atMost = number
                case "points":
                    band.points = number ?? 0
                    hasPoints = number != nil
                default: unknownKey(field, allowed: Self.bandKeys, in: "a band")
                }
            }
            if !hasPoints { error(item.mark, "a band needs `points:`") }
            bands.append(band)
        }
        return bands
    }

    private mutating func readRules(_ node: YAMLNode) {
        for item in sequence(node, "rules") ?? [] {
            guard let fields = mapping(item, "a rule") else { continue }
            var values: [String: YAMLNode] = [:]
            for field in fields {
                if Self.ruleKeys.contains(field.key.text) {
                    values[field.key.text] = field.value
                } else {
                    unknownKey(field, allowed: Self.ruleKeys, in: "a rule")
                }
            }
            guard let idNode = values["id"], let id = string(idNode, "id") else {
                error(item.mark, "a rule needs an `id:`")
                continue
            }
            var missing: [String] = []
            for key in ["title", "category", "when", "priority", "referral"] where values[key] == nil {
                missing.append(key)
            }
            if !missing.isEmpty {
                error(idNode.mark, "the rule \"\(id)\" is missing \(Self.list(missing.map { "`\($0):`" }))")
                continue
            }
            guard let titleNode = values["title"], let categoryNode = values["category"],
                let whenNode = values["when"], let priorityNode = values["priority"],
                let referralNode = values["referral"]
            else { continue }
            // Each value's mistake is reported; the rule is still read with a stand-in, so that the
            // mistakes elsewhere in it (a typo in `when`) are reported in the same run. The set is
            // refused anyway.
            let title = string(titleNode, "title") ?? ""
            let category = string(categoryNode, "category") ?? ""
            let priority = priority(priorityNode) ?? .medium
            let referral = string(referralNode, "referral") ?? ""
            guard let when = expression(whenNode, "when") else { continue }
            var rule = RuleDeclaration(
                id: id, mark: idNode.mark, title: title,
                description: values["description"].flatMap { string($0, "description") },
                category: category, events: nil, when: when, priority: priority, escalate: [], referral: referral,
                referralMark: referralNode.mark, reason: values["reason"].flatMap { expression($0, "reason") },
                references: values["references"].map { strings($0, "references") } ?? [],
                suppressFor: nil, enabled: true, tags: values["tags"].map { strings($0, "tags") } ?? [],
                params: [:], paramMarks: [:])
            if let events = values["events"] {
                rule.events = strings(events, "events")
                rule.eventsMark = events.mark
            }
            if let node = values["enabled"] { rule.enabled = bool(node, "enabled") ?? true }
            if let node = values["suppress_for"] { rule.suppressFor = duration(node) }
            if let node = values["escalate"] { rule.escalate = readEscalations(node) }
            if let node = values["params"] {
                for (name, (value, mark)) in readParams(node) {
                    rule.params[name] = value
                    rule.paramMarks[name] = mark
                }
            }
            rules.append(rule)
        }
    }

    private mutating func readEscalations(_ node: YAMLNode) -> [EscalationDeclaration] {
        var result: [EscalationDeclaration] = []
        for item in sequence(node, "escalate") ?? [] {
            guard let fields = mapping(item, "an escalation") else { continue }
            var when: ExpressionSource?
            var priority: Priority?
            for field in fields {
                switch field.key.text {
                case "when": when = expression(field.value, "when")
                case "priority": priority = self.priority(field.value)
                default: unknownKey(field, allowed: ["when", "priority"], in: "an escalation")
                }
            }
            if let when, let priority {
                result.append(EscalationDeclaration(when: when, priority: priority, mark: item.mark))
            } else {
                error(item.mark, "an escalation needs `when:` and `priority:`")
            }
        }
        return result
    }

    private mutating func readParams(_ node: YAMLNode) -> [(String, (Value, SourceMark))] {
        var result: [(String, (Value, SourceMark))] = []
        for entry in mapping(node, "params") ?? [] {
            guard let scalar = entry.value.scalar else {
                error(entry.value.mark, "a parameter is a single number, text, true/false or duration")
                continue
            }
            let value: Value
            if scalar.style == .plain, let number = Double(scalar.text) {
                value = .number(number)
            } else if scalar.style == .plain, scalar.text == "true" || scalar.text == "false" {
                value = .bool(scalar.text == "true")
            } else if scalar.style == .plain, let seconds = Self.durationSeconds(scalar.text) {
                value = .duration(seconds)
            } else {
                value = .string(scalar.text)
            }
            result.append((entry.key.text, (value, entry.keyMark)))
        }
        return result
    }

    private mutating func readOverrides(_ node: YAMLNode) {
        for item in sequence(node, "overrides") ?? [] {
            guard let fields = mapping(item, "an override") else { continue }
            var override = OverrideDeclaration(rule: "", mark: item.mark, params: [:])
            for field in fields {
                switch field.key.text {
                case "rule":
                    override.rule = string(field.value, "rule") ?? ""
                    override.mark = field.value.mark
                case "enabled": override.enabled = bool(field.value, "enabled")
                case "priority": override.priority = priority(field.value)
                case "referral":
                    override.referral = string(field.value, "referral")
                    override.referralMark = field.value.mark
                case "params":
                    for (name, value) in readParams(field.value) { override.params[name] = value }
                case "when_also": override.alsoWhen = expression(field.value, "when_also")
                default: unknownKey(field, allowed: Self.overrideKeys, in: "an override")
                }
            }
            if override.rule.isEmpty {
                error(item.mark, "an override needs `rule:` naming the rule it changes")
            } else {
                overrides.append(override)
            }
        }
    }

    // MARK: - Scalars

    private mutating func mapping(_ node: YAMLNode, _ what: String) -> [YAMLMappingEntry]? {
        if let entries = node.mapping { return entries }
        if node.scalar?.isNull == true { return [] }
        error(node.mark, "\(what) must be a mapping, found \(node.kindDescription)")
        return nil
    }

    private mutating func sequence(_ node: YAMLNode, _ what: String) -> [YAMLNode]? {
        if let items = node.sequence { return items }
        if node.scalar?.isNull == true { return [] }
        error(node.mark, "\(what) must be a sequence (a list of `- ` items), found \(node.kindDescription)")
        return nil
    }

    private mutating func string(_ node: YAMLNode, _ what: String) -> String? {
        guard let scalar = node.scalar, !scalar.isNull else {
            error(node.mark, "\(what) must be text, found \(node.scalar == nil ? node.kindDescription : "nothing")")
            return nil
        }
        return scalar.text
    }

    private mutating func strings(_ node: YAMLNode, _ what: String) -> [String] {
        if let scalar = node.scalar, !scalar.isNull { return [scalar.text] }
        return (sequence(node, what) ?? []).compactMap { string($0, "an item of \(what)") }
    }

    private mutating func bool(_ node: YAMLNode, _ what: String) -> Bool? {
        guard let scalar = node.scalar, scalar.style == .plain, scalar.text == "true" || scalar.text == "false" else {
            error(node.mark, "\(what) must be true or false")
            return nil
        }
        return scalar.text == "true"
    }

    private mutating func number(_ node: YAMLNode, _ what: String) -> Double? {
        guard let scalar = node.scalar, scalar.style == .plain, let value = Double(scalar.text) else {
            error(node.mark, "\(what) must be a number")
            return nil
        }
        return value
    }

    private mutating func priority(_ node: YAMLNode) -> Priority? {
        guard let text = node.scalar?.text, let priority = Priority(rawValue: text) else {
            error(
                node.mark,
                "priority must be one of critical, high, medium, low\(Suggestions.hint(for: node.scalar?.text ?? "", among: Priority.allCases.map(\.rawValue)))"
            )
            return nil
        }
        return priority
    }

    private mutating func duration(_ node: YAMLNode) -> Double? {
        guard let text = node.scalar?.text, let seconds = Self.durationSeconds(text) else {
            error(node.mark, "a duration is a number and a unit: 30d, 8h, 15m, 2w or 10s")
            return nil
        }
        return seconds
    }

    static func durationSeconds(_ text: String) -> Double? { DurationText.seconds(text) }

    private mutating func expression(_ node: YAMLNode, _ what: String) -> ExpressionSource? {
        guard let scalar = node.scalar, !scalar.isNull else {
            error(
                node.mark,
                "\(what) must be an expression (text), found \(node.scalar == nil ? node.kindDescription : "nothing")")
            return nil
        }
        return ExpressionSource(text: scalar.text, node: node, lines: lines)
    }

    private mutating func checkName(_ name: String, at mark: SourceMark) -> Bool {
        let valid = name.first.map { $0.isLetter || $0 == "_" } == true && name.allSatisfy(Lexer.isIdentifierCharacter)
        if !valid { error(mark, "\"\(name)\" is not a usable name: use letters, digits and _, starting with a letter") }
        return valid
    }

    private mutating func unknownKey(_ entry: YAMLMappingEntry, allowed: [String], in place: String) {
        error(
            entry.keyMark,
            "unknown key \"\(entry.key.text)\" in \(place)\(Suggestions.hint(for: entry.key.text, among: allowed)); expected \(Self.list(allowed))"
        )
    }

    private mutating func error(_ mark: SourceMark, _ message: String) {
        let line = mark.line >= 1 && mark.line <= lines.count ? String(lines[mark.line - 1]) : nil
        diagnostics.append(Diagnostic(.error, at: mark, message, sourceLine: line))
    }

    static func list(_ items: [String]) -> String {
        items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " or " + (items.last ?? "")
    }
}
