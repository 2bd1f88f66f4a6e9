public import Events
import Foundation
public import Rules

/// How well the readmission rules and scores predicted what happened next, from the archive
/// itself: each hospital discharge (inpatient or observation) against the patient's later
/// admissions in the archive.
///
/// A discharge is **readmitted** when the same patient has an admission (inpatient or
/// observation, another encounter, not cancelled later) that begins after the discharge and within
/// the window (30 days), and that admission is **not planned** as the rule set's
/// `planned_admission` condition says (rules/planned-readmission.yaml, the CMS Planned Readmission
/// Algorithm). Discharges too recent to have the whole window in the archive are left out and
/// counted, as are deaths (nobody is readmitted after `expired`).
public struct Backtest: Sendable {
    /// One hospital discharge: which encounter, when, and what each rule set said of it — compact,
    /// as there is one per discharge in the archive.
    struct Discharge: Sendable, Equatable {
        var encounterID: String
        var dischargedAt: Moment
        var expired: Bool
        /// Per rule set (baseline, candidate): the readmission rules whose findings the discharge
        /// had, by position in `readmissionRules` (empty, as most are, costs nothing).
        var rules: [[Int32]]
        /// Per rule set: LACE and HOSPITAL (NaN: not scored).
        var lace: [Float]
        var hospital: [Float]

        func score(_ side: Int, _ name: String) -> Double? {
            let value = name == "lace" ? lace[side] : hospital[side]
            return value.isNaN ? nil : Double(value)
        }

        static func == (a: Discharge, b: Discharge) -> Bool {
            a.encounterID == b.encounterID && a.dischargedAt == b.dischargedAt && a.expired == b.expired
                && a.rules == b.rules && a.lace.map(\.bitPattern) == b.lace.map(\.bitPattern)
                && a.hospital.map(\.bitPattern) == b.hospital.map(\.bitPattern)
        }
    }

    /// An instant without its text (the backtest keeps one per discharge and admission).
    struct Moment: Sendable, Comparable {
        var seconds: Int64
        var nanoseconds: Int32

        init(_ timestamp: Timestamp) {
            seconds = timestamp.secondsSinceEpoch
            nanoseconds = timestamp.nanoseconds
        }

        init(seconds: Int64, nanoseconds: Int32) {
            self.seconds = seconds
            self.nanoseconds = nanoseconds
        }

        static func < (a: Moment, b: Moment) -> Bool { (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds) }
    }

    /// One admission: which encounter, when it began, whether planned.
    struct Admission: Sendable, Equatable {
        var encounterID: String
        var admittedAt: Moment
        var planned: Bool
    }

    /// What the backtest keeps of one patient, with the patient's replay state (so it is packed
    /// and written out with it): hospital discharges and admissions, and the encounters cancelled.
    struct Patient: Sendable, Equatable {
        var discharges: [Discharge] = []
        var admissions: [Admission] = []
        var cancelled: [String] = []
    }

    /// The rules that predict a readmission at discharge (category readmission, read at
    /// discharges), per rule set.
    public let readmissionRules: [[String]]

    public var windowDays: Int
    /// Whether a rule set declares `planned_admission` (else every admission counts as unplanned).
    public internal(set) var knowsPlanned = false
    var lastEvent: Timestamp?

    public init(windowDays: Int = 30, ruleSets: [RuleSet]) {
        self.windowDays = windowDays
        readmissionRules = ruleSets.map(Self.readmissionRules)
    }

    /// A rule set's readmission rules: enabled, category `readmission`, read at discharges.
    public static func readmissionRules(_ ruleSet: RuleSet) -> [String] {
        ruleSet.rules.filter { rule in
            rule.enabled && rule.category == "readmission"
                && (rule.events ?? RuleSet.defaultEvents).contains(.discharge)
        }.map(\.id)
    }

    static func isHospitalStay(_ event: Event) -> Bool {
        switch event.encounter.encounterClass {
        case .inpatient, .observation, nil: true
        default: false
        }
    }

