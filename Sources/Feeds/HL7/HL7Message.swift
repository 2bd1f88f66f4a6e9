/// The five characters that structure an HL7 v2 message (ER7), as its MSH-1 and MSH-2 declare them.
/// Always ASCII punctuation: kept as bytes, so that fields are cut on bytes, not on characters.
public struct HL7Delimiters: Sendable, Equatable {
    public var fieldByte = UInt8(ascii: "|")
    public var componentByte = UInt8(ascii: "^")
    public var repetitionByte = UInt8(ascii: "~")
    public var escapeByte = UInt8(ascii: "\\")
    public var subcomponentByte = UInt8(ascii: "&")

    public init() {}

    public var field: Character { Character(Unicode.Scalar(fieldByte)) }
    public var component: Character { Character(Unicode.Scalar(componentByte)) }
    public var repetition: Character { Character(Unicode.Scalar(repetitionByte)) }
    public var escape: Character { Character(Unicode.Scalar(escapeByte)) }
    public var subcomponent: Character { Character(Unicode.Scalar(subcomponentByte)) }
}

/// One HL7 v2 message: its text (UTF-8, each segment ended by CR) and where each segment and each
/// field begins in it. Fields are byte ranges, cut on the delimiters' bytes; text is made of them
/// only when asked for, with escape sequences decoded then.
public struct HL7Message: Sendable {
    /// One segment's place: its name (three ASCII bytes), its line in the file, and its fields'
    /// starts in `bounds`.
    struct Entry: Sendable {
        var name: UInt32
        var line: Int32
        /// Index in `bounds` of the segment's first start (its name's).
        var first: Int32
        /// The pieces between field separators, the name included.
        var count: Int32
    }

    public let delimiters: HL7Delimiters
    /// The message's UTF-8 text, each segment ended by CR.
    let bytes: [UInt8]
    let entries: [Entry]
    /// For each segment, the start of each piece between field separators, then one past its end
    /// (piece i spans `bounds[first + i] ..< bounds[first + i + 1] - 1`).
    let bounds: [Int32]

    init(delimiters: HL7Delimiters, bytes: [UInt8], entries: [Entry], bounds: [Int32]) {
        self.delimiters = delimiters
        self.bytes = bytes
        self.entries = entries
        self.bounds = bounds
    }

    /// A segment name as the packed form `entries` keep.
    static func packed(_ name: StaticString) -> UInt32 {
        let pointer = name.utf8Start
        return UInt32(pointer[0]) << 16 | UInt32(pointer[1]) << 8 | UInt32(pointer[2])
    }

    static func packed(_ name: String) -> UInt32 {
        let utf8 = Array(name.utf8)
        guard utf8.count == 3 else { return 0 }
        return UInt32(utf8[0]) << 16 | UInt32(utf8[1]) << 8 | UInt32(utf8[2])
    }

    static let msh = packed("MSH" as StaticString)

    /// The index of the first segment named `name`.
    func first(_ name: UInt32) -> Int? { entries.firstIndex { $0.name == name } }

    /// The indices of every segment named `name`, in order.
    func all(_ name: UInt32) -> [Int] { entries.indices.filter { entries[$0].name == name } }

    /// The bytes of field `number` of segment `index`, as sent (empty when absent). MSH-1 is the
    /// field separator itself, MSH-2 the encoding characters, as the standard counts them.
    func field(_ index: Int, _ number: Int) -> Range<Int> {
        let entry = entries[index]
        var piece = number
        if entry.name == Self.msh {
            if number == 1 {
                let start = Int(bounds[Int(entry.first)]) + 3
                return start..<start + 1
            }
            piece = number - 1
        }
        guard piece >= 1, piece < Int(entry.count) else { return 0..<0 }
        let at = Int(entry.first) + piece
        return Int(bounds[at])..<Int(bounds[at + 1]) - 1
    }

    /// Component `component`, sub-component `sub` (1-based) of the first repetition of `field`.
    func part(_ field: Range<Int>, component: Int = 1, sub: Int = 1) -> Range<Int> {
        guard component >= 1, sub >= 1, !field.isEmpty else { return field.lowerBound..<field.lowerBound }
        return bytes.withUnsafeBufferPointer { buffer in
            var start = field.lowerBound
            var end = field.upperBound
            // The first repetition.
            var index = start
            while index < end {
                if buffer[index] == delimiters.repetitionByte {
                    end = index
                    break
                }
                index += 1
            }
            func narrow(to number: Int, by delimiter: UInt8) -> Bool {
                var count = 1
                var index = start
                while count < number {
                    while index < end, buffer[index] != delimiter { index += 1 }
                    guard index < end else { return false }
                    index += 1
                    start = index
                    count += 1
                }
                while index < end, buffer[index] != delimiter { index += 1 }
                end = index
                return true
            }
            guard narrow(to: component, by: delimiters.componentByte),
                narrow(to: sub, by: delimiters.subcomponentByte)
            else { return start..<start }
            return start..<end
        }
    }

