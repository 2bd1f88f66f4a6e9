import Events
import Foundation
public import Rules
import YAMLDocument

/// Reads `*.test.yaml` files into cases, reporting every mistake as `file:line:column: error: …`.
///
/// A file holds `cases:` and, optionally, named `events:` that cases use as `base:`:
///
/// ```yaml
/// events:
///   walter: { event_file: ../samples/02-discharge-long-emergency-stay-comorbid.json }
/// cases:
///   - name: LACE 10 is high risk
///     base: walter
///     patch: { utilization: { ed_visits_6mo: 3 }, social: null }   # JSON Merge Patch: null deletes
///     fires: [readmission.lace-high]
///     scores: { lace: 10, lace.E: 3 }
/// ```
public struct RuleTestFileReader {
    /// The cases read, in file order.
    public private(set) var cases: [RuleTestCase] = []
    /// Every mistake found.
    public private(set) var diagnostics: [Diagnostic] = []

    private let file: String
    private let lines: [Substring]
    private var namedEvents: [String: (JSONValue, SourceMark)] = [:]

    /// What a step of a sequence (or a case) may expect.
    static let expectationKeys = [
        "scores", "fires", "does_not_fire", "alerts", "only_some_alerts", "no_alerts", "reason_contains", "suppressed",
        "escalated", "withdrawn",
    ]
    static let caseKeys =
        ["name", "event", "event_file", "base", "patch", "now", "history", "sequence"] + expectationKeys
    static let stepKeys = ["event", "event_file", "base", "patch", "now"] + expectationKeys

    /// Reads the test file at `path`.
    public init(path: String) {
        file = path
        guard let data = FileManager.default.contents(atPath: path) else {
            lines = []
            diagnostics.append(Diagnostic(.error, at: SourceMark(file: path, line: 1, column: 1), "cannot be read"))
            return
        }
        let bytes = [UInt8](data)
        lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        do {
            guard let root = try YAMLParser().parse(bytes: bytes, file: path) else { return }
            read(root)
        } catch {
            report(error.mark, error.message)
        }
    }

    private mutating func read(_ root: YAMLNode) {
        guard let entries = root.mapping else {
            report(root.mark, "a rule test file is a mapping with `cases:` (and optionally `events:`)")
            return
        }
        for entry in entries where entry.key.text == "events" {
            for named in entry.value.mapping ?? [] {
                if let event = eventJSON(named.value, at: named.value.mark) {
                    namedEvents[named.key.text] = (event, named.keyMark)
                }
            }
        }
        for entry in entries {
            switch entry.key.text {
            case "events": break
            case "cases":
                guard let items = entry.value.sequence else {
                    report(entry.value.mark, "`cases:` must be a sequence of cases (`- name: …`)")
                    continue
                }
                var names = Set<String>()
                for item in items {
                    guard let testCase = readCase(item) else { continue }
                    if !names.insert(testCase.name).inserted {
                        report(item.mark, "a case named \"\(testCase.name)\" is already in this file")
                        continue
                    }
                    cases.append(testCase)
                }
            default:
                report(
                    entry.keyMark,
                    "unknown key \"\(entry.key.text)\"\(hint(entry.key.text, ["cases", "events"])); a test file has `cases:` and `events:`"
                )
            }
        }
    }

    /// An event given as an inline mapping or `{ event_file: PATH }`.
    private mutating func eventJSON(_ node: YAMLNode, at mark: SourceMark) -> JSONValue? {
        if let entries = node.mapping, entries.count == 1, entries[0].key.text == "event_file" {
            return loadFile(entries[0].value)
        }
        guard node.mapping != nil else {
            report(node.mark, "an event is a mapping in the event contract's shape, or `{ event_file: PATH }`")
            return nil
        }
        return node.jsonValue
    }

    private mutating func loadFile(_ node: YAMLNode) -> JSONValue? {
        guard let relative = node.scalar?.text else {
            report(node.mark, "event_file must be a path")
            return nil
        }
        let directory = (file as NSString).deletingLastPathComponent
        let path = relative.hasPrefix("/") ? relative : (directory as NSString).appendingPathComponent(relative)
        guard let data = FileManager.default.contents(atPath: path) else {
            report(node.mark, "cannot read the event file \(relative) (looked for \(path))")
            return nil
        }
        let text = String(decoding: data, as: UTF8.self)
        // Event files are JSON, which is YAML: the YAML layer gives their values.
        do {
            return try YAMLParser().parse(text, file: path)?.jsonValue
        } catch {
            report(node.mark, "the event file \(relative) is not valid JSON: \(error.description)")
            return nil
        }
    }

