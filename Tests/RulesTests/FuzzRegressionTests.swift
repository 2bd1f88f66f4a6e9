import Foundation
import Rules
import Testing

/// Inputs that fuzzing (scripts/fuzz) found a crash or hang with, kept in Tests/Fixtures/fuzz:
/// each must now be loaded or refused, promptly, with a located error.
@Suite("Fuzzing's findings stay fixed")
struct FuzzRegressionTests {
    static let directory = RuleTestSupport.packageRoot.appendingPathComponent("Tests/Fixtures/fuzz")

    /// An expression as a YAML double-quoted scalar, every unusual character escaped.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            if scalar.isASCII && scalar.value >= 0x20 && scalar != "\"" && scalar != "\\" {
                result.unicodeScalars.append(scalar)
            } else {
                let hex = String(scalar.value, radix: 16)
                result += "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
            }
        }
        return result + "\""
    }

    @Test("each expression that hung or crashed the rule loader is refused with an error")
    func expressions() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter {
            $0.hasPrefix("expression-")
        }
        #expect(!files.isEmpty)
        for file in files {
            let data = try Data(contentsOf: Self.directory.appendingPathComponent(file))
            let text = String(decoding: data, as: UTF8.self)
            let rule = """
                rules:
                  - { id: fuzz, title: F, category: c, when: \(Self.quoted(text)), priority: high, referral: x }
                """
            let result = RuleTestSupport.load(rule)
            #expect(result.ruleSet == nil, "\(file) loaded")
            #expect(result.diagnostics.contains { $0.severity == .error }, "\(file): \(result.diagnostics)")
        }
    }
}