    /// The repetitions of `field`, each a range of its own.
    func repetitions(_ field: Range<Int>) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = field.lowerBound
        for index in field where bytes[index] == delimiters.repetitionByte {
            result.append(start..<index)
            start = index + 1
        }
        result.append(start..<field.upperBound)
        return result
    }

    /// `range` without leading and trailing blanks; HL7's explicit null `""` is empty.
    func trimmed(_ range: Range<Int>) -> Range<Int> {
        var start = range.lowerBound
        var end = range.upperBound
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        if end - start == 2, bytes[start] == 0x22, bytes[start + 1] == 0x22 { return start..<start }
        return start..<end
    }

    /// Whether `range` holds an escape sequence.
    func hasEscape(_ range: Range<Int>) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            for index in range where buffer[index] == delimiters.escapeByte { return true }
            return false
        }
    }

    /// The text of `range`, escape sequences decoded (a malformed one is an error).
    func text(_ range: Range<Int>) throws(HL7EscapeError) -> String {
        let raw = bytes.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self)
        }
        return hasEscape(range) ? try HL7Escape.decode(raw, delimiters) : raw
    }

    // MARK: - Segments and fields as values (for tools and tests)

    /// The segments, in order.
    public var segments: [HL7Segment] { entries.indices.map { HL7Segment(message: self, index: $0) } }

    /// The first segment named `name`.
    public func segment(_ name: String) -> HL7Segment? {
        first(Self.packed(name)).map { HL7Segment(message: self, index: $0) }
    }

    /// Every segment named `name`, in order.
    public func segments(_ name: String) -> [HL7Segment] {
        all(Self.packed(name)).map { HL7Segment(message: self, index: $0) }
    }

    /// The message's text, decoded (each segment ended by CR).
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// MSH-9 as `ADT^A03` (message code and trigger event).
    public var messageType: (code: String, trigger: String) {
        guard let msh = first(Self.msh) else { return ("", "") }
        let type = field(msh, 9)
        return ((try? text(part(type))) ?? "", (try? text(part(type, component: 2))) ?? "")
    }

    /// MSH-10, the message control id.
    public var controlID: String {
        guard let msh = first(Self.msh) else { return "" }
        return (try? text(trimmed(part(field(msh, 10))))) ?? ""
    }

    /// Field `number` of `segment` as a structured value.
    public func field(_ segment: HL7Segment, _ number: Int) -> HL7Field {
        HL7Field(segment.raw(number), delimiters)
    }
}

/// One segment of a message: its name, line, and fields as sent.
public struct HL7Segment: Sendable {
    let message: HL7Message
    let index: Int

    /// `MSH`, `PID`, `PV1`, `ZSW`…
    public var name: String {
        let packed = message.entries[index].name
        return String(
            decoding: [UInt8(packed >> 16 & 0xFF), UInt8(packed >> 8 & 0xFF), UInt8(packed & 0xFF)], as: UTF8.self)
    }

    /// The segment's line in the file (1-based), for messages about it.
    public var line: Int { Int(message.entries[index].line) }

    /// The raw text of field `number` (empty when absent); MSH-1 is the separator.
    public func raw(_ number: Int) -> String {
        let range = message.field(index, number)
        return message.bytes.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self)
        }
    }
}
/// A field's value: repetitions of components of sub-components, each unescaped when read.
public struct HL7Field: Sendable {
    public let raw: String
    let delimiters: HL7Delimiters

    public init(_ raw: String, _ delimiters: HL7Delimiters) {
        self.raw = raw
        self.delimiters = delimiters
    }

    /// Whether nothing was sent (an empty field, or `""`, HL7's explicit null).
    public var isEmpty: Bool { raw.isEmpty || raw == "\"\"" }

    /// The repetitions (`~`), each a field of its own.
    public var repetitions: [HL7Field] {
        raw.utf8.split(separator: delimiters.repetitionByte, omittingEmptySubsequences: false).map {
            HL7Field(String(decoding: $0, as: UTF8.self), delimiters)
        }
    }

