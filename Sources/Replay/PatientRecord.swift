import Alerts
import Events
import Rules

/// One patient's replay state packed into bytes: the history's facts once, per rule set the alerts
/// and findings its policy remembers, the alerts each rule set opened for the patient, and what the
/// backtest keeps of them (discharges, admissions, cancelled encounters).
///
/// A patient's state as structs costs kilobytes (every timestamp carries its text and every
/// string its own allocation); packed it is a few hundred bytes, so an archive of many patients
/// replays in little memory. It is unpacked for each of the patient's events and packed again
/// after, each value exactly as it was (timestamps keep their text and offset).
struct PatientRecord: Sendable {
    /// The packed bytes: alert counts, patient id, facts, per rule set its alerts and findings, then
    /// the backtest's part.
    private(set) var bytes: [UInt8]

    /// One rule set's memory of the patient.
    struct Side: Sendable, Equatable {
        var alerts: [PriorAlert]
        var findings: [RecordedFinding]
    }

    /// The unpacked state.
    struct Unpacked: Sendable, Equatable {
        var history: PatientHistory
        var sides: [Side]
        /// Alerts opened for the patient per rule set, over the whole replay.
        var alertCounts: [Int]
        /// The patient's discharges and admissions, for the backtest.
        var backtest = Backtest.Patient()
    }

    /// A record as packed before (read back from where it was kept).
    init(bytes: [UInt8]) { self.bytes = bytes }

    init(_ unpacked: Unpacked) {
        var writer = ByteWriter()
        for count in unpacked.alertCounts { writer.count(count) }
        writer.string(unpacked.history.patientID)
        writer.count(unpacked.history.facts.count)
        for fact in unpacked.history.facts {
            writer.string(fact.eventID)
            writer.code(fact.eventType)
            writer.timestamp(fact.occurredAt)
            writer.string(fact.encounterID)
            writer.optionalCode(fact.encounterClass)
            writer.timestamp(fact.admittedAt)
            writer.optionalTimestamp(fact.dischargedAt)
            writer.optionalCode(fact.disposition)
        }
        for side in unpacked.sides {
            writer.count(side.alerts.count)
            for alert in side.alerts {
                writer.string(alert.alertID)
                writer.string(alert.eventID)
                writer.code(alert.eventType)
                writer.string(alert.encounterID)
                writer.timestamp(alert.occurredAt)
                writer.code(alert.priority)
                writer.string(alert.referral)
                writer.code(alert.status)
                writer.string(alert.record)
            }
            writer.count(side.findings.count)
            for finding in side.findings {
                writer.string(finding.eventID)
                writer.code(finding.eventType)
                writer.timestamp(finding.occurredAt)
                writer.string(finding.encounterID)
                writer.string(finding.ruleID)
                writer.string(finding.referral)
                writer.code(finding.priority)
                writer.string(finding.reason)
                writer.fate(finding.fate)
            }
        }
        writer.count(unpacked.backtest.discharges.count)
        for discharge in unpacked.backtest.discharges {
            writer.string(discharge.encounterID)
            writer.moment(discharge.dischargedAt)
            writer.count(discharge.expired ? 1 : 0)
            for rules in discharge.rules {
                writer.count(rules.count)
                for rule in rules { writer.count(Int(rule)) }
            }
            for score in discharge.lace + discharge.hospital { writer.float(score) }
        }
        writer.count(unpacked.backtest.admissions.count)
        for admission in unpacked.backtest.admissions {
            writer.string(admission.encounterID)
            writer.moment(admission.admittedAt)
            writer.count(admission.planned ? 1 : 0)
        }
        writer.count(unpacked.backtest.cancelled.count)
        for encounterID in unpacked.backtest.cancelled { writer.string(encounterID) }
        bytes = writer.packed
    }

    /// Alerts opened for the patient per rule set (read without unpacking the rest).
    func alertCounts(sides: Int) -> [Int] {
        var reader = ByteReader(bytes)
        return (0..<sides).map { _ in reader.count() }
    }