    /// Takes one replayed event of `patient`, with each rule set's evaluation of it (baseline,
    /// candidate).
    mutating func record(_ event: Event, evaluations: [Evaluation?], rules: [RuleSet], patient: inout Patient) {
        if lastEvent.map({ event.occurredAt > $0 }) ?? true { lastEvent = event.occurredAt }
        switch event.eventType {
        case .discharge where Self.isHospitalStay(event):
            guard let dischargedAt = event.encounter.dischargedAt else { return }
            func fired(_ side: Int) -> [Int32] {
                (evaluations[side]?.findings ?? []).compactMap { finding in
                    readmissionRules[side].firstIndex(of: finding.ruleID).map(Int32.init)
                }
            }
            func score(_ side: Int, _ name: String) -> Float {
                (evaluations[side]?.scores.first { $0.name == name }).map { Float($0.value) } ?? .nan
            }
            patient.discharges.append(
                Discharge(
                    encounterID: event.encounter.id, dischargedAt: Moment(dischargedAt),
                    expired: event.encounter.dischargeDisposition == .expired, rules: [fired(0), fired(1)],
                    lace: [score(0, "lace"), score(1, "lace")], hospital: [score(0, "hospital"), score(1, "hospital")]))
        case .admission where Self.isHospitalStay(event):
            // The candidate's definition of planned, else the baseline's.
            var planned = false
            for ruleSet in rules.reversed() {
                if let value = ruleSet.condition("planned_admission", for: event, now: event.occurredAt) {
                    planned = value
                    knowsPlanned = true
                    break
                }
            }
            patient.admissions.append(
                Admission(
                    encounterID: event.encounter.id, admittedAt: Moment(event.encounter.admittedAt), planned: planned))
        case .cancelAdmission:
            if !patient.cancelled.contains(event.encounter.id) { patient.cancelled.append(event.encounter.id) }
        default:
            break
        }
    }

    /// The figures, for the readmission rules of each rule set and the scores LACE and HOSPITAL,
    /// from every patient's discharges and admissions (`patients` gives each patient once).
    func result(_ patients: ((Patient) throws -> Void) throws -> Void) rethrows -> BacktestResult {
        var result = BacktestResult(windowDays: windowDays, knowsPlanned: knowsPlanned)
        guard let end = lastEvent else { return result }
        let window = Int64(windowDays) * 86_400
        result.followUpEnd = end
        // Per rule set: per rule, discharges alerted and of those readmitted; per score and band,
        // discharges and readmitted (nil: the score never given).
        var alerted = readmissionRules.map { Array(repeating: 0, count: $0.count) }
        var caught = alerted
        let scoreBands = BacktestResult.publishedBands
        var bands: [[[(discharges: Int, readmitted: Int)]?]] = Array(
            repeating: Array(repeating: nil, count: scoreBands.count), count: 2)
        try patients { patient in
            for discharge in patient.discharges {
                if discharge.expired {
                    result.leftOutDied += 1
                    continue
                }
                guard discharge.dischargedAt.seconds + window <= end.secondsSinceEpoch else {
                    result.leftOutTooRecent += 1
                    continue
                }
                let readmitted = patient.admissions.contains { admission in
                    admission.encounterID != discharge.encounterID && !admission.planned
                        && !patient.cancelled.contains(admission.encounterID)
                        && admission.admittedAt > discharge.dischargedAt
                        && admission.admittedAt.seconds <= discharge.dischargedAt.seconds + window
                }
                result.discharges += 1
                if readmitted { result.readmitted += 1 }
                for side in 0..<2 {
                    for position in readmissionRules[side].indices
                    where discharge.rules[side].contains(Int32(position)) {
                        alerted[side][position] += 1
                        if readmitted { caught[side][position] += 1 }
                    }
                    for (score, (name, published)) in scoreBands.enumerated() {
                        guard let value = discharge.score(side, name) else { continue }
                        var counts = bands[side][score] ?? published.map { _ in (0, 0) }
                        for (band, definition) in published.enumerated() where definition.range.contains(value) {
                            counts[band].discharges += 1
                            if readmitted { counts[band].readmitted += 1 }
                        }
                        bands[side][score] = counts
                    }
                }
            }
        }
        for side in 0..<2 {
            let rules = readmissionRules[side].enumerated().map { position, ruleID in
                BacktestResult.RuleFigures(
                    ruleID: ruleID, alerted: alerted[side][position], truePositives: caught[side][position],
                    readmitted: result.readmitted, discharges: result.discharges)
            }
            let scores = scoreBands.enumerated().compactMap { score, entry -> BacktestResult.Calibration? in
                guard let counts = bands[side][score] else { return nil }
                return BacktestResult.Calibration(
                    score: entry.0,
                    bands: zip(entry.1, counts).map { band, count in
                        BacktestResult.Band(
                            label: band.label, low: band.range.lowerBound,
                            high: band.range.upperBound.isFinite ? band.range.upperBound : nil,
                            discharges: count.discharges, readmitted: count.readmitted, published: band.published)
                    })
            }
            if side == 0 {
                result.baselineRules = rules
                result.baselineScores = scores
            } else {
                result.candidateRules = rules
                result.candidateScores = scores
            }
        }
        return result
    }
}