    /// Component `component` (1-based), sub-component `sub`, of the first repetition, unescaped;
    /// empty when absent. Throws nothing: a malformed escape is kept as sent (``check()`` finds it).
    public func value(component: Int = 1, sub: Int = 1) -> String {
        (try? unescaped(component: component, sub: sub)) ?? rawPart(component: component, sub: sub)
    }

    /// As ``value(component:sub:)``, but a malformed escape sequence is an error.
    public func unescaped(component: Int = 1, sub: Int = 1) throws(HL7EscapeError) -> String {
        let part = rawPart(component: component, sub: sub)
        return part == "\"\"" ? "" : try HL7Escape.decode(part, delimiters)
    }

    /// The part's text as sent: cut on the delimiters' bytes (ASCII, so never inside a character).
    func rawPart(component: Int, sub: Int) -> String {
        guard component >= 1, sub >= 1 else { return "" }
        let utf8 = raw.utf8
        var end = utf8.firstIndex(of: delimiters.repetitionByte) ?? utf8.endIndex
        var start = utf8.startIndex
        func narrow(to number: Int, by delimiter: UInt8) -> Bool {
            var index = 1
            while index < number {
                guard let cut = utf8[start..<end].firstIndex(of: delimiter) else { return false }
                start = utf8.index(after: cut)
                index += 1
            }
            end = utf8[start..<end].firstIndex(of: delimiter) ?? end
            return true
        }
        guard narrow(to: component, by: delimiters.componentByte), narrow(to: sub, by: delimiters.subcomponentByte)
        else { return "" }
        return String(decoding: utf8[start..<end], as: UTF8.self)
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (the only blanks HL7 fields carry).
    var trimmedBlanks: String {
        let utf8 = self.utf8
        guard let first = utf8.first, let last = utf8.last,
            first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09
        else { return self }
        guard let start = utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
            let end = utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })
        else { return "" }
        return String(decoding: utf8[start...end], as: UTF8.self)
    }
}

/// A malformed escape sequence.
public struct HL7EscapeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}

/// HL7 escape sequences: `\F\ \S\ \T\ \R\ \E\` (the delimiters), `\Xhh…\` (bytes, as UTF-8),
/// `\.br\` (a line break); highlighting (`\H\ \N\`) and other formatting is dropped.
enum HL7Escape {
    static func decode(_ text: String, _ delimiters: HL7Delimiters) throws(HL7EscapeError) -> String {
        guard text.utf8.contains(delimiters.escapeByte) else { return text }
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            guard character == delimiters.escape else {
                result.append(character)
                index = text.index(after: index)
                continue
            }
            let start = text.index(after: index)
            guard let end = text[start...].firstIndex(of: delimiters.escape) else {
                throw HL7EscapeError(description: "an escape sequence is not closed: \"\(text)\"")
            }
            let code = text[start..<end]
            switch code {
            case "F": result.append(delimiters.field)
            case "S": result.append(delimiters.component)
            case "T": result.append(delimiters.subcomponent)
            case "R": result.append(delimiters.repetition)
            case "E": result.append(delimiters.escape)
            case ".br": result.append("\n")
            case "H", "N": break
            default:
                if code.hasPrefix("X") {
                    let hex = Array(code.dropFirst().utf8)
                    guard hex.count % 2 == 0, !hex.isEmpty else {
                        throw HL7EscapeError(description: "\\\(code)\\ is not whole bytes in hexadecimal")
                    }
                    var bytes: [UInt8] = []
                    var position = 0
                    while position < hex.count {
                        guard let high = hexValue(hex[position]), let low = hexValue(hex[position + 1]) else {
                            throw HL7EscapeError(description: "\\\(code)\\ is not hexadecimal")
                        }
                        bytes.append(high << 4 | low)
                        position += 2
                    }
                    guard let decoded = String(validating: bytes, as: UTF8.self) else {
                        throw HL7EscapeError(description: "\\\(code)\\ is not UTF-8 text")
                    }
                    result += decoded
                } else if code.hasPrefix(".") || code.hasPrefix("C") || code.hasPrefix("M") || code.hasPrefix("Z") {
                    // Formatting (.sp, .in, …) and character-set switches: dropped.
                } else {
                    throw HL7EscapeError(description: "unknown escape sequence \\\(code)\\")
                }
            }
            index = text.index(after: end)
        }
        return result
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