    /// The state as packed, for `sides` rule sets.
    func unpack(sides: Int) -> Unpacked {
        var reader = ByteReader(bytes)
        let alertCounts = (0..<sides).map { _ in reader.count() }
        let patientID = reader.string()
        var facts: [EncounterFact] = []
        facts.reserveCapacity(reader.peekCount())
        for _ in 0..<reader.count() {
            facts.append(
                EncounterFact(
                    eventID: reader.string(), eventType: reader.code(), occurredAt: reader.timestamp(),
                    encounterID: reader.string(), encounterClass: reader.optionalCode(),
                    admittedAt: reader.timestamp(), dischargedAt: reader.optionalTimestamp(),
                    disposition: reader.optionalCode()))
        }
        var unpacked = Unpacked(
            history: PatientHistory(patientID: patientID, facts: facts), sides: [], alertCounts: alertCounts)
        for _ in 0..<sides {
            var side = Side(alerts: [], findings: [])
            for _ in 0..<reader.count() {
                side.alerts.append(
                    PriorAlert(
                        alertID: reader.string(), eventID: reader.string(), eventType: reader.code(),
                        encounterID: reader.string(), occurredAt: reader.timestamp(), priority: reader.code(),
                        referral: reader.string(), status: reader.code(), record: reader.string()))
            }
            for _ in 0..<reader.count() {
                side.findings.append(
                    RecordedFinding(
                        eventID: reader.string(), eventType: reader.code(), occurredAt: reader.timestamp(),
                        encounterID: reader.string(), ruleID: reader.string(), referral: reader.string(),
                        priority: reader.code(), reason: reader.string(), fate: reader.fate()))
            }
            unpacked.sides.append(side)
        }
        for _ in 0..<reader.count() {
            let encounterID = reader.string()
            let dischargedAt = reader.moment()
            let expired = reader.count() == 1
            let rules = (0..<sides).map { _ in (0..<reader.count()).map { _ in Int32(reader.count()) } }
            let lace = (0..<sides).map { _ in reader.float() }
            let hospital = (0..<sides).map { _ in reader.float() }
            unpacked.backtest.discharges.append(
                Backtest.Discharge(
                    encounterID: encounterID, dischargedAt: dischargedAt, expired: expired, rules: rules, lace: lace,
                    hospital: hospital))
        }
        for _ in 0..<reader.count() {
            unpacked.backtest.admissions.append(
                Backtest.Admission(
                    encounterID: reader.string(), admittedAt: reader.moment(), planned: reader.count() == 1))
        }
        for _ in 0..<reader.count() { unpacked.backtest.cancelled.append(reader.string()) }
        precondition(reader.atEnd, "a packed patient record has bytes left over")
        return unpacked
    }
}

/// Appends values as bytes: counts as LEB128 varints, strings as their length and UTF-8 the first
/// time and as a reference to that after (a patient's event ids, encounter, rule ids, referrals and
/// times recur in every fact, alert and finding), enumerations as their position among their cases.
struct ByteWriter {
    var bytes: [UInt8] = []
    /// The strings written so far, by their order of first appearance.
    private var written: [String: Int] = [:]

    mutating func count(_ value: Int) { unsigned(UInt64(value)) }

    mutating func unsigned(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func signed(_ value: Int64) { unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    mutating func string(_ value: String) {
        if let reference = written[value] {
            unsigned(UInt64(reference) << 1 | 1)
            return
        }
        written[value] = written.count
        var value = value
        value.withUTF8 { utf8 in
            unsigned(UInt64(utf8.count) << 1)
            bytes.append(contentsOf: utf8)
        }
    }

    /// The bytes in an array of their own size (appending leaves room to spare).
    var packed: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, count in
            count = buffer.initialize(fromContentsOf: bytes)
        }
    }

    mutating func code<Code: CaseIterable & Equatable>(_ value: Code) where Code.AllCases == [Code] {
        bytes.append(UInt8(Code.allCases.firstIndex(of: value)!))
    }

