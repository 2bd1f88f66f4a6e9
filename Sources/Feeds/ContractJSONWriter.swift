import Events

/// A contract event written straight into JSON bytes as a feed message is mapped: no tree of
/// values in between. Members are written in the order they come; strings are escaped as
/// ``JSONValue/serialized`` escapes them (so the bytes read back as the same text).
struct ContractJSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Whether the container being written already has a member (the next one needs a comma).
    private var hasMember = false

    init(capacity: Int = 2048) { bytes.reserveCapacity(capacity) }

    private mutating func append(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func separate() {
        if hasMember { bytes.append(UInt8(ascii: ",")) }
        hasMember = true
    }

    private mutating func key(_ key: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        append(key)
        append("\":")
    }

    mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
        hasMember = false
    }

    /// An object as the next element of an array.
    mutating func beginElement() {
        separate()
        beginObject()
    }

    mutating func beginObject(_ name: StaticString) {
        key(name)
        beginObject()
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        hasMember = true
    }

    mutating func beginArray(_ name: StaticString) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        hasMember = false
    }

    mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        hasMember = true
    }

    mutating func string(_ name: StaticString, _ value: String) {
        key(name)
        var value = value
        value.withUTF8 { writeString($0) }
    }

    /// A string member whose text is `source[range]` (UTF-8, no escape sequences of HL7's).
    mutating func string(_ name: StaticString, _ source: [UInt8], _ range: Range<Int>) {
        key(name)
        source.withUnsafeBufferPointer { writeString(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// A member whose value is already written: `write` appends it.
    mutating func member(_ name: StaticString, _ write: (inout [UInt8]) -> Void) {
        key(name)
        write(&bytes)
    }

    /// A member named at run time (a site field's key).
    mutating func member(named name: String, _ value: JSONValue) {
        separate()
        var name = name
        name.withUTF8 { writeString($0) }
        bytes.append(UInt8(ascii: ":"))
        bytes += value.serialized.utf8
    }

    /// A member that opens an object named at run time.
    mutating func beginObject(named name: String) {
        separate()
        var name = name
        name.withUTF8 { writeString($0) }
        bytes.append(UInt8(ascii: ":"))
        beginObject()
    }

    mutating func number(_ name: StaticString, _ value: Double) {
        key(name)
        if value == value.rounded(), abs(value) < 1e15 {
            bytes += String(Int64(value)).utf8
        } else {
            bytes += String(value).utf8
        }
    }

    mutating func integer(_ name: StaticString, _ value: Int) {
        key(name)
        bytes += String(value).utf8
    }

    /// Another writer's members, as members of the container being written.
    mutating func members(of other: ContractJSONWriter) {
        guard !other.bytes.isEmpty else { return }
        if hasMember { bytes.append(UInt8(ascii: ",")) }
        bytes += other.bytes
        hasMember = true
    }

    /// Whether nothing has been written.
    var isEmpty: Bool { bytes.isEmpty }

    /// UTF-8 text as a JSON string: copied as it is, except `"`, `\`, control characters, DEL and
    /// U+2028/U+2029, which are escaped (as ``JSONValue/serialized`` does).
    private mutating func writeString(_ text: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var index = 0
        var clean = 0
        func flush(_ end: Int) {
            if end > clean { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[clean..<end])) }
        }
        while index < text.count {
            let byte = text[index]
            if byte >= 0x20, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte != 0x7F, byte != 0xE2 {
                index += 1
                continue
            }
            if byte == 0xE2 {
                guard index + 2 < text.count, text[index + 1] == 0x80,
                    text[index + 2] == 0xA8 || text[index + 2] == 0xA9
                else {
                    index += 1
                    continue
                }
                flush(index)
                escape(text[index + 2] == 0xA8 ? 0x2028 : 0x2029)
                index += 3
                clean = index
                continue
            }
            flush(index)
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case UInt8(ascii: "\n"): append("\\n")
            case UInt8(ascii: "\r"): append("\\r")
            case UInt8(ascii: "\t"): append("\\t")
            default: escape(UInt32(byte))
            }
            index += 1
            clean = index
        }
        flush(text.count)
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ value: UInt32) {
        let digits: StaticString = "0123456789abcdef"
        append("\\u")
        for shift in stride(from: 12, through: 0, by: -4) {
            bytes.append(digits.utf8Start[Int(value >> UInt32(shift)) & 0xF])
        }
    }
}
