/// A strict RFC 8259 JSON reader that produces ``JSONValue`` trees.
///
/// It is the one place RiskScreen turns JSON bytes into values; nothing else depends on how that
/// is done, so a faster reader can replace it behind the same interface.
///
/// It rejects what RFC 8259 rejects (the `n_` cases of JSONTestSuite) and, of what the RFC leaves
/// open, also: invalid UTF-8, escaped lone surrogates, numbers that overflow a `Double`, and nesting
/// deeper than ``maximumDepth``. A UTF-8 byte-order mark at the very start is skipped. Duplicate
/// object keys are refused when ``rejectsDuplicateKeys`` is set.
struct JSONReader {
    /// How deeply arrays and objects may nest before the input is refused.
    var maximumDepth = 128
    /// Whether an object that repeats a key is an error (it is, for events).
    var rejectsDuplicateKeys = true

    /// Parses a whole document into a tape: one value, surrounded only by whitespace.
    func tape(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONTape {
        // The tape keeps positions in 32 bits.
        guard bytes.count < Int(Int32.max) else {
            throw JSONSyntaxError(
                offset: 0, line: 1, column: 1, path: .root, message: "a document of 2 GB or more is not read")
        }
        return try bytes.withUnsafeBufferPointer { (buffer) throws(JSONSyntaxError) -> JSONTape in
            var cursor = Cursor(bytes: buffer, reader: self)
            if buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { cursor.position = 3 }
            do throws(JSONSyntaxError) {
                cursor.skipWhitespace()
                try cursor.value(depth: 0)
                cursor.skipWhitespace()
                if cursor.position < buffer.count {
                    throw cursor.error("unexpected \(cursor.describeByte()) after the end of the JSON value")
                }
            } catch {
                cursor.takeTape().discard()
                throw error
            }
            return JSONTape(bytes: bytes, builder: cursor.takeTape())
        }
    }

    /// Parses a whole document into a ``JSONValue`` tree.
    func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        try tape(bytes).root.materialized
    }
}

/// A JSON text that is not valid JSON: where (byte offset, line, column, and the JSON path of
/// the container being read) and what was expected.
struct JSONSyntaxError: Error, Sendable {
    var offset: Int
    var line: Int
    var column: Int
    var path: JSONPath
    var message: String
}

