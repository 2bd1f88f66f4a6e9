import Foundation
import Rules
import YAMLDocument

/// Where the conditions, lists and scores of rule directories that were not loaded are declared, so
/// that `riskscreen check site` can say that a name it cannot resolve is defined in the shipped
/// rules (and to check them together) instead of only "unknown".
struct OtherDefinitions {
    /// Name → (kind, file).
    private var declared: [String: (kind: String, file: String)] = [:]

    /// Reads the top-level `conditions:`, `lists:` and `scores:` of every rule file under `directories`.
    init(directories: [String]) {
        for directory in directories {
            for file in RuleSetLoader.ruleFiles(under: directory) {
                guard let data = FileManager.default.contents(atPath: file),
                    let root = try? YAMLParser().parse(bytes: [UInt8](data), file: file), let entries = root.mapping
                else { continue }
                for entry in entries {
                    let kind: String
                    switch entry.key.text {
                    case "conditions": kind = "condition"
                    case "lists": kind = "list"
                    case "scores": kind = "score"
                    default: continue
                    }
                    for item in entry.value.mapping ?? [] where declared[item.key.text] == nil {
                        declared[item.key.text] = (kind, file)
                    }
                }
            }
        }
    }

    /// `diagnostic` with a hint when the name it cannot resolve is declared in another directory.
    func hinting(_ diagnostic: Diagnostic, check paths: [String], with directory: (String) -> String) -> Diagnostic {
        guard diagnostic.severity == .error, let name = Self.unresolvedName(in: diagnostic.message),
            let (kind, file) = declared[name]
        else { return diagnostic }
        var hinted = diagnostic
        let together = ([directory(file)] + paths).joined(separator: " ")
        hinted.message +=
            "; \"\(name)\" is a \(kind) declared in \(file), a directory not loaded here: check the directories together, `riskscreen check \(together)`"
        return hinted
    }

    /// The name in "unknown field or name "X"" or "unknown score "X"".
    static func unresolvedName(in message: String) -> String? {
        for prefix in ["unknown field or name \"", "unknown score \""] {
            guard let start = message.range(of: prefix)?.upperBound,
                let end = message[start...].firstIndex(of: "\"")
            else { continue }
            return String(message[start..<end])
        }
        return nil
    }
}