    private mutating func readCase(_ node: YAMLNode) -> RuleTestCase? {
        guard let values = keyed(node, allowed: Self.caseKeys, what: "a case") else {
            report(node.mark, "a case is a mapping with `name:`, an event (or a `sequence:`) and expectations")
            return nil
        }
        guard let name = values["name"]?.scalar?.text, !name.isEmpty else {
            report(node.mark, "a case needs a `name:`")
            return nil
        }
        guard let sequence = values["sequence"] else { return readStep(node, values, name: name) }
        let misplaced = values.keys.filter { $0 != "name" && $0 != "sequence" }.sorted()
        if !misplaced.isEmpty {
            report(
                node.mark,
                "the case \"\(name)\" has a `sequence:`; its events, clocks and expectations go in the steps, not beside it (\(misplaced.joined(separator: ", ")))"
            )
            return nil
        }
        guard let items = sequence.sequence, !items.isEmpty else {
            report(sequence.mark, "a sequence is a list of steps, each an event and what to expect after it")
            return nil
        }
        var steps: [RuleTestCase] = []
        for (index, item) in items.enumerated() {
            guard let stepValues = keyed(item, allowed: Self.stepKeys, what: "a step") else {
                report(item.mark, "a step is a mapping: an event (`event:`, `event_file:` or `base:`) and expectations")
                return nil
            }
            guard let step = readStep(item, stepValues, name: "\(name), step \(index + 1)") else { return nil }
            steps.append(step)
        }
        var testCase = steps[steps.count - 1]
        testCase.name = name
        testCase.mark = node.mark
        testCase.steps = steps
        return testCase
    }

    /// The entries of a mapping by key, reporting keys not in `allowed`; `nil` when not a mapping.
    private mutating func keyed(_ node: YAMLNode, allowed: [String], what: String) -> [String: YAMLNode]? {
        guard let entries = node.mapping else { return nil }
        var values: [String: YAMLNode] = [:]
        for entry in entries {
            if allowed.contains(entry.key.text) {
                values[entry.key.text] = entry.value
            } else {
                report(entry.keyMark, "unknown key \"\(entry.key.text)\" in \(what)\(hint(entry.key.text, allowed))")
            }
        }
        return values
    }

    /// A case's (or a step's) event, clock, history and expectations.
    private mutating func readStep(_ node: YAMLNode, _ values: [String: YAMLNode], name: String) -> RuleTestCase? {
        // The event: inline, from a file, or a base with a patch.
        var json: JSONValue?
        let sources = ["event", "event_file", "base"].filter { values[$0] != nil }
        if sources.count != 1 {
            report(node.mark, "the case \"\(name)\" needs exactly one of `event:`, `event_file:` or `base:`")
            return nil
        }
        if let inline = values["event"] {
            json = eventJSON(inline, at: inline.mark)
        } else if let path = values["event_file"] {
            json = loadFile(path)
        } else if let base = values["base"] {
            if let name = base.scalar?.text, let named = namedEvents[name] {
                json = named.0
            } else if base.scalar?.text.hasSuffix(".json") == true {
                json = loadFile(base)
            } else {
                report(
                    base.mark,
                    "no event named \"\(base.scalar?.text ?? "")\" under `events:`\(hint(base.scalar?.text ?? "", Array(namedEvents.keys))), and not a .json file"
                )
            }
        }
        if let patch = values["patch"] {
            guard patch.mapping != nil else {
                report(patch.mark, "a patch is a mapping merged into the event (JSON Merge Patch: null deletes a key)")
                return nil
            }
            json = json?.merged(with: patch.jsonValue)
        }
        guard let json else { return nil }
        let event: Event
        do {
            event = try EventDecoder().decode(json: json)
        } catch {
            let mark =
                values["patch"]?.mark ?? (values["event"] ?? values["event_file"] ?? values["base"])?.mark ?? node.mark
            report(
                mark,
                "the event of \"\(name)\" is not valid: " + error.errors.map(\.description).joined(separator: "; "))
            return nil
        }
        var testCase = RuleTestCase(
            file: file, name: name, mark: node.mark, event: event, now: nil, history: [])
        if let now = values["now"] {
            guard let text = now.scalar?.text, let time = Timestamp(rfc3339: text) else {
                report(now.mark, "now must be an RFC 3339 date-time, e.g. 2026-11-22T12:00:00-05:00")
                return nil
            }
            testCase.now = time
        }
        for item in values["history"]?.sequence ?? [] {
            // A history event: the name of one under `events:`, inline, or `{ event_file: PATH }`.
            let named = item.scalar.flatMap { namedEvents[$0.text]?.0 }
            if let scalar = item.scalar, named == nil {
                report(
                    item.mark,
                    "no event named \"\(scalar.text)\" under `events:`\(hint(scalar.text, Array(namedEvents.keys)))")
                continue
            }
            guard let history = named ?? eventJSON(item, at: item.mark) else { continue }
            do {
                testCase.history.append(try EventDecoder().decode(json: history))
            } catch {
                report(
                    item.mark,
                    "a history event is not valid: " + error.errors.map(\.description).joined(separator: "; "))
            }
        }
        readExpectations(values, into: &testCase)
        return testCase
    }

