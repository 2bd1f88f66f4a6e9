extension JSONValue {
    /// The value as compact JSON text on one line (members in their order), safe to write as one
    /// line of a JSON-lines file: every control character is escaped.
    public var serialized: String { String(decoding: serializedBytes, as: UTF8.self) }

    /// ``serialized`` as UTF-8 bytes (what files and feeds store).
    public var serializedBytes: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(512)
        write(to: &output)
        return output
    }

    private func write(to output: inout [UInt8]) {
        switch self {
        case .null: output += "null".utf8
        case .bool(let flag): output += (flag ? "true" : "false").utf8
        case .number(let value):
            if !value.isFinite {
                output += "null".utf8
            } else if value == value.rounded(), abs(value) < 1e15 {
                output += String(Int64(value)).utf8
            } else {
                output += String(value).utf8
            }
        case .string(let text): JSONValue.writeString(text, to: &output)
        case .array(let items):
            output.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                item.write(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSONValue.writeString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                member.value.write(to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// A string as JSON: UTF-8 copied as it is, except `"`, `\\`, control characters, DEL and the
    /// line separators U+2028/U+2029, which are escaped.
    private static func writeString(_ text: String, to output: inout [UInt8]) {
        var text = text
        text.withUTF8 { appendString(utf8: $0, to: &output) }
    }

    /// UTF-8 text appended to `output` as a JSON string, escaped as ``serialized`` escapes strings
    /// (the one escaping every JSON writer of the project shares): runs of bytes that need no
    /// escape are copied at once.
    public static func appendString(utf8 text: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        appendStringContent(utf8: text, to: &output)
        output.append(UInt8(ascii: "\""))
    }

    /// Whether `text` needs no escape at all: it is written between quotes as it is. Eight bytes
    /// at a time: none below 0x20, nor `"`, `\\`, DEL or 0xE2 (``isCopied``).
    public static func needsNoEscape(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let start = text.baseAddress else { return true }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        /// A high bit in each byte of `word` that is zero (exact for "is there one").
        func zeros(_ word: UInt64) -> UInt64 { (word &- ones) & ~word & high }
        var index = 0
        while index + 8 <= text.count {
            let word = UnsafeRawPointer(start + index).loadUnaligned(as: UInt64.self)
            let control = (word &- ones &* 0x20) & ~word & high
            let special =
                control | zeros(word ^ (ones &* 0x22)) | zeros(word ^ (ones &* 0x5C)) | zeros(word ^ (ones &* 0x7F))
                | zeros(word ^ (ones &* 0xE2))
            if special != 0 { return false }
            index += 8
        }
        while index < text.count {
            if !isCopied(text[index]) { return false }
            index += 1
        }
        return true
    }

    /// Whether `byte` is copied as it is, never the start of an escape (an `E2` may begin U+2028
    /// or U+2029, which are escaped).
    @inline(__always)
    private static func isCopied(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte != 0x7F && byte != 0xE2
    }

    /// The escaped content of a JSON string (without its quotes).
    static func appendStringContent(utf8 text: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        var index = 0
        var clean = 0
        func flush(_ end: Int) {
            if end > clean { output.append(contentsOf: UnsafeBufferPointer(rebasing: text[clean..<end])) }
        }
        while index < text.count {
            let byte = text[index]
            if isCopied(byte) {
                index += 1
                continue
            }
            if byte == 0xE2 {
                // U+2028 and U+2029 end a line in JavaScript: escaped; any other E2 sequence is copied.
                guard index + 2 < text.count, text[index + 1] == 0x80,
                    text[index + 2] == 0xA8 || text[index + 2] == 0xA9
                else {
                    index += 1
                    continue
                }
                flush(index)
                escape(text[index + 2] == 0xA8 ? 0x2028 : 0x2029, to: &output)
                index += 3
                clean = index
                continue
            }
            flush(index)
            switch byte {
            case UInt8(ascii: "\""): output += #"\""#.utf8
            case UInt8(ascii: "\\"): output += #"\\"#.utf8
            case UInt8(ascii: "\n"): output += #"\n"#.utf8
            case UInt8(ascii: "\r"): output += #"\r"#.utf8
            case UInt8(ascii: "\t"): output += #"\t"#.utf8
            default: escape(UInt32(byte), to: &output)
            }
            index += 1
            clean = index
        }
        flush(text.count)
    }

    private static func escape(_ value: UInt32, to output: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        output += #"\u"#.utf8
        for shift in stride(from: 12, through: 0, by: -4) {
            output.append(digits.utf8Start[Int(value >> UInt32(shift)) & 0xF])
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral,
    ExpressibleByIntegerLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
}
