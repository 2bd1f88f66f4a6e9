import Events
import Foundation
import YAMLDocument

/// Loads rule files from directories (in order) or single files, checks them as a whole, and
/// compiles them into a ``RuleSet``, or reports every problem with its place.
///
/// A rule set with any error is refused whole. Files ending in `.test.yaml` are rule tests and are
/// skipped here.
public struct RuleSetLoader: Sendable {
    /// The outcome of a load: the rule set when there were no errors, and every diagnostic.
    public struct Result: Sendable {
        /// The compiled rule set, or `nil` when any error was found.
        public var ruleSet: RuleSet?
        /// Errors and warnings, in file order.
        public var diagnostics: [Diagnostic]
        /// The rule files read, in load order.
        public var files: [String]

        /// Whether there were errors.
        public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    }

    /// Whether a rule set with no rule is accepted. It is not by default: an empty or mistyped rules
    /// directory would otherwise give a daemon that screens nothing and says nothing.
    public var allowsEmpty: Bool
    /// The referral targets the site declares (its teams); a rule that refers elsewhere is an error,
    /// since its alerts would go to a team nobody watches. `nil`: not checked.
    public var referrals: [String]?

    /// Creates a loader.
    public init(allowsEmpty: Bool = false, referrals: [String]? = nil) {
        self.allowsEmpty = allowsEmpty
        self.referrals = referrals
    }

