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

    /// A string member whose text is the string node `node` of `tape`.
    mutating func string(_ name: StaticString, _ tape: JSONTape, _ node: Int32) {
        key(name)
        tape.appendJSONString(node, to: &bytes)
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
        bytes += value.serializedBytes
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

    /// UTF-8 text as a JSON string, escaped as ``JSONValue/serialized`` escapes strings.
    private mutating func writeString(_ text: UnsafeBufferPointer<UInt8>) {
        JSONValue.appendString(utf8: text, to: &bytes)
    }
}
