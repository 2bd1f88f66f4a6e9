/// Why a file is not HL7 v2 that can be read, with the place: `line 3: …`, `MSH-2: …`.
public struct HL7ReadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `MSH-18`, `line 4`, or `file`.
    public var place: String
    public var message: String

    public init(_ place: String, _ message: String) {
        self.place = place
        self.message = message
    }

    public var description: String { "\(place): \(message)" }
}

/// Reads HL7 v2 ER7 text: one message, or a batch (`FHS`/`BHS` … `BTS`/`FTS`) of several.
///
/// Segments may end in CR, LF or CRLF; MLLP framing bytes (0x0B, 0x1C) are ignored. Each message
/// declares its own delimiters (MSH-1, MSH-2) and character set (MSH-18: ASCII, 8859/1 or
/// UNICODE UTF-8; undeclared text is read as UTF-8, of which ASCII is a part).
public struct HL7Reader: Sendable {
    public init() {}

    /// Whether `bytes` look like HL7 v2 rather than JSON: the first non-blank bytes are `MSH`,
    /// `FHS` or `BHS`, or an MLLP start byte.
    public static func looksLikeHL7(_ bytes: [UInt8]) -> Bool {
        var index = 0
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains(bytes[index]) { index += 1 }
        guard index < bytes.count else { return false }
        if bytes[index] == 0x0B { return true }
        guard index + 3 <= bytes.count else { return false }
        let head = String(decoding: bytes[index..<index + 3], as: UTF8.self)
        return head == "MSH" || head == "FHS" || head == "BHS"
    }

    /// One message's lines as received, before its header is read.
    public struct RawMessage: Sendable {
        /// The file's bytes (framing removed), which `lines` index.
        let source: [UInt8]
        let lines: [(number: Int, range: Range<Int>)]
        /// The message's bytes, segments ended by CR.
        public var bytes: [UInt8] {
            var result: [UInt8] = []
            for line in lines {
                result += source[line.range]
                result.append(0x0D)
            }
            return result
        }
    }

    /// The messages in `bytes`, in order; the first that cannot be read is the error.
    public func messages(_ bytes: [UInt8]) throws(HL7ReadError) -> [HL7Message] {
        try split(bytes).map { raw throws(HL7ReadError) in try message(raw) }
    }

    /// `bytes` cut into messages (each begins at an MSH; batch envelopes are skipped), not yet
    /// read: what is wrong with one message is then that message's alone.
    public func split(_ bytes: [UInt8]) throws(HL7ReadError) -> [RawMessage] {
        // Without MLLP framing or a byte-order mark; a NUL byte is binary, not text.
        var framed = false
        var scanned = 0
        while let found = ByteScan.first(of: 0x00, 0x0B, 0x1C, in: bytes, from: scanned) {
            if bytes[found] == 0 { throw HL7ReadError("file", "binary data (a NUL byte), not HL7 v2 text") }
            framed = true
            scanned = found + 1
        }
        var cleaned = framed ? bytes.filter { $0 != 0x0B && $0 != 0x1C } : bytes
        if cleaned.starts(with: [0xEF, 0xBB, 0xBF]) { cleaned.removeFirst(3) }
        // Lines, and messages: each begins at an MSH; batch envelopes and blank lines are skipped.
        var lines: [(number: Int, range: Range<Int>)] = []
        lines.reserveCapacity(64)
        var starts: [Int] = []
        var failure: HL7ReadError?
        let count = cleaned.count
        var start = 0
        var number = 1
        var index = 0
        while index <= count {
            index = ByteScan.first(of: 0x0D, 0x0A, 0x0A, in: cleaned, from: index) ?? count
            let byte: UInt8 = index < count ? cleaned[index] : 0x0D
            var blank = true
            var position = start
            while position < index {
                let character = cleaned[position]
                if character != 0x20 && character != 0x09 {
                    blank = false
                    break
                }
                position += 1
            }
            if !blank {
                let name =
                    index - start >= 3
                    ? UInt32(cleaned[start]) << 16 | UInt32(cleaned[start + 1]) << 8 | UInt32(cleaned[start + 2]) : 0
                switch name {
                case Self.fhs, Self.bhs, Self.bts, Self.fts: break
                case HL7Message.msh:
                    starts.append(lines.count)
                    lines.append((number, start..<index))
                default:
                    if starts.isEmpty {
                        if failure == nil {
                            failure = HL7ReadError(
                                "line \(number)",
                                "\"\(printable(cleaned[start..<min(index, start + 3)]))\" before any MSH segment")
                        }
                    } else {
                        lines.append((number, start..<index))
                    }
                }
            }
            if byte == 0x0D, index + 1 < count, cleaned[index + 1] == 0x0A { index += 1 }
            number += 1
            index += 1
            start = index
        }
        if let failure { throw failure }
        guard !starts.isEmpty else { throw HL7ReadError("file", "no MSH segment: not an HL7 v2 message") }
        if starts.count == 1 { return [RawMessage(source: cleaned, lines: lines)] }
        return starts.indices.map { position in
            let end = position + 1 < starts.count ? starts[position + 1] : lines.count
            return RawMessage(source: cleaned, lines: Array(lines[starts[position]..<end]))
        }
    }

