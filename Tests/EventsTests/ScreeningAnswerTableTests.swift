import Events
import Foundation
import Testing

/// rules/screening-answers.tsv is the answer table a person can read beside the rules (what each
/// LOINC answer code says, and its HITS points); it must say exactly what RiskScreen uses.
@Suite("the screening answer table shipped beside the rules")
struct ScreeningAnswerTableTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("rules/screening-answers.tsv").path

    /// The table's rows as the catalog gives them, by question then answer list order.
    static func expected() -> String {
        var lines = [
            "# The answers RiskScreen reads in screening questions, as words (riskscreen queue, the worklist, rule reasons).",
            "# Source: the CMS AHC HRSN screening tool (LOINC panel 96777-8) and HITS (Sherin 1998), as in ../shared/clinical/INSTRUMENTS.md.",
            "# Codes are LOINC question and answer codes (https://loinc.org). Generated from and checked against the code by the tests.",
            "instrument\tquestion_loinc\tquestion\tanswer_loinc\tanswer_text\tpoints",
        ]
        for question in ScreeningCatalog.questions.values.sorted(by: { $0.code > $1.code }) {
            if question.answers.isEmpty, let range = question.range {
                lines.append(
                    "\(question.instrument)\t\(question.code)\t\(question.name)\t-\ta number, \(Int(range.lowerBound)) to \(Int(range.upperBound))\t-"
                )
            }
            for answer in question.answers {
                let points = answer.score.map { String(Int($0)) } ?? "-"
                lines.append(
                    "\(question.instrument)\t\(question.code)\t\(question.name)\t\(answer.code)\t\(answer.text)\t\(points)"
                )
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("the table says exactly what the catalog rules read through answer_text and answer_score holds")
    func sameAsTheCode() throws {
        let shipped = try? String(contentsOfFile: Self.path, encoding: .utf8)
        if shipped != Self.expected() {
            let fresh = FileManager.default.temporaryDirectory.appendingPathComponent("screening-answers.tsv").path
            try Self.expected().write(toFile: fresh, atomically: true, encoding: .utf8)
            Issue.record("rules/screening-answers.tsv differs from the catalog; the expected table is at \(fresh)")
        }
    }
}
