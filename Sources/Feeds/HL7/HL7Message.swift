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

/// One segment: its name and its fields as sent (escape sequences still in them).
public struct HL7Segment: Sendable, Equatable {
    /// `MSH`, `PID`, `PV1`, `ZSW`…
    public var name: String
    /// The fields, numbered as HL7 numbers them: `fields[1]` is `PID-1`. For MSH, `fields[1]` is the
    /// field separator itself and `fields[2]` the encoding characters, as the standard counts them.
    public var fields: [String]
    /// The segment's line in the file (1-based), for messages about it.
    public var line: Int

    /// The raw text of field `number` (empty when absent).
    public func raw(_ number: Int) -> String { number < fields.count ? fields[number] : "" }
}

/// One HL7 v2 message: its segments and delimiters.
public struct HL7Message: Sendable, Equatable {
    public var segments: [HL7Segment]
    public var delimiters: HL7Delimiters
    /// The message's text, decoded (segments joined by CR).
    public var text: String

    /// The first segment named `name`.
    public func segment(_ name: String) -> HL7Segment? { segments.first { $0.name == name } }

    /// Every segment named `name`, in order.
    public func segments(_ name: String) -> [HL7Segment] { segments.filter { $0.name == name } }

    /// MSH-9 as `ADT^A03` (message code and trigger event).
    public var messageType: (code: String, trigger: String) {
        guard let msh = segment("MSH") else { return ("", "") }
        let type = HL7Field(msh.raw(9), delimiters)
        return (type.value(component: 1), type.value(component: 2))
    }

    /// MSH-10, the message control id.
    public var controlID: String {
        segment("MSH").map { HL7Field($0.raw(10), delimiters).value() } ?? ""
    }

    /// Field `number` of `segment` as a structured value.
    public func field(_ segment: HL7Segment, _ number: Int) -> HL7Field {
        HL7Field(segment.raw(number), delimiters)
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
