import Events
import Foundation
import Testing

@testable import Rules

/// The shipped scores against the worked examples of `../shared/clinical/INSTRUMENTS.md`, at every
/// band boundary.
@Suite("The shipped instruments: LACE, Charlson, HOSPITAL, MCSI")
struct ShippedScoreTests {
    let rules: RuleSet

    init() throws { rules = try RuleTestSupport.shipped() }

    /// A discharge whose stay is `days` local midnights long.
    private func stay(_ days: Int, _ change: (inout [String: Any]) -> Void = { _ in }) throws -> Event {
        let admitted = LocalDate(daysSinceEpoch: LocalDate(year: 2026, month: 11, day: 22)!.daysSinceEpoch - days)
        return try RuleTestSupport.event {
            RuleTestSupport.set(&$0, ["encounter", "admitted_at"], "\(admitted)T23:00:00-05:00")
            RuleTestSupport.set(&$0, ["encounter", "discharged_at"], "2026-11-22T23:30:00-05:00")
            $0["occurred_at"] = "2026-11-22T23:30:00-05:00"
            change(&$0)
        }
    }

    private func diagnoses(_ codes: [String]) -> (inout [String: Any]) -> Void {
        { $0["diagnoses"] = codes.map { ["code": $0, "system": "icd10"] } }
    }

    // MARK: LACE

    @Test(
        "LACE L: <1 → 0; 1 → 1; 2 → 2; 3 → 3; 4–6 → 4; 7–13 → 5; ≥14 → 7",
        arguments: [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (6, 4), (7, 5), (13, 5), (14, 7), (30, 7)])
    func laceLength(_ days: Int, _ points: Double) throws {
        #expect(rules.part("lace", "L", try stay(days)) == points)
    }

