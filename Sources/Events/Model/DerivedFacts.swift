/// What rules need that the feed does not send directly, worked out from the event at decode time
/// (the latest lab of a code is looked up among the event's few results when asked).
public struct DerivedFacts: Sendable {
    /// Age in whole years on the local date of `occurred_at`; `nil` without a birth date.
    public var ageYears: Int?
    /// Length of stay: the number of local midnights from `admitted_at` to `discharged_at`, each in
    /// the offset the feed sent (admitted 23:00, discharged 09:00 the next day = 1; same day = 0);
    /// `nil` until the patient is discharged. Never negative, even when a discharge written in a
    /// far western offset falls on an earlier local date than the admission.
    public var lengthOfStayDays: Int?
    /// The event's lab results, in the order sent (what ``latestLab(_:)`` looks through).
    private let labs: [LabResult]

    /// The latest result of each LOINC code: the one with the latest `observed_at`; results without
    /// a time count as older than any timed one, and among equals the one sent last wins.
    public var latestLabs: [String: LabResult] {
        var latest: [String: LabResult] = [:]
        for lab in labs where latest[lab.loinc].map({ Self.replaces(lab, $0) }) ?? true { latest[lab.loinc] = lab }
        return latest
    }

    /// The latest result of the LOINC code `loinc`, as ``latestLabs`` has it — found by looking
    /// through the few results of an event, so decoding builds no dictionary of them.
    public func latestLab(_ loinc: String) -> LabResult? {
        var latest: LabResult?
        for lab in labs where lab.loinc == loinc {
            if latest.map({ Self.replaces(lab, $0) }) ?? true { latest = lab }
        }
        return latest
    }

    /// Whether `lab`, sent after `current` with the same code, is the later result.
    private static func replaces(_ lab: LabResult, _ current: LabResult) -> Bool {
        switch (current.observedAt, lab.observedAt) {
        case (_, nil) where current.observedAt != nil: false
        case (let old?, let new?) where new < old: false
        default: true
        }
    }

    /// Computes the facts of an event whose parts are already validated.
    init(occurredAt: Timestamp, patient: Patient, encounter: Encounter, labs: [LabResult]) {
        ageYears = patient.birthDate.map { $0.wholeYears(until: occurredAt.localDate) }
        lengthOfStayDays = encounter.dischargedAt.map { max(0, encounter.admittedAt.calendarDays(until: $0)) }
        self.labs = labs
    }
}

/// ICD-10 codes compared the way clinicians write them: with or without the dot, any case.
public enum ICD10 {
    /// The code without dots or surrounding spaces, upper case: `i50.9` → `I509`.
    public static func normalize(_ code: String) -> String {
        var text = code
        return text.withUTF8 { utf8 in
            // Most codes arrive already normalised: return them as they are, without copying.
            if utf8.allSatisfy({ $0 != 0x2E && $0 != 0x20 && !($0 >= 0x61 && $0 <= 0x7A) }) { return code }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(utf8.count)
            for byte in utf8 where byte != 0x2E && byte != 0x20 {
                bytes.append(byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte)
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