    static let fhs = HL7Message.packed("FHS" as StaticString)
    static let bhs = HL7Message.packed("BHS" as StaticString)
    static let bts = HL7Message.packed("BTS" as StaticString)
    static let fts = HL7Message.packed("FTS" as StaticString)

    /// Reads one message: its delimiters, character set, segments and the fields' places.
    public func message(_ raw: RawMessage) throws(HL7ReadError) -> HL7Message {
        let lines = raw.lines
        let source = raw.source
        let header = source[lines[0].range]
        guard header.count >= 8 else {
            throw HL7ReadError("line \(lines[0].number)", "MSH segment too short for its delimiters")
        }
        var delimiters = HL7Delimiters()
        let base = header.startIndex
        let separator = header[base + 3]
        guard isDelimiter(separator) else {
            throw HL7ReadError(
                "MSH-1", "field separator \"\(printable([separator][...]))\" is not a punctuation character")
        }
        let encoding = Array(header[(base + 4)...].prefix { $0 != separator })
        guard encoding.count == 4 || encoding.count == 5, encoding.allSatisfy(isDelimiter),
            Set(encoding).count == encoding.count, !encoding.contains(separator)
        else {
            throw HL7ReadError(
                "MSH-2",
                "encoding characters \"\(printable(encoding[...]))\" must be four distinct punctuation characters (component, repetition, escape, sub-component), e.g. ^~\\&"
            )
        }
        delimiters.fieldByte = separator
        delimiters.componentByte = encoding[0]
        delimiters.repetitionByte = encoding[1]
        delimiters.escapeByte = encoding[2]
        delimiters.subcomponentByte = encoding[3]
        // The character set, read from the header's bytes (delimiters are ASCII in every one).
        var charset = ""
        var fieldNumber = 1
        var fieldStart = base + 3
        for index in (base + 3)...header.endIndex {
            if index == header.endIndex || header[index] == separator {
                if fieldNumber == 18 {
                    charset = String(
                        decoding: header[fieldStart..<index].prefix { $0 != delimiters.repetitionByte }, as: UTF8.self)
                    break
                }
                fieldNumber += 1
                fieldStart = index + 1
            }
        }
        let latin1: Bool
        switch charset {
        case "", "ASCII", "UNICODE UTF-8", "UTF-8": latin1 = false
        case "8859/1": latin1 = true
        default:
            throw HL7ReadError(
                "MSH-18", "character set \"\(charset)\" is not supported (ASCII, 8859/1, UNICODE UTF-8)")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(source.count + lines.count)
        var entries: [HL7Message.Entry] = []
        entries.reserveCapacity(lines.count)
        var bounds: [Int32] = []
        bounds.reserveCapacity(source.count / 4)
        for line in lines {
            let lineStart = bytes.count
            let slice = source[line.range]
            if latin1 {
                for byte in slice {
                    if byte < 0x80 {
                        bytes.append(byte)
                    } else {
                        bytes.append(0xC0 | byte >> 6)
                        bytes.append(0x80 | byte & 0x3F)
                    }
                }
            } else {
                if slice.contains(where: { $0 >= 0x80 }),
                    slice.withContiguousStorageIfAvailable({ String(validating: $0, as: UTF8.self) }) ?? nil == nil
                {
                    throw HL7ReadError(
                        "line \(line.number)",
                        "not valid UTF-8 (MSH-18 says \(charset.isEmpty ? "nothing, so UTF-8 is expected" : charset))")
                }
                source.withUnsafeBufferPointer {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0[line.range]))
                }
            }
            let count = bytes.count - lineStart
            func isNameByte(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x30...0x39).contains(byte) }
            guard count >= 3, isNameByte(bytes[lineStart]), isNameByte(bytes[lineStart + 1]),
                isNameByte(bytes[lineStart + 2])
            else {
                let shown = String(decoding: bytes[lineStart...].prefix(8), as: UTF8.self)
                throw HL7ReadError("line \(line.number)", "\"\(shown)\" does not begin with a segment name")
            }
            let name = UInt32(bytes[lineStart]) << 16 | UInt32(bytes[lineStart + 1]) << 8 | UInt32(bytes[lineStart + 2])
            if count > 3, bytes[lineStart + 3] != separator {
                let shown = String(decoding: bytes[lineStart..<lineStart + 3], as: UTF8.self)
                throw HL7ReadError("line \(line.number)", "\(shown) is not followed by the field separator")
            }
            // Where each piece between separators begins, then one past the segment's end.
            let first = Int32(bounds.count)
            bounds.append(Int32(lineStart))
            var index = lineStart
            let end = lineStart + count
            while let found = ByteScan.first(of: separator, separator, separator, in: bytes, from: index, to: end) {
                bounds.append(Int32(found + 1))
                index = found + 1
            }
            bytes.append(0x0D)
            bounds.append(Int32(bytes.count))
            entries.append(
                HL7Message.Entry(
                    name: name, line: Int32(line.number), first: first, count: Int32(bounds.count) - first - 1))
        }
        return HL7Message(delimiters: delimiters, bytes: bytes, entries: entries, bounds: bounds)
    }

    private func isDelimiter(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F
            && !((0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte))
    }

    private func printable(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self).unicodeScalars.map {
            $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0)
        }.joined()
    }
}

/// Finding bytes eight at a time (a word's bytes compared at once), for the reader's scans over a
/// whole message.
enum ByteScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether any byte of `word` is zero.
    @inline(__always)
    private static func hasZero(_ word: UInt64) -> Bool { (word &- ones) & ~word & highs != 0 }

    /// The index of the first byte in `bytes[from..<to]` that is `a`, `b` or `c`, or `nil`.
    static func first(of a: UInt8, _ b: UInt8, _ c: UInt8, in bytes: [UInt8], from: Int, to: Int? = nil) -> Int? {
        let end = to ?? bytes.count
        return bytes.withUnsafeBufferPointer { buffer -> Int? in
            guard let base = buffer.baseAddress else { return nil }
            let pa = ones &* UInt64(a), pb = ones &* UInt64(b), pc = ones &* UInt64(c)
            var index = from
            while index + 8 <= end {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                if hasZero(word ^ pa) || hasZero(word ^ pb) || hasZero(word ^ pc) { break }
                index += 8
            }
            while index < end {
                let byte = buffer[index]
                if byte == a || byte == b || byte == c { return index }
                index += 1
            }
            return nil
        }
    }
}
