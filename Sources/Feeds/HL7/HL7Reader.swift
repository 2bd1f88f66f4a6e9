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
        let lines: [(number: Int, bytes: ArraySlice<UInt8>)]
        /// The message's bytes, segments ended by CR.
        public var bytes: [UInt8] { lines.flatMap { Array($0.bytes) + [0x0D] } }
    }

    /// The messages in `bytes`, in order; the first that cannot be read is the error.
    public func messages(_ bytes: [UInt8]) throws(HL7ReadError) -> [HL7Message] {
        try split(bytes).map { raw throws(HL7ReadError) in try message(raw) }
    }

    /// `bytes` cut into messages (each begins at an MSH; batch envelopes are skipped), not yet
    /// read: what is wrong with one message is then that message's alone.
    public func split(_ bytes: [UInt8]) throws(HL7ReadError) -> [RawMessage] {
        if bytes.contains(0) { throw HL7ReadError("file", "binary data (a NUL byte), not HL7 v2 text") }
        // Lines, without MLLP framing or a byte-order mark.
        var lines: [(number: Int, bytes: ArraySlice<UInt8>)] = []
        var cleaned = bytes.filter { $0 != 0x0B && $0 != 0x1C }
        if cleaned.starts(with: [0xEF, 0xBB, 0xBF]) { cleaned.removeFirst(3) }
        var start = 0
        var number = 1
        var index = 0
        while index <= cleaned.count {
            if index == cleaned.count || cleaned[index] == 0x0D || cleaned[index] == 0x0A {
                if index > start { lines.append((number, cleaned[start..<index])) }
                if index < cleaned.count, cleaned[index] == 0x0D, index + 1 < cleaned.count, cleaned[index + 1] == 0x0A
                {
                    index += 1
                }
                number += 1
                start = index + 1
            }
            index += 1
        }
        lines.removeAll { line in line.bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 } }
        // Messages: each begins at an MSH; batch envelopes are skipped.
        var groups: [[(number: Int, bytes: ArraySlice<UInt8>)]] = []
        for line in lines {
            let name = String(decoding: line.bytes.prefix(3), as: UTF8.self)
            switch name {
            case "FHS", "BHS", "BTS", "FTS": continue
            case "MSH": groups.append([line])
            default:
                guard !groups.isEmpty else {
                    throw HL7ReadError(
                        "line \(line.number)", "\"\(printable(line.bytes.prefix(3)))\" before any MSH segment")
                }
                groups[groups.count - 1].append(line)
            }
        }
        guard !groups.isEmpty else { throw HL7ReadError("file", "no MSH segment: not an HL7 v2 message") }
        return groups.map(RawMessage.init(lines:))
    }

    /// Reads one message: its delimiters, character set and segments.
    public func message(_ raw: RawMessage) throws(HL7ReadError) -> HL7Message {
        let lines = raw.lines
        let header = Array(lines[0].bytes)
        guard header.count >= 8 else {
            throw HL7ReadError("line \(lines[0].number)", "MSH segment too short for its delimiters")
        }
        var delimiters = HL7Delimiters()
        let separator = header[3]
        guard isDelimiter(separator) else {
            throw HL7ReadError(
                "MSH-1", "field separator \"\(printable([separator][...]))\" is not a punctuation character")
        }
        let encoding = Array(header[4...].prefix { $0 != separator })
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
        let headerFields = header.split(separator: separator, omittingEmptySubsequences: false)
        let charset = headerFields.count > 17 ? String(decoding: headerFields[17], as: UTF8.self) : ""
        let latin1: Bool
        switch charset.split(separator: delimiters.repetition).first.map(String.init) ?? "" {
        case "", "ASCII", "UNICODE UTF-8", "UTF-8": latin1 = false
        case "8859/1": latin1 = true
        default:
            throw HL7ReadError(
                "MSH-18", "character set \"\(charset)\" is not supported (ASCII, 8859/1, UNICODE UTF-8)")
        }
        var segments: [HL7Segment] = []
        var texts: [String] = []
        for line in lines {
            let text: String
            if latin1 {
                text = String(String.UnicodeScalarView(line.bytes.map { Unicode.Scalar($0) }))
            } else {
                guard
                    let decoded = line.bytes.withContiguousStorageIfAvailable({ String(validating: $0, as: UTF8.self) })
                        ?? String(validating: Array(line.bytes), as: UTF8.self)
                else {
                    throw HL7ReadError(
                        "line \(line.number)",
                        "not valid UTF-8 (MSH-18 says \(charset.isEmpty ? "nothing, so UTF-8 is expected" : charset))")
                }
                text = decoded
            }
            let name = String(text.prefix(3))
            guard name.count == 3,
                name.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) })
            else {
                throw HL7ReadError(
                    "line \(line.number)", "\"\(String(text.prefix(8)))\" does not begin with a segment name")
            }
            var fields = text.utf8.split(separator: delimiters.fieldByte, omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
            if name == "MSH" {
                // MSH-1 is the separator itself; MSH-2 the encoding characters.
                fields.insert(String(delimiters.field), at: 1)
            } else if text.utf8.count > 3, Array(text.utf8.prefix(4))[3] != delimiters.fieldByte {
                throw HL7ReadError("line \(line.number)", "\(name) is not followed by the field separator")
            }
            segments.append(HL7Segment(name: name, fields: fields, line: line.number))
            texts.append(text)
        }
        return HL7Message(segments: segments, delimiters: delimiters, text: texts.joined(separator: "\r") + "\r")
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
