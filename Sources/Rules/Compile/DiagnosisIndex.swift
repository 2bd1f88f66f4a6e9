import Events

/// Every code set that rules test diagnoses against with `any(diagnoses, code in SET)`, merged into
/// one lookup table, so that one pass over an event's diagnoses answers all of them (Charlson alone
/// asks 17 such questions of every event).
///
/// Each registered set gets a bit; the table maps a packed code or prefix to the bits of the sets
/// that hold it. An event's answer is a 64-bit mask, computed on first use and kept in its context.
///
/// - Important: Sets are registered while the rule set compiles; evaluators only read the table,
///   and no evaluator runs before compilation has finished.
final class DiagnosisIndex: @unchecked Sendable {
    private var exact: [UInt64: UInt64] = [:]
    private var prefixes: [UInt64: UInt64] = [:]
    private var prefixLengths: [Int] = []
    /// The bit of each registered list, by the list's name.
    private var registered: [String: Int] = [:]

    /// The bit standing for the code set named `name`, or `nil` when the table is full or the set
    /// cannot be tabled (ranges too wide to expand, codes longer than 8 characters).
    func register(_ name: String, _ set: CodeSet) -> Int? {
        if let bit = registered[name] { return bit }
        guard let entries = set.packedEntries, registered.count < 64 else { return nil }
        let bit = registered.count
        registered[name] = bit
        for code in entries.exact { exact[code, default: 0] |= 1 << UInt64(bit) }
        for (prefix, length) in entries.prefixes {
            prefixes[prefix, default: 0] |= 1 << UInt64(bit)
            if !prefixLengths.contains(length) { prefixLengths.append(length) }
        }
        prefixLengths.sort()
        return bit
    }

    /// The bits of every registered set that holds at least one of the event's diagnosis codes.
    func bits(for event: Event) -> UInt64 {
        var result: UInt64 = 0
        for diagnosis in event.diagnoses {
            var code = diagnosis.normalizedCode
            code.withUTF8 { bytes in
                if bytes.count <= 8, let bits = exact[CodeSet.pack(bytes, count: bytes.count)] { result |= bits }
                for length in prefixLengths {
                    if length > bytes.count { break }
                    if let bits = prefixes[CodeSet.pack(bytes, count: length)] { result |= bits }
                }
            }
        }
        return result
    }
}
