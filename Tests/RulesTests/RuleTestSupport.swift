import Events
import Foundation
import Rules
import TestSupport
import YAMLDocument

/// Helpers that load rules from text and build events from a minimal valid one, so each test shows
/// only the rule and the data it is about.
enum RuleTestSupport {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let shippedRules = packageRoot.appendingPathComponent("rules").path
    static let now = Timestamp(rfc3339: "2026-11-22T12:00:00Z")!

    /// Loads rule files given as text (named `rules/a.yaml`, `rules/b.yaml`, … in order).
    static func load(_ texts: String...) -> RuleSetLoader.Result {
        RuleSetLoader().load(
            sources: texts.enumerated().map { index, text in
                (name: "rules/\(Character(Unicode.Scalar(UInt8(97 + index)))).yaml", bytes: Array(text.utf8))
            })
    }

    /// The rule set from text, or `nil` with the diagnostics printed into the failure.
    static func ruleSet(_ texts: String...) throws -> RuleSet {
        let result = RuleSetLoader().load(
            sources: texts.enumerated().map { index, text in
                (name: "rules/\(Character(Unicode.Scalar(UInt8(97 + index)))).yaml", bytes: Array(text.utf8))
            })
        guard let ruleSet = result.ruleSet else {
            throw RuleLoadFailure(diagnostics: result.diagnostics.map(\.description))
        }
        return ruleSet
    }

    /// The shipped rule set.
    static func shipped() throws -> RuleSet {
        let result = RuleSetLoader().load(paths: [shippedRules])
        guard let ruleSet = result.ruleSet else {
            throw RuleLoadFailure(diagnostics: result.diagnostics.map(\.description))
        }
        return ruleSet
    }

    /// A minimal valid discharge, changed by `change`.
    static func event(_ change: (inout [String: Any]) -> Void = { _ in }) throws -> Event {
        var object: [String: Any] = [
            "schema_version": 1, "event_id": "T-1", "event_type": "discharge",
            "occurred_at": "2026-11-22T10:00:00-05:00",
            "patient": ["id": "S-1", "birth_date": "1950-06-15"],
            "encounter": [
                "id": "E-1", "admitted_at": "2026-11-20T10:00:00-05:00", "discharged_at": "2026-11-22T10:00:00-05:00",
            ],
        ]
        change(&object)
        let data = try JSONSerialization.data(withJSONObject: object)
        return try EventDecoder().decode([UInt8](data))
    }

    /// Sets `value` at a nested key path such as `["encounter", "admitted_at"]`.
    static func set(_ object: inout [String: Any], _ path: [String], _ value: Any?) {
        KeyPaths.set(&object, path, value)
    }

    /// Diagnostics as `line:column: severity: message`, without the file.
    static func problems(_ result: RuleSetLoader.Result) -> [String] {
        result.diagnostics.map { "\($0.mark.line):\($0.mark.column): \($0.severity.rawValue): \($0.message)" }
    }
}

struct RuleLoadFailure: Error, CustomStringConvertible {
    var diagnostics: [String]
    var description: String { diagnostics.joined(separator: "\n") }
}

extension RuleSet {
    /// The ids of the rules that fire for `event`.
    func fired(_ event: Event) -> [String] {
        evaluate(event, now: RuleTestSupport.now).findings.map(\.ruleID)
    }

    /// The value of score `name` for `event`.
    func score(_ name: String, _ event: Event) -> Double? {
        evaluate(event, now: RuleTestSupport.now).scores.first { $0.name == name }?.value
    }

    /// The points of one part of a score.
    func part(_ name: String, _ part: String, _ event: Event) -> Double? {
        evaluate(event, now: RuleTestSupport.now).scores.first { $0.name == name }?.parts.first { $0.id == part }?
            .points
    }
}