    @Test("LACE A: 3 for an emergency admission, else 0")
    func laceAcute() throws {
        #expect(
            rules.part(
                "lace", "A", try stay(1) { RuleTestSupport.set(&$0, ["encounter", "admission_type"], "emergency") })
                == 3)
        #expect(
            rules.part(
                "lace", "A", try stay(1) { RuleTestSupport.set(&$0, ["encounter", "admission_type"], "urgent") }) == 0)
        #expect(rules.part("lace", "A", try stay(1)) == 0)
    }

    @Test(
        "LACE C: Charlson 0 → 0; 1 → 1; 2 → 2; 3 → 3; ≥4 → 5",
        arguments: [
            ([String](), 0.0, 0.0), (["I50.9"], 1, 1), (["I50.9", "I21.4"], 2, 2), (["I50.9", "I21.4", "J44.9"], 3, 3),
            (["I50.9", "I21.4", "J44.9", "F03.90"], 4, 5), (["N18.4", "E11.22"], 4, 5), (["C78.00"], 6, 5),
        ] as [([String], Double, Double)])
    func laceComorbidity(_ codes: [String], _ charlson: Double, _ points: Double) throws {
        let event = try stay(2, diagnoses(codes))
        #expect(rules.score("charlson", event) == charlson)
        #expect(rules.part("lace", "C", event) == points)
    }

    @Test("LACE E: ED visits in six months, capped at 4", arguments: [(0, 0), (1, 1), (3, 3), (4, 4), (5, 4), (12, 4)])
    func laceEmergencyVisits(_ visits: Int, _ points: Double) throws {
        #expect(rules.part("lace", "E", try stay(1) { $0["utilization"] = ["ed_visits_6mo": visits] }) == points)
    }

    @Test("LACE E with no ED count scores 0 and is reported missing")
    func laceMissingVisits() throws {
        let lace = rules.evaluate(try stay(1), now: RuleTestSupport.now).scores.first { $0.name == "lace" }
        #expect(lace?.parts.first { $0.id == "E" }?.missing == true)
        #expect(lace?.parts.first { $0.id == "E" }?.points == 0)
    }

    @Test("LACE ≥ 10 fires the high readmission rule; 9 does not")
    func laceThreshold() throws {
        // L 4 (4 days) + A 3 + C 0 + E 3 = 10; one ED visit fewer = 9.
        let ten = try stay(4) {
            RuleTestSupport.set(&$0, ["encounter", "admission_type"], "emergency")
            $0["utilization"] = ["ed_visits_6mo": 3]
        }
        #expect(rules.score("lace", ten) == 10)
        let finding = rules.evaluate(ten, now: RuleTestSupport.now).findings.first {
            $0.ruleID == "readmission.lace-high"
        }
        #expect(finding?.priority == .high)
        #expect(finding?.referral == "discharge-planning")
        let nine = try stay(4) {
            RuleTestSupport.set(&$0, ["encounter", "admission_type"], "emergency")
            $0["utilization"] = ["ed_visits_6mo": 2]
        }
        #expect(rules.score("lace", nine) == 9)
        #expect(!rules.fired(nine).contains("readmission.lace-high"))
    }

    // MARK: Charlson

    @Test(
        "Charlson counts only the severe member of each pair",
        arguments: [
            (["K70.30"], 1.0), (["K70.40"], 3), (["K70.30", "K70.40"], 3),  // mild / severe liver
            (["E11.9"], 1), (["E11.22"], 2), (["E11.9", "E11.22"], 2),  // diabetes without / with complications
            (["C34.11"], 2), (["C79.51"], 6), (["C34.11", "C79.51"], 6),  // malignancy / metastatic
        ] as [([String], Double)])
    func charlsonHierarchy(_ codes: [String], _ expected: Double) throws {
        #expect(rules.score("charlson", try stay(1, diagnoses(codes))) == expected)
    }

    @Test("a Charlson category counts once however many codes fall in it")
    func charlsonOncePerCategory() throws {
        #expect(rules.score("charlson", try stay(1, diagnoses(["I50.1", "I50.9", "I11.0"]))) == 1)
    }

    @Test(
        "every Charlson category with its 1987 weight",
        arguments: [
            ("I21.0", 1.0), ("I50.9", 1), ("I70.0", 1), ("I63.9", 1), ("G30.1", 1), ("J44.9", 1), ("M05.79", 1),
            ("K25.0", 1),
            ("B18.2", 1), ("E10.9", 1), ("E10.4", 2), ("G81.9", 2), ("N18.6", 2), ("C50.9", 2), ("I85.0", 3),
            ("C77.0", 6),
            ("B20", 6),
        ] as [(String, Double)])
    func charlsonWeights(_ code: String, _ weight: Double) throws {
        #expect(rules.score("charlson", try stay(1, diagnoses([code]))) == weight)
    }

    @Test(
        "codes just outside Charlson's ranges do not count",
        arguments: ["I59.9", "I70", "K70.4", "C26.9", "C27", "E15", "K704"])
    func charlsonBoundaries(_ code: String) throws {
        // I70 and K70.4/K704 count, elsewhere: checked separately.
        let value = rules.score("charlson", try stay(1, diagnoses([code])))
        switch code {
        case "I70": #expect(value == 1)
        case "K70.4", "K704": #expect(value == 3)
        case "C26.9": #expect(value == 2)
        default: #expect(value == 0)
        }
    }

    // MARK: HOSPITAL

    @Test(
        "HOSPITAL H: hemoglobin below 12.0 scores 1; exactly 12.0 scores 0",
        arguments: [(11.9, 1.0), (12.0, 0), (12.1, 0)])
    func hospitalHemoglobin(_ value: Double, _ points: Double) throws {
        #expect(
            rules.part("hospital", "H", try stay(1) { $0["labs"] = [["loinc": "718-7", "value": value]] }) == points)
    }

    @Test("HOSPITAL S: sodium below 135 scores 1; exactly 135 scores 0", arguments: [(134.9, 1.0), (135, 0), (136, 0)])
    func hospitalSodium(_ value: Double, _ points: Double) throws {
        #expect(
            rules.part("hospital", "S", try stay(1) { $0["labs"] = [["loinc": "2951-2", "value": value]] }) == points)
    }

    @Test("HOSPITAL reads the latest lab, and reports a missing one as missing with 0 points")
    func hospitalLatestAndMissing() throws {
        let event = try stay(1) {
            $0["labs"] = [
                ["loinc": "718-7", "value": 13.0, "observed_at": "2026-11-22T06:00:00-05:00"],
                ["loinc": "718-7", "value": 9.0, "observed_at": "2026-11-21T06:00:00-05:00"],
            ]
        }
        let hospital = rules.evaluate(event, now: RuleTestSupport.now).scores.first { $0.name == "hospital" }
        #expect(hospital?.parts.first { $0.id == "H" }?.points == 0)
        #expect(hospital?.parts.first { $0.id == "S" }?.missing == true)
        #expect(hospital?.parts.first { $0.id == "S" }?.points == 0)
    }

    @Test(
        "HOSPITAL T: admissions in 12 months 0–1 → 0; 2–5 → 2; >5 → 5",
        arguments: [(0, 0.0), (1, 0), (2, 2), (5, 2), (6, 5), (9, 5)])
    func hospitalAdmissions(_ admissions: Int, _ points: Double) throws {
        #expect(
            rules.part("hospital", "T", try stay(1) { $0["utilization"] = ["admissions_12mo": admissions] }) == points)
    }

    @Test("HOSPITAL O, P, I and A")
    func hospitalOtherItems() throws {
        #expect(
            rules.part(
                "hospital", "O",
                try stay(1) { RuleTestSupport.set(&$0, ["encounter", "service"], "hematology_oncology") }) == 2)
        #expect(
            rules.part(
                "hospital", "O", try stay(1) { RuleTestSupport.set(&$0, ["encounter", "service"], "cardiology") }) == 0)
        #expect(
            rules.part(
                "hospital", "P",
                try stay(1) { RuleTestSupport.set(&$0, ["encounter", "procedures"], [["code": "36561"]]) }) == 1)
        #expect(rules.part("hospital", "P", try stay(1)) == 0)
        for (type, points) in [("emergency", 1.0), ("urgent", 1), ("elective", 0)] {
            #expect(
                rules.part(
                    "hospital", "I", try stay(1) { RuleTestSupport.set(&$0, ["encounter", "admission_type"], type) })
                    == points)
        }
        #expect(rules.part("hospital", "A", try stay(4)) == 0)
        #expect(rules.part("hospital", "A", try stay(5)) == 2)
    }

    @Test(
        "HOSPITAL ≥ 7 is high, 5–6 intermediate (medium), 4 neither",
        arguments: [
            (7, "readmission.hospital-high"), (6, "readmission.hospital-intermediate"),
            (5, "readmission.hospital-intermediate"), (4, ""),
        ])
    func hospitalBands(_ total: Int, _ rule: String) throws {
        // O 2 + A 2 (5 days) = 4; + I 1 (urgent) = 5; + P 1 = 6; + H 1 (hemoglobin 11) = 7.
        let event = try stay(5) {
            RuleTestSupport.set(&$0, ["encounter", "service"], "oncology")
            RuleTestSupport.set(&$0, ["encounter", "admission_type"], total >= 5 ? "urgent" : "elective")
            if total >= 6 { RuleTestSupport.set(&$0, ["encounter", "procedures"], [["code": "36561"]]) }
            $0["labs"] = [["loinc": "718-7", "value": total >= 7 ? 11 : 13], ["loinc": "2951-2", "value": 140]]
        }
        #expect(rules.score("hospital", event) == Double(total))
        let fired = rules.evaluate(event, now: RuleTestSupport.now).findings.filter {
            $0.ruleID.hasPrefix("readmission.hospital")
        }
        #expect(fired.map(\.ruleID) == (rule.isEmpty ? [] : [rule]))
        #expect(fired.first?.priority == (total >= 7 ? .high : (rule.isEmpty ? nil : .medium)))
    }

    // MARK: MCSI

    @Test("MCSI is the sum of its 13 items; 13 (local policy) fires the strain rule, 12 does not")
    func mcsi() throws {
        let items = [2, 2, 2, 2, 1, 1, 1, 1, 1, 0, 0, 0, 0]  // 13
        let strained = try RuleTestSupport.event { $0["social"] = ["caregiver": ["mcsi_items": items, "age": 60]] }
        #expect(rules.score("mcsi", strained) == 13)
        let finding = rules.evaluate(strained, now: RuleTestSupport.now).findings.first {
            $0.ruleID == "caregiver.strain-mcsi"
        }
        #expect(finding?.priority == .medium)
        #expect(finding?.referral == "caregiver-support")
        var fewer = items
        fewer[0] = 1
        let twelve = try RuleTestSupport.event { $0["social"] = ["caregiver": ["mcsi_items": fewer, "age": 60]] }
        #expect(rules.score("mcsi", twelve) == 12)
        #expect(!rules.fired(twelve).contains("caregiver.strain-mcsi"))
    }

    @Test("the reference event scores as computed by hand: Charlson 7, LACE 16, HOSPITAL 8, MCSI 19")
    func referenceEvent() throws {
        let url = RuleTestSupport.packageRoot.deletingLastPathComponent().appendingPathComponent(
            "shared/data/reference-event.json")
        guard let data = try? Data(contentsOf: url) else { return }
        let event = try EventDecoder().decode([UInt8](data))
        let scores = Dictionary(
            uniqueKeysWithValues: rules.evaluate(event, now: RuleTestSupport.now).scores.map { ($0.name, $0.value) })
        #expect(scores == ["charlson": 7, "lace": 16, "hospital": 8, "mcsi": 19])
    }
}
