import YAMLDocument

/// The text of an expression in a rule file and where it was written, so a problem at character
/// `n` of it can be pointed at in the file.
struct ExpressionSource {
    var text: String
    var node: YAMLNode
    /// The source file's lines, for turning offsets into columns and showing carets.
    var lines: [Substring]

    /// The mark of character `offset` of the expression.
    ///
    /// YAML folds multi-line scalars (a line break becomes a space or stays a newline), so the
    /// offset is walked along the source lines the scalar occupies, one separator between lines.
    func mark(at offset: Int) -> SourceMark {
        let start = node.mark
        guard let scalar = node.scalar else { return start }
        var segments: [(line: Int, column: Int, length: Int)] = []
        switch scalar.style {
        case .plain, .singleQuoted, .doubleQuoted:
            let quote = scalar.style == .plain ? 0 : 1
            guard start.line - 1 < lines.count else {
                return SourceMark(file: start.file, line: start.line, column: start.column + quote + offset)
            }
            // The first line from the scalar's start; continuation lines without their indentation.
            let first = lines[start.line - 1].dropFirst(start.column - 1 + quote)
            segments.append((start.line, start.column + quote, first.count))
            var consumed = first.count
            var lineNumber = start.line + 1
            while consumed < text.count, lineNumber - 1 < lines.count {
                let line = lines[lineNumber - 1]
                let indentation = line.prefix { $0 == " " }.count
                segments.append((lineNumber, indentation + 1, line.count - indentation))
                consumed += line.count - indentation + 1
                lineNumber += 1
            }
        case .literal, .folded:
            // The content starts on the line after the indicator, at the first line's indentation.
            var lineNumber = start.line + 1
            var base: Int?
            while lineNumber - 1 < lines.count {
                let line = lines[lineNumber - 1]
                let indentation = line.prefix { $0 == " " }.count
                if line.allSatisfy({ $0 == " " }) {
                    segments.append((lineNumber, indentation + 1, 0))
                } else {
                    if base == nil { base = indentation }
                    guard let base, indentation >= base else { break }
                    segments.append((lineNumber, base + 1, line.count - base))
                }
                lineNumber += 1
            }
        }
        var remaining = offset
        for segment in segments {
            if remaining <= segment.length {
                return SourceMark(file: start.file, line: segment.line, column: segment.column + remaining)
            }
            remaining -= segment.length + 1
        }
        return start
    }

    func line(_ number: Int) -> String? { number >= 1 && number <= lines.count ? String(lines[number - 1]) : nil }
}

/// A named list: values (`[oncology, hematology_oncology]`) or a code set (`codes: [I50*, I60-I69]`).
struct ListDeclaration {
    enum Content {
        case values([String])
        case numbers([Double])
        case codes(CodeSet)
    }

    var name: String
    var mark: SourceMark
    var content: Content
    var description: String?
}

struct ConditionDeclaration {
    var name: String
    var mark: SourceMark
    var expression: ExpressionSource
    var description: String?
}

/// One part of a score: points from an expression, from a condition, or from a band table.
struct ScorePartDeclaration {
    enum Rule {
        /// `points: EXPR`
        case points(ExpressionSource)
        /// `when: COND` and `points: EXPR` (0 when the condition does not hold)
        case conditional(when: ExpressionSource, points: ExpressionSource)
        /// `value: EXPR` and `bands:`
        case bands(value: ExpressionSource, bands: [Band])
    }

    struct Band {
        var atLeast: Double?
        var above: Double?
        var below: Double?
        var atMost: Double?
        var points: Double
        var mark: SourceMark

        func contains(_ value: Double) -> Bool {
            if let atLeast, value < atLeast { return false }
            if let above, value <= above { return false }
            if let below, value >= below { return false }
            if let atMost, value > atMost { return false }
            return true
        }

        var label: String {
            var parts: [String] = []
            if let atLeast { parts.append("≥ \(Value.format(atLeast))") }
            if let above { parts.append("> \(Value.format(above))") }
            if let below { parts.append("< \(Value.format(below))") }
            if let atMost { parts.append("≤ \(Value.format(atMost))") }
            return parts.isEmpty ? "otherwise" : parts.joined(separator: " and ")
        }
    }

    var id: String
    var title: String?
    var mark: SourceMark
    var rule: Rule
}

struct ScoreDeclaration {
    var name: String
    var mark: SourceMark
    var title: String?
    var references: [String]
    var parts: [ScorePartDeclaration]
}

struct EscalationDeclaration {
    var when: ExpressionSource
    var priority: Priority
    var mark: SourceMark
}

struct RuleDeclaration {
    var id: String
    var mark: SourceMark
    var title: String
    var description: String?
    var category: String
    var events: [String]?
    var eventsMark: SourceMark?
    var when: ExpressionSource
    /// Conditions appended by overrides, all of which must also hold.
    var alsoWhen: [ExpressionSource] = []
    var priority: Priority
    var escalate: [EscalationDeclaration]
    var referral: String
    /// Where the referral was written (the rule's, or an override's).
    var referralMark: SourceMark
    var reason: ExpressionSource?
    var references: [String]
    var suppressFor: Double?
    var enabled: Bool
    var tags: [String]
    var params: [String: Value]
    var paramMarks: [String: SourceMark]
}

struct OverrideDeclaration {
    var rule: String
    var mark: SourceMark
    var enabled: Bool?
    var priority: Priority?
    var referral: String?
    var referralMark: SourceMark?
    var params: [String: (Value, SourceMark)]
    var alsoWhen: ExpressionSource?
}