    mutating func optionalCode<Code: CaseIterable & Equatable>(_ value: Code?) where Code.AllCases == [Code] {
        if let value { code(value) } else { bytes.append(0xFF) }
    }

    /// A timestamp as its text when reading the text gives it back exactly (every timestamp an
    /// event carries), else as its instant (written in UTC, as it was made).
    mutating func timestamp(_ value: Timestamp) {
        if let parsed = Timestamp(rfc3339: value.text), parsed == value,
            parsed.utcOffsetMinutes == value.utcOffsetMinutes
        {
            bytes.append(1)
            string(value.text)
        } else {
            bytes.append(2)
            signed(value.secondsSinceEpoch)
            count(Int(value.nanoseconds))
        }
    }

    mutating func optionalTimestamp(_ value: Timestamp?) {
        if let value { timestamp(value) } else { bytes.append(0) }
    }

    mutating func moment(_ moment: Backtest.Moment) {
        signed(moment.seconds)
        count(Int(moment.nanoseconds))
    }

    /// A score: its bits, four bytes (NaN, not scored, included).
    mutating func float(_ value: Float) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func fate(_ fate: RecordedFinding.Fate) {
        switch fate {
        case .opened(let id): bytes.append(0); string(id)
        case .repeated(let id): bytes.append(1); string(id)
        case .stale: bytes.append(2)
        case .void(let id): bytes.append(3); string(id)
        case .retracted(let id): bytes.append(4); string(id)
        }
    }
}

/// Reads back what ``ByteWriter`` wrote, in the same order (the bytes are the replay's own: a
/// mismatch is a programming error, so it traps rather than guessing).
struct ByteReader {
    let bytes: [UInt8]
    var position = 0
    /// The strings read so far, which later references name by position.
    private var read: [String] = []

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { position == bytes.count }

    mutating func unsigned() -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    mutating func count() -> Int { Int(unsigned()) }

    func peekCount() -> Int {
        var copy = self
        return copy.count()
    }

    mutating func signed() -> Int64 {
        let value = unsigned()
        return Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }

    mutating func string() -> String {
        let value = unsigned()
        if value & 1 == 1 { return read[Int(value >> 1)] }
        let length = Int(value >> 1)
        let string = String(decoding: bytes[position..<position + length], as: UTF8.self)
        position += length
        read.append(string)
        return string
    }

    mutating func code<Code: CaseIterable>() -> Code where Code.AllCases == [Code] {
        let byte = bytes[position]
        position += 1
        return Code.allCases[Int(byte)]
    }

    mutating func optionalCode<Code: CaseIterable>() -> Code? where Code.AllCases == [Code] {
        if bytes[position] == 0xFF {
            position += 1
            return nil
        }
        return code()
    }

    mutating func timestamp() -> Timestamp {
        let tag = bytes[position]
        position += 1
        return timestamp(tag: tag)
    }

    mutating func optionalTimestamp() -> Timestamp? {
        let tag = bytes[position]
        position += 1
        return tag == 0 ? nil : timestamp(tag: tag)
    }

    private mutating func timestamp(tag: UInt8) -> Timestamp {
        if tag == 1 {
            let text = string()
            guard let parsed = Timestamp(rfc3339: text) else {
                preconditionFailure("a packed timestamp reads: \(text)")
            }
            return parsed
        }
        return Timestamp(secondsSinceEpoch: signed(), nanoseconds: Int32(count()))
    }

    mutating func moment() -> Backtest.Moment {
        Backtest.Moment(seconds: signed(), nanoseconds: Int32(count()))
    }

    mutating func float() -> Float {
        var bits: UInt32 = 0
        for shift in 0..<4 { bits |= UInt32(bytes[position + shift]) << (8 * shift) }
        position += 4
        return Float(bitPattern: bits)
    }

    mutating func fate() -> RecordedFinding.Fate {
        let tag = bytes[position]
        position += 1
        switch tag {
        case 0: return .opened(alertID: string())
        case 1: return .repeated(alertID: string())
        case 2: return .stale
        case 3: return .void(byEventID: string())
        default: return .retracted(byEventID: string())
        }
    }
}
