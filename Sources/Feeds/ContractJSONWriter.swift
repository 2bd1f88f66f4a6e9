import Events

/// A contract event written straight into JSON bytes as a feed message is mapped: no tree of
/// values in between. Members are written in the order they come; strings are escaped as
/// ``JSONValue/serialized`` escapes them (so the bytes read back as the same text).
///
/// The bytes go into a buffer of its own, written through a pointer: room is made once for a
/// whole member (its comma, key and value), not checked byte by byte as an array's appends do.
/// Not copyable: one mapping owns it, and the buffer is freed with it.
struct ContractJSONWriter: ~Copyable, ByteOutput {
    private var base: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int
    /// Whether the container being written already has a member (the next one needs a comma).
    private var hasMember = false

    /// The buffer of a writer made with no capacity, never written through: such a writer (the
    /// screening answers', most often left empty) allocates only when it is first written.
    nonisolated(unsafe) private static let unallocated = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)

    init(capacity: Int = 2048) {
        self.capacity = max(capacity, 0)
        base = capacity > 0 ? .allocate(capacity: capacity) : Self.unallocated
    }

    deinit { if capacity > 0 { base.deallocate() } }

    /// What has been written.
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Whether nothing has been written.
    var isEmpty: Bool { count == 0 }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    @inline(never)
    private mutating func grow(to needed: Int) {
        let larger = max(needed, capacity * 2, 256)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        moved.initialize(from: base, count: count)
        if capacity > 0 { base.deallocate() }
        base = moved
        capacity = larger
    }

    /// One byte, room made.
    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        base[count] = byte
        count += 1
    }

    /// `length` bytes from `source`, room made: short runs (keys, codes) copied here, eight
    /// bytes at a time, rather than by a call.
    @inline(__always)
    private mutating func put(_ source: UnsafePointer<UInt8>, _ length: Int) {
        let target = base + count
        if length > 32 {
            target.update(from: source, count: length)
        } else {
            var offset = 0
            while offset + 8 <= length {
                UnsafeMutableRawPointer(target + offset).storeBytes(
                    of: UnsafeRawPointer(source + offset).loadUnaligned(as: UInt64.self), as: UInt64.self)
                offset += 8
            }
            while offset < length {
                target[offset] = source[offset]
                offset += 1
            }
        }
        count += length
    }

    /// One byte (``ByteOutput``: the HL7 date-times are written through it).
    mutating func append(_ byte: UInt8) {
        reserve(1)
        put(byte)
    }

    /// Bytes as they are.
    private mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let start = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        put(start, bytes.count)
    }

    /// A key and its colon, after a comma when the container has a member; room is made for
    /// `value` more bytes after it.
    private mutating func key(_ key: StaticString, value: Int = 0) {
        let length = key.utf8CodeUnitCount
        reserve(length + 4 + value)
        if hasMember { put(UInt8(ascii: ",")) }
        hasMember = true
        put(UInt8(ascii: "\""))
        put(key.utf8Start, length)
        put(UInt8(ascii: "\""))
        put(UInt8(ascii: ":"))
    }

    private mutating func separate() {
        if hasMember { append(UInt8(ascii: ",")) }
        hasMember = true
    }

    mutating func beginObject() {
        append(UInt8(ascii: "{"))
        hasMember = false
    }

    /// An object as the next element of an array.
    mutating func beginElement() {
        separate()
        beginObject()
    }

    mutating func beginObject(_ name: StaticString) {
        key(name, value: 1)
        put(UInt8(ascii: "{"))
        hasMember = false
    }

    mutating func endObject() {
        append(UInt8(ascii: "}"))
        hasMember = true
    }

    mutating func beginArray(_ name: StaticString) {
        key(name, value: 1)
        put(UInt8(ascii: "["))
        hasMember = false
    }

    mutating func endArray() {
        append(UInt8(ascii: "]"))
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
    mutating func string(_ name: StaticString, _ tape: JSONTape.Reader, _ node: Int32) {
        if let plain = tape.plainJSONString(node) {
            // Plain as sent: copied, quotes and all, with its key in one reservation.
            key(name, value: plain.count)
            put(plain.baseAddress!, plain.count)
        } else {
            key(name)
            tape.withUTF8(node) { writeString($0) }
        }
    }

    /// A member whose value `write` writes (through ``append(_:)``).
    mutating func member(_ name: StaticString, _ write: (inout ContractJSONWriter) -> Void) {
        key(name)
        write(&self)
    }

    /// A member named at run time (a site field's key).
    mutating func member(named name: String, _ value: JSONValue) {
        separate()
        var name = name
        name.withUTF8 { writeString($0) }
        append(UInt8(ascii: ":"))
        value.serializedBytes.withUnsafeBufferPointer { append($0) }
    }

    /// A member that opens an object named at run time.
    mutating func beginObject(named name: String) {
        separate()
        var name = name
        name.withUTF8 { writeString($0) }
        append(UInt8(ascii: ":"))
        beginObject()
    }

    mutating func number(_ name: StaticString, _ value: Double) {
        key(name)
        var text = value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        text.withUTF8 { append($0) }
    }

    mutating func integer(_ name: StaticString, _ value: Int) {
        key(name)
        var text = String(value)
        text.withUTF8 { append($0) }
    }

    /// Another writer's members, as members of the container being written.
    mutating func members(of other: borrowing ContractJSONWriter) {
        guard !other.isEmpty else { return }
        reserve(other.count + 1)
        if hasMember { put(UInt8(ascii: ",")) }
        put(other.base, other.count)
        hasMember = true
    }

    /// UTF-8 text as a JSON string, escaped as ``JSONValue/serialized`` escapes strings: in one
    /// copy between its quotes when it needs no escape (nearly always).
    private mutating func writeString(_ text: UnsafeBufferPointer<UInt8>) {
        if JSONValue.needsNoEscape(text) {
            reserve(text.count + 2)
            put(UInt8(ascii: "\""))
            if let start = text.baseAddress { put(start, text.count) }
            put(UInt8(ascii: "\""))
        } else {
            var escaped: [UInt8] = []
            JSONValue.appendString(utf8: text, to: &escaped)
            escaped.withUnsafeBufferPointer { append($0) }
        }
    }
}

/// Somewhere bytes are written one at a time (an array, or a ``ContractJSONWriter``).
protocol ByteOutput: ~Copyable {
    mutating func append(_ byte: UInt8)
}

extension Array: ByteOutput where Element == UInt8 {}