    /// Loads every rule file under `paths` (directories are searched recursively, in name order; a
    /// rule test file, `*.test.yaml`, is skipped even when named directly).
    public func load(paths: [String]) -> Result {
        var diagnostics: [Diagnostic] = []
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                diagnostics.append(
                    Diagnostic(.error, at: SourceMark(file: path, line: 1, column: 1), "no such file or directory"))
                continue
            }
            if isDirectory.boolValue {
                files += Self.ruleFiles(under: path)
            } else if !Self.isTestFile(path) {
                files.append(path)
            }
        }
        var sources: [(String, [UInt8])] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                diagnostics.append(Diagnostic(.error, at: SourceMark(file: file, line: 1, column: 1), "cannot be read"))
                continue
            }
            sources.append((file, [UInt8](data)))
        }
        var result = load(sources: sources)
        result.diagnostics = diagnostics + result.diagnostics
        if !diagnostics.isEmpty { result.ruleSet = nil }
        if let ruleSet = result.ruleSet, ruleSet.rules.isEmpty, !allowsEmpty, let first = paths.first {
            let count = result.files.count
            result.diagnostics.append(
                Diagnostic(
                    .error, at: SourceMark(file: first, line: 1, column: 1),
                    "no rules: \(paths.joined(separator: ", ")) \(paths.count == 1 ? "holds" : "hold") \(count) rule file\(count == 1 ? "" : "s") and no rule; a rule set without rules screens nothing. Check the path (the shipped rules are in rules/), or allow it with --allow-empty-rules (allow_empty_rules: true in the configuration)"
                ))
            result.ruleSet = nil
        }
        return result
    }

    /// Whether `path` names a rule test file rather than a rule file.
    static func isTestFile(_ path: String) -> Bool { path.hasSuffix(".test.yaml") || path.hasSuffix(".test.yml") }

    /// Loads rule files given as (name, bytes) pairs, in order.
    public func load(sources: [(name: String, bytes: [UInt8])]) -> Result {
        var diagnostics: [Diagnostic] = []
        var lists: [ListDeclaration] = []
        var conditions: [ConditionDeclaration] = []
        var scores: [ScoreDeclaration] = []
        var rules: [RuleDeclaration] = []
        var overrides: [OverrideDeclaration] = []
        var digest = SHA256Digest()
        for (name, bytes) in sources {
            digest.update(name.split(separator: "/").last.map(String.init) ?? name)
            digest.update([0])
            digest.update(bytes)
            digest.update([0])
            let root: YAMLNode?
            do {
                root = try YAMLParser().parse(bytes: bytes, file: name)
            } catch {
                let text = String(decoding: bytes, as: UTF8.self).split(
                    separator: "\n", omittingEmptySubsequences: false)
                let line = error.mark.line <= text.count ? String(text[error.mark.line - 1]) : nil
                diagnostics.append(Diagnostic(.error, at: error.mark, error.message, sourceLine: line))
                continue
            }
            let reader = RuleFileReader(root: root, text: String(decoding: bytes, as: UTF8.self))
            diagnostics += reader.diagnostics
            lists += reader.lists
            conditions += reader.conditions
            scores += reader.scores
            rules += reader.rules
            overrides += reader.overrides
        }
        diagnostics += Self.duplicates(lists.map { ($0.name, $0.mark) }, "list")
        diagnostics += Self.duplicates(conditions.map { ($0.name, $0.mark) }, "condition")
        diagnostics += Self.duplicates(scores.map { ($0.name, $0.mark) }, "score")
        diagnostics += Self.duplicates(rules.map { ($0.id, $0.mark) }, "rule id")
        for list in lists where conditions.contains(where: { $0.name == list.name }) {
            diagnostics.append(
                Diagnostic(.error, at: list.mark, "\"\(list.name)\" names both a list and a condition; rename one"))
        }
        diagnostics += Self.apply(overrides, to: &rules)
        if let referrals {
            for rule in rules where !rule.referral.isEmpty && !referrals.contains(rule.referral) {
                diagnostics.append(
                    Diagnostic(
                        .error, at: rule.referralMark,
                        "unknown referral \"\(rule.referral)\"\(Suggestions.hint(for: rule.referral, among: referrals)): its alerts would go to a team nobody watches; the referral targets are \(RuleFileReader.list(referrals)) (declare a site's own under `referrals:` in the configuration)"
                    ))
            }
        }

        // Compiled twice: plain evaluators for evaluation, tracing ones for explain. The checks are
        // the same; the diagnostics of the first pass are the ones reported.
        var compiler = Compiler(lists: lists, conditions: conditions, scores: scores, tracing: false)
        let compiled = Self.compileAll(rules, conditions: conditions, lists: lists, scores: scores, &compiler)
        diagnostics += compiler.diagnostics
        // Every diagnostic shows its line of source, whichever stage found it.
        let linesByFile = Dictionary(
            sources.map {
                (
                    $0.name,
                    String(decoding: $0.bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                )
            },
            uniquingKeysWith: { first, _ in first })
        for index in diagnostics.indices where diagnostics[index].sourceLine == nil {
            let mark = diagnostics[index].mark
            if let lines = linesByFile[mark.file], mark.line >= 1, mark.line <= lines.count {
                diagnostics[index].sourceLine = String(lines[mark.line - 1])
            }
        }
        diagnostics.sort { ($0.mark.file, $0.mark.line, $0.mark.column) < ($1.mark.file, $1.mark.line, $1.mark.column) }
        let hasErrors = diagnostics.contains { $0.severity == .error }
        var ruleSet: RuleSet?
        if !hasErrors {
            var tracer = Compiler(lists: lists, conditions: conditions, scores: scores, tracing: true)
            let traced = Self.compileAll(rules, conditions: conditions, lists: lists, scores: scores, &tracer)
            ruleSet = RuleSet(
                version: "sha256:" + digest.hexDigest(), rules: compiled, scores: compiler.scores,
                conditionCount: compiler.conditionCount, tracedRules: traced, tracedScores: tracer.scores,
                tracedConditionCount: tracer.conditionCount,
                namedConditions: compiler.conditions.mapValues(\.evaluate).merging(
                    compiler.unreadConditions, uniquingKeysWith: { read, _ in read }))
        }
        return Result(ruleSet: ruleSet, diagnostics: diagnostics, files: sources.map(\.name))
    }

    /// Compiles scores, rules and the conditions nobody reads (so they are checked too).
    private static func compileAll(
        _ rules: [RuleDeclaration], conditions: [ConditionDeclaration], lists: [ListDeclaration],
        scores: [ScoreDeclaration], _ compiler: inout Compiler
    ) -> [RuleSet.Rule] {
        for score in scores { _ = compiler.ensureScore(score.name) }
        var compiled: [RuleSet.Rule] = []
        for rule in rules {
            guard var rule = Self.compile(rule, &compiler) else { continue }
            let scores = compiler.scores
            rule.scoreSlots = rule.scoresRead.compactMap { name in scores.firstIndex { $0.name == name } }
            compiled.append(rule)
        }
        for condition in conditions where !compiler.usedConditions.contains(condition.name) {
            // Kept, so that tools can ask for it by name (the backtest's planned_admission).
            compiler.unreadConditions[condition.name] = compiler.namedExpression(condition.expression)?.0
            compiler.report(
                Diagnostic(.warning, at: condition.mark, "the condition \"\(condition.name)\" is never used"))
        }
        for list in lists where !compiler.usedLists.contains(list.name) {
            compiler.report(Diagnostic(.warning, at: list.mark, "the list \"\(list.name)\" is never used"))
        }
        return compiled
    }

    /// Every `*.yaml`/`*.yml` file under `directory` that is not a rule test, in path order, named
    /// under `directory` as given.
    public static func ruleFiles(under directory: String) -> [String] {
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        // The directory named may be a symbolic link (/etc/riskscreen/rules → a release's rules): it is
        // followed; links inside it are not.
        let root = URL(fileURLWithPath: base).resolvingSymlinksInPath().path
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let isYAML = relative.hasSuffix(".yaml") || relative.hasSuffix(".yml")
            let isTest = relative.hasSuffix(".test.yaml") || relative.hasSuffix(".test.yml")
            let hidden = relative.split(separator: "/").contains { $0.hasPrefix(".") }
            if isYAML && !isTest && !hidden { files.append(base + "/" + relative) }
        }
        return files.sorted()
    }

    private static func duplicates(_ names: [(String, SourceMark)], _ kind: String) -> [Diagnostic] {
        var first: [String: SourceMark] = [:]
        var result: [Diagnostic] = []
        for (name, mark) in names {
            if let earlier = first[name] {
                result.append(
                    Diagnostic(.error, at: mark, "duplicate \(kind) \"\(name)\"; it is first declared at \(earlier)"))
            } else {
                first[name] = mark
            }
        }
        return result
    }

    private static func apply(_ overrides: [OverrideDeclaration], to rules: inout [RuleDeclaration]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for override in overrides {
            guard let index = rules.firstIndex(where: { $0.id == override.rule }) else {
                let hint = Suggestions.hint(for: override.rule, among: rules.map(\.id))
                diagnostics.append(
                    Diagnostic(
                        .error, at: override.mark,
                        "override of the rule \"\(override.rule)\", which does not exist\(hint)"))
                continue
            }
            if let enabled = override.enabled { rules[index].enabled = enabled }
            if let priority = override.priority { rules[index].priority = priority }
            if let referral = override.referral {
                rules[index].referral = referral
                rules[index].referralMark = override.referralMark ?? override.mark
            }
            if let also = override.alsoWhen { rules[index].alsoWhen.append(also) }
            for (name, (value, mark)) in override.params {
                guard let current = rules[index].params[name] else {
                    let known = rules[index].params.keys.sorted()
                    diagnostics.append(
                        Diagnostic(
                            .error, at: mark,
                            "the rule \"\(override.rule)\" has no parameter \"\(name)\"\(Suggestions.hint(for: name, among: known)); its parameters are \(known.isEmpty ? "none" : RuleFileReader.list(known))"
                        ))
                    continue
                }
                guard Self.sameKind(current, value) else {
                    diagnostics.append(
                        Diagnostic(
                            .error, at: mark,
                            "the parameter \"\(name)\" of \"\(override.rule)\" is \(current.description)-like; \(value.description) is of another kind"
                        ))
                    continue
                }
                rules[index].params[name] = value
            }
        }
        return diagnostics
    }

    private static func sameKind(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.number, .number), (.bool, .bool), (.string, .string), (.duration, .duration): true
        default: false
        }
    }

    private static func compile(_ rule: RuleDeclaration, _ compiler: inout Compiler) -> RuleSet.Rule? {
        let screeningReads = compiler.screeningReads
        var failed = false
        var when: [(String, Evaluator)] = []
        var scoresRead: [String] = []
        for source in [rule.when] + rule.alsoWhen {
            if let (evaluate, read) = compiler.condition(source, params: rule.params, what: "when") {
                when.append((source.text, evaluate))
                scoresRead += read
            } else {
                failed = true
            }
        }
        var escalate: [(Priority, String, Evaluator)] = []
        for escalation in rule.escalate {
            if escalation.priority <= rule.priority {
                compiler.report(
                    Diagnostic(
                        .warning, at: escalation.mark,
                        "this escalation to \(escalation.priority.rawValue) can never raise the rule's priority (\(rule.priority.rawValue))"
                    ))
            }
            if let (evaluate, read) = compiler.condition(
                escalation.when, params: rule.params, what: "an escalation's when")
            {
                escalate.append((escalation.priority, escalation.when.text, evaluate))
                scoresRead += read
            } else {
                failed = true
            }
        }
        var reason: [ReasonPiece] = []
        if let source = rule.reason {
            if let (pieces, read) = compiler.template(source, params: rule.params) {
                reason = pieces
                scoresRead += read
            } else {
                failed = true
            }
        }
        var events: Set<EventType>?
        if let names = rule.events {
            var set = Set<EventType>()
            for name in names {
                if let type = EventType(rawValue: name) {
                    set.insert(type)
                } else {
                    compiler.report(
                        Diagnostic(
                            .error, at: rule.eventsMark ?? rule.mark,
                            "\"\(name)\" is not an event type\(Suggestions.hint(for: name, among: EventType.allCases.map(\.rawValue))); the types are \(RuleFileReader.list(EventType.allCases.map(\.rawValue)))"
                        ))
                    failed = true
                }
            }
            events = set
        }
        guard !failed else { return nil }
        var seen = Set<String>()
        var compiled = RuleSet.Rule(
            id: rule.id, title: rule.title, description: rule.description, category: rule.category, events: events,
            priority: rule.priority, referral: rule.referral, references: rule.references,
            suppressFor: rule.suppressFor,
            enabled: rule.enabled, tags: rule.tags, params: rule.params, location: rule.mark.description, when: when,
            escalate: escalate, reason: reason, scoresRead: scoresRead.filter { seen.insert($0).inserted })
        compiled.readsScreenings = compiler.screeningReads != screeningReads
        return compiled
    }
}
