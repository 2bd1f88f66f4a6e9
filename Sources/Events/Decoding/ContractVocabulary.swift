/// A closed vocabulary of the event contract, matched on the bytes of a JSON string — no `String`
/// made, no `switch` over strings — when an event is decoded.
protocol ContractVocabulary: RawRepresentable, CaseIterable, Sendable where RawValue == String {
    /// The vocabulary's words as bytes.
    static var words: VocabularyWords<Self> { get }
}

/// The words of a vocabulary as bytes, with the value each names.
struct VocabularyWords<Value: ContractVocabulary>: Sendable {
    private let bytes: [[UInt8]]
    private let values: [Value]

    init() {
        values = Array(Value.allCases)
        bytes = values.map { Array($0.rawValue.utf8) }
    }

    /// The value whose word is exactly `text`, if there is one.
    func value(_ text: UnsafeBufferPointer<UInt8>) -> Value? {
        for (index, word) in bytes.enumerated() where word.count == text.count {
            let same = word.withUnsafeBufferPointer { JSONTape.equal($0, 0, text, 0, count: text.count) }
            if same { return values[index] }
        }
        return nil
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
