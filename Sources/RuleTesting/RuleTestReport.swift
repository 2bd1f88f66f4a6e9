public import Rules

/// What a run of rule tests came to: the results, coverage of the rules, and the reports for people
/// (text) and CI servers (JUnit XML).
public struct RuleTestReport: Sendable {
    /// Every case's result, in run order.
    public var results: [RuleTestRunner.Result]
    /// The rule set the cases ran against.
    public var ruleSet: RuleSet
    /// The rules whose coverage is judged (`nil`: every enabled rule). A run filtered to a site's
    /// cases judges the site's rules, not the shipped ones its cases never meant to test.
    public var underTest: Set<String>?

    public init(results: [RuleTestRunner.Result], ruleSet: RuleSet, underTest: Set<String>? = nil) {
        self.results = results
        self.ruleSet = ruleSet
        self.underTest = underTest
    }

    public var passed: Int { results.filter(\.passed).count }
    public var failed: Int { results.count - passed }

    /// One line per case, the failures' details under them, and last `N passed, N failed`.
    public var text: String {
        var lines: [String] = []
        for result in results {
            lines.append("\(result.passed ? "ok  " : "FAIL") \(result.testCase.title)")
            guard !result.passed else { continue }
            for failure in result.failures { lines.append("       - \(failure)") }
            if !result.explanation.isEmpty {
                lines.append("     why:")
                lines += result.explanation.map { "  " + $0 }
            }
        }
        lines.append("\(passed) passed, \(failed) failed")
        return lines.joined(separator: "\n")
    }

    /// For each enabled rule: in how many cases it fired, and in how many it did not.
    public var coverage: [(rule: String, fired: Int, notFired: Int)] {
        ruleSet.rules.filter { $0.enabled && (underTest?.contains($0.id) ?? true) }.map { rule in
            let fired = results.filter { $0.fired.contains(rule.id) }.count
            return (rule.id, fired, results.count - fired)
        }
    }

    /// The enabled rules that lack a case where they fire or a case where they do not.
    public var uncovered: [String] {
        coverage.filter { $0.fired == 0 || $0.notFired == 0 }.map(\.rule)
    }

    /// The coverage table, one rule a line.
    public var coverageText: String {
        let width = max(4, coverage.map(\.rule.count).max() ?? 0)
        var lines = ["rule".padding(width) + "  fires  does not fire"]
        for row in coverage {
            let missing =
                row.fired == 0 || row.notFired == 0
                ? "  ← needs a case where it \(row.fired == 0 ? "fires" : "does not fire")" : ""
            lines.append(
                row.rule.padding(width) + "  " + String(row.fired).padding(5) + "  " + String(row.notFired) + missing)
        }
        return lines.joined(separator: "\n")
    }

    /// JUnit XML, one test suite per test file, as Jenkins, GitLab and GitHub Actions read it.
    public var junitXML: String {
        var files: [String] = []
        var byFile: [String: [RuleTestRunner.Result]] = [:]
        for result in results {
            if byFile[result.testCase.file] == nil { files.append(result.testCase.file) }
            byFile[result.testCase.file, default: []].append(result)
        }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"riskscreen rule tests\" tests=\"\(results.count)\" failures=\"\(failed)\">\n"
        for file in files {
            let suite = byFile[file] ?? []
            let failures = suite.filter { !$0.passed }.count
            xml +=
                "  <testsuite name=\"\(escape(file))\" tests=\"\(suite.count)\" failures=\"\(failures)\" errors=\"0\">\n"
            for result in suite {
                xml += "    <testcase classname=\"\(escape(file))\" name=\"\(escape(result.testCase.name))\""
                if result.passed {
                    xml += "/>\n"
                } else {
                    xml += ">\n      <failure message=\"\(escape(result.failures.first ?? ""))\">"
                    xml += escape((result.failures + [""] + result.explanation).joined(separator: "\n"))
                    xml += "</failure>\n    </testcase>\n"
                }
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    private func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\n", "\t": result.unicodeScalars.append(scalar)
            default:
                // XML 1.0 has no way to carry other control characters.
                if scalar.value < 0x20 { result += "?" } else { result.unicodeScalars.append(scalar) }
            }
        }
        return result
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
