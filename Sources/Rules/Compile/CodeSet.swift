import Events

/// A named set of codes: exact codes (`I50.9`), prefixes (`I50*`) and ranges (`I60-I69`,
/// `K700–K703`), matched without dots and case, as ICD-10 is written both ways.
///
/// Matching packs the first bytes of a code into an integer and looks them up, so testing a
/// diagnosis against a set of hundreds of prefixes costs a few hash lookups.
struct CodeSet: Sendable {
    /// Exact codes and prefixes, packed, sorted for binary search (cheaper than hashing for sets
    /// of this size).
    private var exact: [UInt64] = []
    private var prefixes: [UInt64] = []
    /// The distinct prefix lengths, shortest first.
    private var prefixLengths: [Int] = []
    /// Ranges too wide to expand, compared on the code's first `lower.count` characters.
    private var ranges: [(lower: String, upper: String)] = []
    /// Entries longer than 8 bytes, kept as text.
    private var longExact: Set<String> = []
    private var longPrefixes: [String] = []

    /// Why an entry could not be read.
    struct EntryError: Error {
        var message: String
    }

    init(entries: [String]) throws(EntryError) {
        for entry in entries { try add(entry) }
        prefixLengths.sort()
        exact = Array(Set(exact)).sorted()
        prefixes = Array(Set(prefixes)).sorted()
    }

    private mutating func add(_ raw: String) throws(EntryError) {
        let entry = raw.trimmingSpaces
        if let dash = entry.firstIndex(where: { $0 == "-" || $0 == "–" }) {
            let lower = ICD10.normalize(String(entry[..<dash]))
            let upper = ICD10.normalize(String(entry[entry.index(after: dash)...]))
            guard !lower.isEmpty, lower.count == upper.count, lower <= upper, !lower.hasSuffix("*") else {
                throw EntryError(
                    message:
                        "the range \"\(raw)\" needs two codes of the same length, the lower first (e.g. I60-I69)")
            }
            if let expanded = CodeSet.expand(lower, upper, limit: 2000) {
                for code in expanded { addPrefix(code) }
            } else {
                ranges.append((lower, upper))
            }
        } else if entry.hasSuffix("*") {
            let prefix = ICD10.normalize(String(entry.dropLast()))
            guard !prefix.isEmpty else { throw EntryError(message: "\"\(raw)\" is a prefix of nothing") }
            addPrefix(prefix)
        } else {
            let code = ICD10.normalize(entry)
            guard !code.isEmpty else { throw EntryError(message: "an empty code") }
            if let packed = CodeSet.pack(code) { exact.append(packed) } else { longExact.insert(code) }
        }
    }

    private mutating func addPrefix(_ prefix: String) {
        if let packed = CodeSet.pack(prefix) {
            prefixes.append(packed)
            if !prefixLengths.contains(prefix.utf8.count) { prefixLengths.append(prefix.utf8.count) }
        } else {
            longPrefixes.append(prefix)
        }
    }

    /// The packed exact codes and prefixes (with their lengths), or `nil` when the set also holds
    /// entries that cannot be packed.
    var packedEntries: (exact: [UInt64], prefixes: [(UInt64, Int)])? {
        guard ranges.isEmpty, longExact.isEmpty, longPrefixes.isEmpty else { return nil }
        return (exact, prefixes.map { ($0, Int($0 >> 60)) })
    }

    /// Whether `code` (already normalised) is in the set.
    func contains(normalized code: String) -> Bool {
        var code = code
        return code.withUTF8 { bytes in
            if bytes.count <= 8, CodeSet.search(exact, CodeSet.pack(bytes, count: bytes.count)) { return true }
            for length in prefixLengths {
                if length > bytes.count { break }
                if CodeSet.search(prefixes, CodeSet.pack(bytes, count: length)) { return true }
            }
            if !longExact.isEmpty || !longPrefixes.isEmpty || !ranges.isEmpty {
                let text = String(decoding: bytes, as: UTF8.self)
                if longExact.contains(text) || longPrefixes.contains(where: text.hasPrefix) { return true }
                for range in ranges where bytes.count >= range.lower.utf8.count {
                    let head = String(text.prefix(range.lower.count))
                    if range.lower <= head && head <= range.upper { return true }
                }
            }
            return false
        }
    }

    /// Whether `code`, in any spelling, is in the set.
    func contains(_ code: String) -> Bool { contains(normalized: ICD10.normalize(code)) }

    /// Binary search in a sorted array.
    @inline(__always)
    static func search(_ sorted: [UInt64], _ key: UInt64) -> Bool {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) >> 1
            let value = sorted[middle]
            if value == key { return true }
            if value < key { low = middle + 1 } else { high = middle }
        }
        return false
    }

    static func pack(_ text: String) -> UInt64? {
        var text = text
        return text.withUTF8 { $0.count <= 8 ? pack($0, count: $0.count) : nil }
    }

    /// The first `count` bytes (at most 8) and the count, in one integer.
    static func pack(_ bytes: UnsafeBufferPointer<UInt8>, count: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<count { value = value << 8 | UInt64(bytes[index]) }
        // The length in the top byte keeps "I5" and "I50" apart however they pack.
        return value | UInt64(count) << 60
    }

    /// The codes from `lower` to `upper` when they share a head and differ in trailing digits
    /// (`I60-I69`, `K700-K703`, `C00-C26`), or `nil` when they do not or there would be more than `limit`.
    static func expand(_ lower: String, _ upper: String, limit: Int) -> [String]? {
        expandDigitsOnly(Array(lower.utf8), Array(upper.utf8), limit: limit)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func expandDigitsOnly(_ low: [UInt8], _ high: [UInt8], limit: Int) -> [String]? {
        guard let first = low.firstIndex(where: isDigit), low[..<first] == high[..<first],
            low[first...].allSatisfy(isDigit), high[first...].allSatisfy(isDigit),
            let from = Int(String(decoding: low[first...], as: UTF8.self)),
            let to = Int(String(decoding: high[first...], as: UTF8.self)), to - from <= limit
        else { return nil }
        let head = String(decoding: low[..<first], as: UTF8.self)
        let width = low.count - first
        return (from...to).map { number in
            let digits = String(number)
            return head + String(repeating: "0", count: width - digits.count) + digits
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text = text.dropFirst() }
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return String(text)
    }
}
