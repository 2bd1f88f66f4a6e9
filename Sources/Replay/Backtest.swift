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
    /// One hospital discharge: who, when, and what each rule set said of it — compact, as there
    /// is one per discharge in the archive.
    struct Discharge: Sendable {
        var patientID: String
        var encounterID: String
        var dischargedAt: Moment
        var expired: Bool
        /// Per rule set (baseline, candidate): the readmission rules whose findings the discharge
        /// had, by position in `readmissionRules` (empty, as most are, costs nothing).
        var rules: ([Int32], [Int32])
        /// Per rule set: LACE and HOSPITAL (NaN: not scored).
        var scores: (lace: Float, hospital: Float, baselineLace: Float, baselineHospital: Float)

        func fired(_ side: Int, _ position: Int) -> Bool {
            (side == 0 ? rules.0 : rules.1).contains(Int32(position))
        }

        func score(_ side: Int, _ name: String) -> Double? {
            let value =
                side == 0
                ? (name == "lace" ? scores.baselineLace : scores.baselineHospital)
                : (name == "lace" ? scores.lace : scores.hospital)
            return value.isNaN ? nil : Double(value)
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

        static func < (a: Moment, b: Moment) -> Bool { (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds) }
    }

    /// The rules that predict a readmission at discharge (category readmission, read at
    /// discharges), per rule set.
    public let readmissionRules: [[String]]

    /// One admission: whom, when it began, whether planned.
    struct Admission: Sendable {
        var encounterID: String
        var admittedAt: Moment
        var planned: Bool
    }

    public var windowDays: Int
    var discharges: [Discharge] = []
    var admissions: [String: [Admission]] = [:]
    var cancelled: Set<String> = []
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

    /// Takes one replayed event, with each rule set's evaluation of it (baseline, candidate).
    mutating func record(_ event: Event, evaluations: [Evaluation?], rules: [RuleSet]) {
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
            discharges.append(
                Discharge(
                    patientID: event.patient.id, encounterID: event.encounter.id, dischargedAt: Moment(dischargedAt),
                    expired: event.encounter.dischargeDisposition == .expired, rules: (fired(0), fired(1)),
                    scores: (score(1, "lace"), score(1, "hospital"), score(0, "lace"), score(0, "hospital"))))
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
            admissions[event.patient.id, default: []].append(
                Admission(
                    encounterID: event.encounter.id, admittedAt: Moment(event.encounter.admittedAt), planned: planned))
        case .cancelAdmission:
            cancelled.insert(event.patient.id + "\u{1F}" + event.encounter.id)
        default:
            break
        }
    }

    /// The figures, for the readmission rules of each rule set and the scores LACE and HOSPITAL.
    public func result() -> BacktestResult {
        var result = BacktestResult(windowDays: windowDays, knowsPlanned: knowsPlanned)
        guard let end = lastEvent else { return result }
        let window = Double(windowDays) * 86_400
        result.followUpEnd = end
        var eligible: [(Discharge, Bool)] = []
        for discharge in discharges {
            if discharge.expired {
                result.leftOutDied += 1
                continue
            }
            guard Double(discharge.dischargedAt.seconds) + window <= Double(end.secondsSinceEpoch) else {
                result.leftOutTooRecent += 1
                continue
            }
            let readmitted = (admissions[discharge.patientID] ?? []).contains { admission in
                admission.encounterID != discharge.encounterID && !admission.planned
                    && !cancelled.contains(discharge.patientID + "\u{1F}" + admission.encounterID)
                    && admission.admittedAt > discharge.dischargedAt
                    && Double(admission.admittedAt.seconds) <= Double(discharge.dischargedAt.seconds) + window
            }
            eligible.append((discharge, readmitted))
        }
        result.discharges = eligible.count
        result.readmitted = eligible.filter(\.1).count
        for side in 0..<2 {
            var rules: [BacktestResult.RuleFigures] = []
            for (position, ruleID) in readmissionRules[side].enumerated() {
                let alerted = eligible.filter { $0.0.fired(side, position) }
                rules.append(
                    BacktestResult.RuleFigures(
                        ruleID: ruleID, alerted: alerted.count, truePositives: alerted.filter(\.1).count,
                        readmitted: result.readmitted, discharges: eligible.count))
            }
            var scores: [BacktestResult.Calibration] = []
            for (name, bands) in BacktestResult.publishedBands {
                let scored = eligible.compactMap { entry in entry.0.score(side, name).map { ($0, entry.1) } }
                guard !scored.isEmpty else { continue }
                scores.append(
                    BacktestResult.Calibration(
                        score: name,
                        bands: bands.map { band in
                            let inBand = scored.filter { band.range.contains($0.0) }
                            return BacktestResult.Band(
                                label: band.label, low: band.range.lowerBound,
                                high: band.range.upperBound.isFinite ? band.range.upperBound : nil,
                                discharges: inBand.count, readmitted: inBand.filter(\.1).count,
                                published: band.published)
                        }))
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
