/// A closed vocabulary of the event contract, matched on the bytes of a JSON string — no `String`
/// made, no `switch` over strings — when an event is decoded.
protocol ContractVocabulary: RawRepresentable, CaseIterable, Sendable where RawValue == String {
    /// The vocabulary's words as bytes.
    static var words: VocabularyWords<Self> { get }
}

/// The words of a vocabulary as bytes, with the value each names: one buffer of every word's
/// bytes and where each ends, so a lookup copies and counts no reference.
struct VocabularyWords<Value: ContractVocabulary>: Sendable {
    private let bytes: [UInt8]
    /// Where each word ends in `bytes` (the next begins there).
    private let ends: [Int]
    private let values: [Value]

    init() {
        values = Array(Value.allCases)
        var bytes: [UInt8] = []
        var ends: [Int] = []
        for value in values {
            bytes += value.rawValue.utf8
            ends.append(bytes.count)
        }
        self.bytes = bytes
        self.ends = ends
    }

    /// The value whose word is exactly `text`, if there is one.
    func value(_ text: UnsafeBufferPointer<UInt8>) -> Value? {
        let found: Int? = bytes.withUnsafeBufferPointer { bytes in
            ends.withUnsafeBufferPointer { ends in
                var start = 0
                for index in 0..<ends.count {
                    let end = ends[index]
                    if end - start == text.count, JSONTape.equal(bytes, start, text, 0, count: text.count) {
                        return index
                    }
                    start = end
                }
                return nil
            }
        }
        return found.map { values[$0] }
    }
}

extension EventType: ContractVocabulary { static let words = VocabularyWords<Self>() }
extension Sex: ContractVocabulary { static let words = VocabularyWords<Self>() }
extension EncounterClass: ContractVocabulary { static let words = VocabularyWords<Self>() }
extension AdmissionType: ContractVocabulary { static let words = VocabularyWords<Self>() }
extension AdmitSource: ContractVocabulary { static let words = VocabularyWords<Self>() }
extension DischargeDisposition: ContractVocabulary { static let words = VocabularyWords<Self>() }
extension ProcedureSystem: ContractVocabulary { static let words = VocabularyWords<Self>() }
extension DiagnosisSystem: ContractVocabulary { static let words = VocabularyWords<Self>() }
extension DiagnosisKind: ContractVocabulary { static let words = VocabularyWords<Self>() }
extension MedicationStatus: ContractVocabulary { static let words = VocabularyWords<Self>() }
extension CoverageType: ContractVocabulary { static let words = VocabularyWords<Self>() }
extension Housing: ContractVocabulary { static let words = VocabularyWords<Self>() }
extension CaregiverStatus: ContractVocabulary { static let words = VocabularyWords<Self>() }
extension ScreeningInstrument: ContractVocabulary { static let words = VocabularyWords<Self>() }