    private mutating func readExpectations(_ values: [String: YAMLNode], into testCase: inout RuleTestCase) {
        for entry in values["scores"]?.mapping ?? [] {
            let parts = entry.key.text.split(separator: ".", maxSplits: 1).map(String.init)
            guard let scalar = entry.value.scalar, let value = Double(scalar.text) else {
                report(entry.value.mark, "an expected score is a number")
                continue
            }
            testCase.scores.append(
                .init(score: parts[0], part: parts.count > 1 ? parts[1] : nil, value: value, mark: entry.keyMark))
        }
        testCase.fires = ruleList(values["fires"])
        testCase.doesNotFire = ruleList(values["does_not_fire"])
        if let alerts = values["alerts"] {
            var expected: [RuleTestCase.AlertExpectation] = []
            for item in alerts.sequence ?? [] {
                guard let entries = item.mapping, let referral = item["referral"]?.scalar?.text else {
                    report(item.mark, "an expected alert is a mapping with `referral:` (and `priority:`, `rules:`)")
                    continue
                }
                var alert = RuleTestCase.AlertExpectation(referral: referral, mark: item.mark)
                for entry in entries {
                    switch entry.key.text {
                    case "referral": break
                    case "priority":
                        alert.priority = entry.value.scalar.flatMap { Priority(rawValue: $0.text) }
                        if alert.priority == nil {
                            report(entry.value.mark, "priority must be one of critical, high, medium, low")
                        }
                    case "rules": alert.rules = ruleList(entry.value).map(\.id)
                    default:
                        report(
                            entry.keyMark,
                            "unknown key \"\(entry.key.text)\" in an expected alert\(hint(entry.key.text, ["referral", "priority", "rules"]))"
                        )
                    }
                }
                expected.append(alert)
            }
            testCase.alerts = expected
        }
        testCase.suppressed = ruleList(values["suppressed"])
        if let escalated = values["escalated"] { testCase.escalated = ruleList(escalated).map { ($0.id, $0.mark) } }
        if let withdrawn = values["withdrawn"] { testCase.withdrawn = ruleList(withdrawn).map { ($0.id, $0.mark) } }
        testCase.checksSuppressed = values["suppressed"] != nil
        testCase.onlySomeAlerts = flag(values["only_some_alerts"])
        testCase.noAlerts = flag(values["no_alerts"])
        if let reasons = values["reason_contains"] {
            if let entries = reasons.mapping {
                for entry in entries {
                    testCase.reasonContains.append(
                        .init(rule: entry.key.text, text: entry.value.scalar?.text ?? "", mark: entry.keyMark))
                }
            } else {
                for item in reasons.sequence ?? [reasons] {
                    testCase.reasonContains.append(.init(rule: nil, text: item.scalar?.text ?? "", mark: item.mark))
                }
            }
        }
    }

    private mutating func ruleList(_ node: YAMLNode?) -> [(id: String, mark: SourceMark)] {
        guard let node else { return [] }
        if let scalar = node.scalar, !scalar.isNull { return [(scalar.text, node.mark)] }
        return (node.sequence ?? []).compactMap { item in item.scalar.map { ($0.text, item.mark) } }
    }

    private mutating func flag(_ node: YAMLNode?) -> Bool {
        guard let node else { return false }
        guard let text = node.scalar?.text, text == "true" || text == "false" else {
            report(node.mark, "must be true or false")
            return false
        }
        return text == "true"
    }

    private func hint(_ name: String, _ candidates: [String]) -> String {
        Suggestions.hint(for: name, among: candidates)
    }

    private mutating func report(_ mark: SourceMark, _ message: String) {
        let line = mark.line >= 1 && mark.line <= lines.count ? String(lines[mark.line - 1]) : nil
        diagnostics.append(Diagnostic(.error, at: mark, message, sourceLine: line))
    }
}
