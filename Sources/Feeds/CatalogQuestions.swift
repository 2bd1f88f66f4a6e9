import Events

/// The screening questions the catalog knows (``ScreeningCatalog``), told by their LOINC code's
/// bytes — as both mappers meet them, for every result and answer: a code is packed into a word
/// and compared with the catalog's few, without making a string or hashing one.
enum CatalogQuestions {
    /// Each question's code packed into a word (each is at most eight bytes), and whether it is
    /// one of the AHC HRSN's.
    static let packed: [(code: UInt64, isAHCHRSN: Bool)] = ScreeningCatalog.questions.values.compactMap {
        question in pack(question.code.utf8).map { ($0, question.instrument == "ahc-hrsn") }
    }

    /// Up to eight bytes as one word (`nil` for more).
    static func pack(_ bytes: some Sequence<UInt8>) -> UInt64? {
        var word: UInt64 = 0
        var count = 0
        for byte in bytes {
            count += 1
            if count > 8 { return nil }
            word = word << 8 | UInt64(byte)
        }
        return word
    }

    /// For the code `code` (UTF-8), when it is a question the catalog knows: whether it is one of
    /// the AHC HRSN's; `nil` when the catalog does not know it.
    static func isAHCHRSN(_ code: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard let word = pack(code) else {
            // Longer than any packed code: looked up by its text.
            return ScreeningCatalog.questions[String(decoding: code, as: UTF8.self)].map { $0.instrument == "ahc-hrsn" }
        }
        return packed.first { $0.code == word }?.isAHCHRSN
    }

    /// The same for a code given as text.
    static func isAHCHRSN(_ code: String) -> Bool? {
        var code = code
        return code.withUTF8 { isAHCHRSN($0) }
    }
}