private struct Cursor: ~Copyable {
    let bytes: UnsafeBufferPointer<UInt8>
    let reader: JSONReader
    var tape: JSONTapeBuilder
    var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>, reader: JSONReader) {
        self.bytes = bytes
        self.reader = reader
        tape = JSONTapeBuilder(capacity: bytes.count / 8 + 4)
    }

    /// The tape written so far, handed over.
    consuming func takeTape() -> JSONTapeBuilder { tape }

    /// Skips whitespace; most often there is none, or one space, which is told here without a call.
    @inline(__always)
    mutating func skipWhitespace() {
        if position < bytes.count {
            let byte = bytes[position]
            if byte > 0x20 { return }
            if byte == 0x20, position + 1 < bytes.count, bytes[position + 1] > 0x20 {
                position += 1
                return
            }
        }
        skipWhitespaceRun()
    }

    /// Skips a run of whitespace. (Its bytes are told by tests in turn, not a `switch`: the jump
    /// table was mispredicted at nearly every line of an indented file.)
    @inline(never)
    mutating func skipWhitespaceRun() {
        while position < bytes.count {
            let byte = bytes[position]
            if byte == 0x0A {
                position += 1
                // Indentation after a line break (pretty-printed files): its spaces counted eight
                // bytes at a time (the first byte that is not a space ends the run; most often
                // the value or key that follows, and the run ends there).
                let spaces: UInt64 = 0x2020_2020_2020_2020
                while position + 8 <= bytes.count {
                    let others =
                        UnsafeRawPointer(bytes.baseAddress! + position).loadUnaligned(as: UInt64.self) ^ spaces
                    if others != 0 {
                        position += others.trailingZeroBitCount / 8
                        if bytes[position] > 0x20 { return }
                        break
                    }
                    position += 8
                }
            } else if byte == 0x20 || byte == 0x0D || byte == 0x09 {
                position += 1
            } else {
                return
            }
        }
    }

    /// Appends one value (and everything inside it) to the tape.
    mutating func value(depth: Int) throws(JSONSyntaxError) {
        guard position < bytes.count else { throw error("unexpected end of input; expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): try object(depth: depth + 1)
        case UInt8(ascii: "["): try array(depth: depth + 1)
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "t"):
            try literal("true")
            tape.append(.bool, flag: true)
        case UInt8(ascii: "f"):
            try literal("false")
            tape.append(.bool, flag: false)
        case UInt8(ascii: "n"):
            try literal("null")
            tape.append(.null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            tape.append(.number, number: try number())
        default: throw error("unexpected \(describeByte()); expected a value")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw error("unexpected end of input in a literal") }
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
        for index in 0..<count where bytes[position + index] != expected[index] {
            throw error("unexpected \(describeByte()); expected a value")
        }
        position += count
    }

    private mutating func object(depth: Int) throws(JSONSyntaxError) {
        guard depth <= reader.maximumDepth else { throw error("nesting deeper than \(reader.maximumDepth) levels") }
        position += 1
        let node = tape.append(.object)
        var members: Int32 = 0
        // The object's keys so far, a bit each (see `mayRepeat`).
        var keys: UInt64 = 0
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            tape.close(node, count: 0)
            return
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw error(
                    position < bytes.count
                        ? "unexpected \(describeByte()); expected a quoted key"
                        : "unexpected end of input; expected a quoted key")
            }
            let keyOffset = position
            let key = try string()
            if reader.rejectsDuplicateKeys, mayRepeat(key, seen: &keys),
                tape.hasEarlierKey(equalTo: key, in: node, bytes: bytes)
            {
                throw error(
                    "duplicate key \(JSONValue.quoted(tape.text(key, in: bytes), limit: 60)); clinical data must not be ambiguous",
                    at: keyOffset)
            }
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                throw error(
                    position < bytes.count
                        ? "unexpected \(describeByte()); expected ':' after a key"
                        : "unexpected end of input; expected ':'")
            }
            position += 1
            skipWhitespace()
            do {
                try value(depth: depth)
            } catch {
                throw error.prependingKey(tape.text(key, in: bytes))
            }
            members += 1
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input; expected ',' or '}'") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                tape.close(node, count: members)
                return
            default: throw error("unexpected \(describeByte()); expected ',' or '}'")
            }
        }
    }

    /// Whether the key node `key` may equal one of its object's earlier keys, whose bits are in
    /// `seen` (a one-word Bloom filter of their lengths and first and last bytes): only then are
    /// the earlier keys compared, so an object's duplicate check is not quadratic in practice.
    /// A key with escapes sets every bit (its bytes as sent are not its text).
    @inline(__always)
    private func mayRepeat(_ key: Int32, seen: inout UInt64) -> Bool {
        let node = tape[key]
        let bit: UInt64
        if node.count > 0 {
            bit = .max
        } else {
            let length = Int(node.end - node.start)
            let ends = length == 0 ? 0 : Int(bytes[Int(node.start)]) &* 7 &+ Int(bytes[Int(node.end) - 1]) &* 13
            bit = 1 << UInt64((length &+ ends) & 63)
        }
        defer { seen |= bit }
        return seen & bit != 0
    }

    private mutating func array(depth: Int) throws(JSONSyntaxError) {
        guard depth <= reader.maximumDepth else { throw error("nesting deeper than \(reader.maximumDepth) levels") }
        position += 1
        let node = tape.append(.array)
        var items: Int32 = 0
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            tape.close(node, count: 0)
            return
        }
        while true {
            skipWhitespace()
            do {
                try value(depth: depth)
            } catch {
                throw error.prependingIndex(Int(items))
            }
            items += 1
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input; expected ',' or ']'") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                tape.close(node, count: items)
                return
            default: throw error("unexpected \(describeByte()); expected ',' or ']'")
            }
        }
    }

    /// Reads a string starting at its opening quote and appends it to the tape; returns its node.
    /// Without escapes the node keeps only the byte range (validated UTF-8); with escapes, the
    /// decoded text.
    @discardableResult
    @inline(__always)
    private mutating func string() throws(JSONSyntaxError) -> Int32 {
        if let node = plainString() { return node }
        return try otherString()
    }

    /// The usual string, read here without a call: its closing quote is the first byte the
    /// eight-byte scan stops at (no escape, control character, DEL or non-ASCII before it). It is
    /// plain: copied as it is by a JSON writer. `nil` (nothing read) for any other string.
    @inline(__always)
    private mutating func plainString() -> Int32? {
        let start = position &+ 1
        var index = start
        // Eight bytes at a time while none is a quote, a backslash, a control character, DEL or
        // non-ASCII (the usual case in event files).
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        while index &+ 8 <= bytes.count {
            let word = UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self)
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            // A zero byte in x shows up as a high bit in (x - ones) & ~x & high.
            let special =
                ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- (ones &* 0x20)) & ~word)
                | word | (word &+ ones)
            let found = special & high
            if found != 0 {
                // The first special byte (the lowest flagged one is always a true match).
                let first = index &+ found.trailingZeroBitCount / 8
                guard bytes[first] == UInt8(ascii: "\"") else { return nil }
                position = first &+ 1
                return tape.appendString(start: start, end: first, plain: true)
            }
            index &+= 8
        }
        return nil
    }

    /// Any other string (escapes, non-ASCII, DEL, a control character, or near the end of the
    /// input), byte by byte from its opening quote.
    @inline(never)
    private mutating func otherString() throws(JSONSyntaxError) -> Int32 {
        let start = position + 1
        var index = start
        var asciiOnly = true
        var hasDelete = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                if !asciiOnly {
                    let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                    guard String(validating: slice, as: UTF8.self) != nil else {
                        throw error("a string is not valid UTF-8", at: start + invalidUTF8Offset(slice))
                    }
                }
                return tape.appendString(start: start, end: index, plain: asciiOnly && !hasDelete)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 {
                throw error(
                    "a control character (0x\(String(byte, radix: 16))) must be escaped inside a string", at: index)
            }
            if byte >= 0x80 { asciiOnly = false }
            if byte == 0x7F { hasDelete = true }
            index += 1
        }
        // Slow path: escapes.
        var buffer = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while true {
            guard index < bytes.count else { throw error("unexpected end of input inside a string", at: index) }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                position = index + 1
                guard let text = String(validating: buffer, as: UTF8.self) else {
                    throw error("a string is not valid UTF-8", at: start)
                }
                return tape.appendString(start: start, end: index, decoded: text)
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw error("unexpected end of input in an escape", at: index) }
                switch bytes[index] {
                case UInt8(ascii: "\""): buffer.append(0x22)
                case UInt8(ascii: "\\"): buffer.append(0x5C)
                case UInt8(ascii: "/"): buffer.append(0x2F)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4(at: index + 1)
                    index += 4
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 6 < bytes.count, bytes[index + 1] == UInt8(ascii: "\\"),
                            bytes[index + 2] == UInt8(ascii: "u")
                        else { throw error("a \\u escape is a lone high surrogate", at: index - 5) }
                        let low = try hex4(at: index + 3)
                        guard (0xDC00...0xDFFF).contains(low) else {
                            throw error("a \\u escape is a high surrogate not followed by a low one", at: index - 5)
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        index += 6
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error("a \\u escape is a lone low surrogate", at: index - 5)
                    }
                    // Every value left here is a valid scalar.
                    let character = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                    buffer.append(contentsOf: Array(String(character).utf8))
                default:
                    throw error("invalid escape \\\(describe(bytes[index]))", at: index - 1)
                }
                index += 1
            default:
                if byte < 0x20 {
                    throw error(
                        "a control character (0x\(String(byte, radix: 16))) must be escaped inside a string", at: index)
                }
                buffer.append(byte)
                index += 1
            }
        }
    }

    private func hex4(at offset: Int) throws(JSONSyntaxError) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw error("unexpected end of input in a \\u escape", at: offset) }
        var value: UInt32 = 0
        for index in offset..<offset + 4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("a \\u escape needs four hexadecimal digits", at: index)
            }
            value = value << 4 | digit
        }
        return value
    }

    /// Reads a number; exact for the short decimals that events hold, `Double`'s parser otherwise.
    private mutating func number() throws(JSONSyntaxError) -> Double {
        let start = position
        var index = position
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        guard index < bytes.count, isDigit(bytes[index]) else {
            throw error("a number needs a digit after '-'", at: index)
        }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) {
                throw error("a number must not have a leading zero", at: start)
            }
        } else {
            while index < bytes.count, isDigit(bytes[index]) {
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(bytes[index] - 0x30) } else { exponent += 1 }
                digits += 1
                index += 1
            }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw error("a number needs a digit after '.'", at: index)
            }
            while index < bytes.count, isDigit(bytes[index]) {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(bytes[index] - 0x30)
                    exponent -= 1
                    if mantissa != 0 { digits += 1 }
                }
                index += 1
            }
        }
        var hasExponent = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            hasExponent = true
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw error("a number needs a digit in its exponent", at: index)
            }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        position = index
        // Clinger's fast path: both factors exact, so one IEEE operation rounds correctly.
        if !hasExponent, digits <= 15, mantissa < (1 << 53), exponent >= -22, exponent <= 22 {
            var value = Double(mantissa)
            if exponent < 0 { value /= powersOfTen[-exponent] } else { value *= powersOfTen[exponent] }
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error("the number \(text.prefix(40)) is out of range", at: start)
        }
        return value
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    func describeByte() -> String {
        position < bytes.count ? describe(bytes[position]) : "end of input"
    }

    private func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    private func invalidUTF8Offset(_ slice: UnsafeBufferPointer<UInt8>) -> Int {
        var index = 0
        var decoder = UTF8()
        var iterator = slice.makeIterator()
        var consumed = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                index = consumed
                consumed += UTF8.width(scalar)
            case .emptyInput: return consumed
            case .error: return consumed > index ? consumed : index
            }
        }
    }

    func error(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        let offset = min(offset ?? position, bytes.count)
        var line = 1
        var column = 1
        for byte in UnsafeBufferPointer(rebasing: bytes[0..<offset]) {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONSyntaxError(offset: offset, line: line, column: column, path: .root, message: message)
    }
}

private let powersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
    1e20, 1e21, 1e22,
]

extension JSONSyntaxError {
    /// The same error seen from one container further out: its path gains the step taken there.
    fileprivate func prependingKey(_ key: String) -> JSONSyntaxError {
        var copy = self
        copy.path = copy.path.prepending(key: key)
        return copy
    }

    fileprivate func prependingIndex(_ index: Int) -> JSONSyntaxError {
        var copy = self
        copy.path = copy.path.prepending(index: index)
        return copy
    }
}

extension JSONPath {
    /// This path with one more step at its root end (used while an error unwinds outwards).
    fileprivate func prepending(key: String) -> JSONPath {
        switch self {
        case .root: .key(.root, key)
        case .key(let parent, let name): .key(parent.prepending(key: key), name)
        case .index(let parent, let index): .index(parent.prepending(key: key), index)
        }
    }

    fileprivate func prepending(index newIndex: Int) -> JSONPath {
        switch self {
        case .root: .index(.root, newIndex)
        case .key(let parent, let name): .key(parent.prepending(index: newIndex), name)
        case .index(let parent, let index): .index(parent.prepending(index: newIndex), index)
        }
    }
}