/// The backtest's figures.
public struct BacktestResult: Sendable {
    /// One rule against the readmissions.
    public struct RuleFigures: Sendable, Equatable {
        public var ruleID: String
        /// Discharges with the rule's finding.
        public var alerted: Int
        /// Of those, readmitted.
        public var truePositives: Int
        /// Readmitted discharges in all.
        public var readmitted: Int
        public var discharges: Int

        /// Of the readmitted, the share the rule alerted on.
        public var sensitivity: Double? { readmitted == 0 ? nil : Double(truePositives) / Double(readmitted) }
        /// Of the alerted, the share readmitted.
        public var positivePredictiveValue: Double? { alerted == 0 ? nil : Double(truePositives) / Double(alerted) }
        public var alertsPerHundredDischarges: Double? {
            discharges == 0 ? nil : Double(alerted) * 100 / Double(discharges)
        }
        /// Alerts for each readmission caught (1 / PPV).
        public var numberNeededToAlert: Double? {
            truePositives == 0 ? nil : Double(alerted) / Double(truePositives)
        }
    }

    /// One band of a score: the observed readmission rate beside the published one.
    public struct Band: Sendable, Equatable {
        public var label: String
        public var low: Double
        /// `nil`: no upper bound.
        public var high: Double?
        public var discharges: Int
        public var readmitted: Int
        /// The published 30-day rate for the band (../shared/clinical/INSTRUMENTS.md), if one is given.
        public var published: Double?

        public var observed: Double? { discharges == 0 ? nil : Double(readmitted) / Double(discharges) }
        /// The Wilson score 95 % interval of the observed rate.
        public var interval: (low: Double, high: Double)? {
            guard discharges > 0 else { return nil }
            let n = Double(discharges)
            let p = Double(readmitted) / n
            let z = 1.959_963_984_540_054
            let denominator = 1 + z * z / n
            let center = (p + z * z / (2 * n)) / denominator
            let half = z * ((p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()) / denominator
            return (max(0, center - half), min(1, center + half))
        }
    }

    /// A score's calibration by band.
    public struct Calibration: Sendable, Equatable {
        public var score: String
        public var bands: [Band]
    }

    /// The bands of the scores, with the published rates INSTRUMENTS.md gives: HOSPITAL (Donzé et
    /// al. 2013) 0–4 ≈ 5.8 %, 5–6 ≈ 12 %, ≥ 7 ≈ 22.8 %; LACE (van Walraven et al. 2010) 0–4, 5–9,
    /// ≥ 10, for which INSTRUMENTS.md gives no rate.
    static let publishedBands: [(String, [(label: String, range: ClosedRange<Double>, published: Double?)])] = [
        (
            "lace",
            [
                ("low (0–4)", 0...4, nil), ("moderate (5–9)", 5...9, nil), ("high (≥ 10)", 10...Double.infinity, nil),
            ]
        ),
        (
            "hospital",
            [
                ("low (0–4)", 0...4, 0.058), ("intermediate (5–6)", 5...6, 0.12),
                ("high (≥ 7)", 7...Double.infinity, 0.228),
            ]
        ),
    ]

    public var windowDays: Int
    /// Whether the rules define `planned_admission` (else every later admission counted).
    public var knowsPlanned: Bool
    /// The archive's last event: the end of follow-up.
    public var followUpEnd: Timestamp?
    /// Discharges with the whole window in the archive (the denominator).
    public var discharges = 0
    public var readmitted = 0
    /// Discharges left out: too recent for the whole window; the patient died.
    public var leftOutTooRecent = 0
    public var leftOutDied = 0
    public var baselineRules: [RuleFigures] = []
    public var candidateRules: [RuleFigures] = []
    public var baselineScores: [Calibration] = []
    public var candidateScores: [Calibration] = []

    init(windowDays: Int, knowsPlanned: Bool) {
        self.windowDays = windowDays
        self.knowsPlanned = knowsPlanned
    }
}
