#if canImport(Glibc)
    import Glibc
#endif

/// A parsed JSON document as one flat array of nodes over the original bytes (a "tape", as
/// simdjson calls it): the event decoder reads it in place, so a string becomes a `String` only
/// when the validator asks for it and an object's members are never copied into arrays.
///
/// Public so the FHIR mapper reads a bundle the same way, without a ``JSONValue`` tree.
///
/// Each node is a value; an array's elements and an object's keys and values follow it in
/// document order, and its `next` says where its subtree ends. Strings without escapes keep only
/// their byte range (their UTF-8 was validated while parsing); strings with escapes keep their
/// decoded text.
public final class JSONTape {
    enum Kind: UInt8 {
        case null, bool, number, string, array, object
    }

    struct Node {
        var kind: Kind
        /// A boolean's value; for a string, whether it is plain: ASCII from 0x20 to 0x7E without
        /// a quote or backslash, as sent (a JSON writer copies it as it is).
        var flag = false
        /// A string's content bytes (between the quotes).
        var start: Int32 = 0
        var end: Int32 = 0
        /// The index after this node's subtree.
        var next: Int32 = 0
        /// An array's elements, an object's members; for an escaped string, its index in `decoded`
        /// plus one (0: not escaped).
        var count: Int32 = 0
        var number: Double = 0
    }

    let bytes: [UInt8]
    /// The nodes, in memory of the tape's own (freed with it): read without reference counting or
    /// uniqueness checks.
    let nodes: UnsafeBufferPointer<Node>
    /// The text of the strings that had escapes.
    let decoded: [String]

    /// A tape of `bytes` that takes over the nodes a ``JSONTapeBuilder`` wrote.
    init(bytes: [UInt8], builder: consuming JSONTapeBuilder) {
        self.bytes = bytes
        decoded = builder.decoded
        nodes = builder.finish()
    }

    deinit { nodes.deallocate() }

    /// The text of the string node `index`.
    func text(_ index: Int32) -> String {
        let node = nodes[Int(index)]
        if node.count > 0 { return decoded[Int(node.count) - 1] }
        return bytes.withUnsafeBufferPointer { buffer in
            String(decoding: UnsafeBufferPointer(rebasing: buffer[Int(node.start)..<Int(node.end)]), as: UTF8.self)
        }
    }

    /// Whether `count` bytes of `a` from `i` equal those of `b` from `j`: eight at a time, then
    /// one by one (keys are short: a call to `memcmp` costs more than the comparison).
    @inline(__always)
    static func equal(
        _ a: UnsafeBufferPointer<UInt8>, _ i: Int, _ b: UnsafeBufferPointer<UInt8>, _ j: Int, count: Int
    ) -> Bool {
        var offset = 0
        while offset + 8 <= count {
            let x = UnsafeRawPointer(a.baseAddress! + i + offset).loadUnaligned(as: UInt64.self)
            let y = UnsafeRawPointer(b.baseAddress! + j + offset).loadUnaligned(as: UInt64.self)
            if x != y { return false }
            offset += 8
        }
        while offset < count {
            if a[i + offset] != b[j + offset] { return false }
            offset += 1
        }
        return true
    }

    /// Parses `bytes` strictly (RFC 8259, duplicate keys refused, nesting to 64); `nil` when they
    /// are not valid JSON.
    public static func parse(_ bytes: [UInt8]) -> JSONTape? {
        try? JSONReader(maximumDepth: 64, rejectsDuplicateKeys: true).tape(bytes)
    }

    /// The document's value.
    public var root: JSONItem { item(0) }

    func item(_ index: Int32) -> JSONItem {
        let node = nodes[Int(index)]
        switch node.kind {
        case .null: return .null
        case .bool: return .bool(node.flag)
        case .number: return .number(node.number)
        case .string: return .string(text(index))
        case .array: return .array(JSONArrayView(tape: self, node: index))
        case .object: return .object(JSONObjectView(tape: self, node: index))
        }
    }
}

/// The tape while it is written: nodes appended into memory it owns (grown by doubling, no
/// uniqueness or capacity checks of an array on every append); ``JSONTape/init(bytes:builder:)``
/// takes the memory over, or ``discard()`` frees it.
struct JSONTapeBuilder: ~Copyable {
    private var storage: UnsafeMutablePointer<JSONTape.Node>
    private var capacity: Int
    private(set) var count = 0
    var decoded: [String] = []

    /// A builder with room for `capacity` nodes to begin with.
    init(capacity: Int) {
        self.capacity = max(16, capacity)
        storage = .allocate(capacity: self.capacity)
    }

    subscript(index: Int32) -> JSONTape.Node {
        get { storage[Int(index)] }
        set { storage[Int(index)] = newValue }
    }

    /// The nodes written, handed over (the caller frees them).
    consuming func finish() -> UnsafeBufferPointer<JSONTape.Node> {
        UnsafeBufferPointer(start: storage, count: count)
    }

    /// Frees the nodes (the document was not valid JSON).
    consuming func discard() {
        storage.deallocate()
    }

    // (Positions and counts fit in Int32: the reader refuses a document of 2 GB or more.)
    @inline(__always)
    private mutating func append(_ node: JSONTape.Node) -> Int32 {
        if count == capacity { grow() }
        (storage + count).initialize(to: node)
        count &+= 1
        return Int32(truncatingIfNeeded: count &- 1)
    }

    @inline(never)
    private mutating func grow() {
        let larger = UnsafeMutablePointer<JSONTape.Node>.allocate(capacity: capacity * 2)
        larger.moveInitialize(from: storage, count: count)
        storage.deallocate()
        storage = larger
        capacity *= 2
    }

    @discardableResult
    mutating func append(_ kind: JSONTape.Kind, flag: Bool = false, number: Double = 0) -> Int32 {
        let index = Int32(truncatingIfNeeded: count)
        return append(JSONTape.Node(kind: kind, flag: flag, next: index &+ 1, number: number))
    }

    @inline(__always)
    mutating func appendString(start: Int, end: Int, decoded text: String? = nil, plain: Bool = false) -> Int32 {
        let index = Int32(truncatingIfNeeded: count)
        var node = JSONTape.Node(
            kind: .string, flag: plain, start: Int32(truncatingIfNeeded: start), end: Int32(truncatingIfNeeded: end),
            next: index &+ 1)
        if let text {
            decoded.append(text)
            node.count = Int32(decoded.count)
        }
        return append(node)
    }

    /// Ends a container opened at `node`, now that its children are on the tape.
    mutating func close(_ node: Int32, count members: Int32) {
        storage[Int(node)].next = Int32(truncatingIfNeeded: count)
        storage[Int(node)].count = members
    }

    /// The text of the string node `index` (for messages).
    func text(_ index: Int32, in bytes: UnsafeBufferPointer<UInt8>) -> String {
        let node = storage[Int(index)]
        if node.count > 0 { return decoded[Int(node.count) - 1] }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[Int(node.start)..<Int(node.end)]), as: UTF8.self)
    }

    /// Whether the object opened at `object` (still being read) has a key equal to the key node
    /// `key`, which was just appended.
    func hasEarlierKey(equalTo key: Int32, in object: Int32, bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let y = storage[Int(key)]
        var index = object + 1
        while index < key {
            let x = storage[Int(index)]
            if x.count > 0 || y.count > 0 {
                if text(index, in: bytes) == text(key, in: bytes) { return true }
            } else if x.end - x.start == y.end - y.start,
                JSONTape.equal(bytes, Int(x.start), bytes, Int(y.start), count: Int(x.end - x.start))
            {
                return true
            }
            index = storage[Int(index + 1)].next
        }
        return false
    }
}

/// One value read from a tape: scalars as values, containers as views into the tape.
public enum JSONItem {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array(JSONArrayView)
    case object(JSONObjectView)

    /// The value of `key` when this is an object that has it (as ``JSONValue``'s subscript).
    public subscript(key: String) -> JSONItem? {
        guard case .object(let members) = self else { return nil }
        return members.value(key)
    }

    /// The value as a ``JSONValue`` tree (for `extensions`, and for `JSONValue.parse`).
    public var materialized: JSONValue {
        switch self {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .number(let number): .number(number)
        case .string(let text): .string(text)
        case .array(let items): .array(items.map(\.materialized))
        case .object(let members):
            .object(members.map { JSONMember(key: $0.key, value: $0.value.materialized) })
        }
    }

    /// As ``JSONValue/briefDescription``.
    var briefDescription: String {
        switch self {
        case .array(let items): items.count == 0 ? "an empty array" : "an array"
        case .object: "an object"
        case .null: JSONValue.null.briefDescription
        case .bool(let flag): JSONValue.bool(flag).briefDescription
        case .number(let number): JSONValue.number(number).briefDescription
        case .string(let text): JSONValue.string(text).briefDescription
        }
    }
}

/// An array on a tape: its elements in order.
public struct JSONArrayView: Sequence {
    let tape: JSONTape
    let node: Int32

    public var count: Int { Int(tape.nodes[Int(node)].count) }

    /// The first element, if there is one.
    public var first: JSONItem? { count > 0 ? tape.item(node + 1) : nil }

    public struct Iterator: IteratorProtocol {
        let tape: JSONTape
        var index: Int32
        let end: Int32

        public mutating func next() -> JSONItem? {
            guard index < end else { return nil }
            let item = tape.item(index)
            index = tape.nodes[Int(index)].next
            return item
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(tape: tape, index: node + 1, end: tape.nodes[Int(node)].next)
    }
}

/// An object on a tape: its members in order, and lookup by key without copying.
public struct JSONObjectView: Sequence {
    let tape: JSONTape
    let node: Int32

    public var count: Int { Int(tape.nodes[Int(node)].count) }

    /// The value of `key`, if the object has it.
    public func value(_ key: String) -> JSONItem? {
        var key = key
        let found: Int32? = key.withUTF8 { key in
            tape.withReader { $0.member(node, key) }
        }
        return found.map(tape.item)
    }

    public struct Iterator: IteratorProtocol {
        let tape: JSONTape
        var index: Int32
        let end: Int32

        public mutating func next() -> (key: String, value: JSONItem)? {
            guard index < end else { return nil }
            let member = (key: tape.text(index), value: tape.item(index + 1))
            index = tape.nodes[Int(index + 1)].next
            return member
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(tape: tape, index: node + 1, end: tape.nodes[Int(node)].next)
    }
}

/// Reading a tape by node index, for a reader on a hot path (the FHIR mapper): no ``JSONItem``
/// per step, no `String` until one is wanted, and no reference counting at all — a ``Reader``
/// holds pointers into the tape, so it is valid only inside ``withReader(_:)``.
///
/// A node is an `Int32` from ``JSONObjectView/tapeNode``, ``Reader/value(_:_:)`` or
/// ``Reader/elements(_:)``; every accessor takes an optional node and answers `nil` (or nothing)
/// when the node is absent or of another kind, so lookups chain.
extension JSONTape {
    /// Calls `body` with a reader of this tape, valid for that call alone (it must not escape).
    public func withReader<Result>(_ body: (Reader) -> Result) -> Result {
        bytes.withUnsafeBufferPointer { bytes in
            decoded.withUnsafeBufferPointer { decoded in
                body(Reader(nodes: nodes, bytes: bytes, decoded: decoded))
            }
        }
    }

    /// The tape's nodes, bytes and decoded strings as pointers (see ``withReader(_:)``).
    public struct Reader {
        let nodes: UnsafeBufferPointer<Node>
        let bytes: UnsafeBufferPointer<UInt8>
        let decoded: UnsafeBufferPointer<String>

        /// Whether `node` is an object.
        public func isObject(_ node: Int32?) -> Bool {
            guard let node else { return false }
            return nodes[Int(node)].kind == .object
        }

        /// The value node of `key` in the object `object`, if it is an object that has it.
        public func value(_ object: Int32?, _ key: StaticString) -> Int32? {
            guard let object, nodes[Int(object)].kind == .object else { return nil }
            return member(object, UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        }

        /// The value node of the key `expected` in the object node `object`.
        func member(_ object: Int32, _ expected: UnsafeBufferPointer<UInt8>) -> Int32? {
            member(from: object + 1, to: nodes[Int(object)].next, expected)
        }

        /// The value node of the key `expected` among the members of an object from the key node
        /// `start` to the node `end` (a member's key node, or the object's end).
        func member(from start: Int32, to end: Int32, _ expected: UnsafeBufferPointer<UInt8>) -> Int32? {
            let count = expected.count
            var index = start
            while index < end {
                let candidate = nodes[Int(index)]
                if candidate.count > 0 {
                    if decoded[Int(candidate.count) - 1].utf8.elementsEqual(expected) {
                        return index + 1
                    }
                } else if Int(candidate.end - candidate.start) == count,
                    JSONTape.equal(bytes, Int(candidate.start), expected, 0, count: count)
                {
                    return index + 1
                }
                index = nodes[Int(index + 1)].next
            }
            return nil
        }

        /// The element nodes of the array `array` (none when it is absent or not an array).
        public func elements(_ array: Int32?) -> Elements {
            guard let array, nodes[Int(array)].kind == .array else { return Elements(nodes: nodes, start: 0, end: 0) }
            return Elements(nodes: nodes, start: array + 1, end: nodes[Int(array)].next)
        }

        /// An array's element nodes, in order.
        public struct Elements: Sequence, IteratorProtocol {
            let nodes: UnsafeBufferPointer<Node>
            var start: Int32
            let end: Int32

            public mutating func next() -> Int32? {
                guard start < end else { return nil }
                defer { start = nodes[Int(start)].next }
                return start
            }

            /// The first element, if there is one.
            public var first: Int32? { start < end ? start : nil }
        }

        /// The number of elements of the array `array` (0 when it is absent or not an array).
        public func count(_ array: Int32?) -> Int {
            guard let array, nodes[Int(array)].kind == .array else { return 0 }
            return Int(nodes[Int(array)].count)
        }

        /// The first element of the array `array`, if it is an array that has one.
        public func first(_ array: Int32?) -> Int32? { elements(array).first }

        /// The text of `node` when it is a string that is not empty.
        public func text(_ node: Int32?) -> String? {
            guard let node = nonEmptyString(node) else { return nil }
            return text(of: node)
        }

        /// The text of the string node `node` (which must be a string node).
        public func text(of node: Int32) -> String {
            let found = nodes[Int(node)]
            precondition(found.kind == .string, "text(of:) on a node that is not a string")
            if found.count > 0 { return decoded[Int(found.count) - 1] }
            return String(
                decoding: UnsafeBufferPointer(rebasing: bytes[Int(found.start)..<Int(found.end)]), as: UTF8.self)
        }

        /// `node` itself when it is a string that is not empty.
        public func nonEmptyString(_ node: Int32?) -> Int32? {
            guard let node else { return nil }
            let found = nodes[Int(node)]
            guard found.kind == .string else { return nil }
            if found.count > 0 { return decoded[Int(found.count) - 1].isEmpty ? nil : node }
            return found.end > found.start ? node : nil
        }

        /// Calls `body` with the UTF-8 of the string `node` (which must be a string node).
        public func withUTF8<Result>(_ node: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
            let found = nodes[Int(node)]
            precondition(found.kind == .string, "withUTF8 on a node that is not a string")
            if found.count > 0 {
                var text = decoded[Int(found.count) - 1]
                return text.withUTF8(body)
            }
            return body(UnsafeBufferPointer(rebasing: bytes[Int(found.start)..<Int(found.end)]))
        }

        /// The bytes of the string `node` with its quotes, when it is plain (ASCII from 0x20 to
        /// 0x7E, no quote nor backslash: JSON text as it is); `nil` otherwise.
        public func plainJSONString(_ node: Int32) -> UnsafeBufferPointer<UInt8>? {
            let found = nodes[Int(node)]
            guard found.kind == .string, found.flag else { return nil }
            return UnsafeBufferPointer(rebasing: bytes[Int(found.start) - 1..<Int(found.end) + 1])
        }

        /// Whether the string `node` is an RFC 3339 date-time (``Timestamp/isRFC3339(_:)``).
        public func isRFC3339(_ node: Int32) -> Bool {
            withUTF8(node) { Timestamp.isRFC3339($0) }
        }

        /// Whether `node` is a string whose text is `expected`.
        public func string(_ node: Int32?, is expected: StaticString) -> Bool {
            guard let node else { return false }
            return matches(node, expected.utf8Start, expected.utf8CodeUnitCount, at: 0, whole: true)
        }

        /// Whether `node` is a string whose text is `expected` (known at run time).
        public func string(_ node: Int32?, equals expected: String) -> Bool {
            guard let node, nodes[Int(node)].kind == .string else { return false }
            var expected = expected
            return expected.withUTF8 { matches(node, $0.baseAddress, $0.count, at: 0, whole: true) }
        }

        /// Whether the strings `a` and `b` hold the same text.
        public func string(_ a: Int32, equalsString b: Int32) -> Bool {
            let x = nodes[Int(a)]
            let y = nodes[Int(b)]
            guard x.kind == .string, y.kind == .string else { return false }
            if x.count == 0, y.count == 0 {
                // Both as sent: their bytes compared in place.
                let length = Int(x.end - x.start)
                guard length == Int(y.end - y.start) else { return false }
                return length == 0
                    || memcmp(bytes.baseAddress! + Int(x.start), bytes.baseAddress! + Int(y.start), length) == 0
            }
            return withUTF8(b) { matches(a, $0.baseAddress, $0.count, at: 0, whole: true) }
        }

        /// Whether the string `node` is `prefix` followed by the text of the string `rest`
        /// (`Condition/` and an id).
        public func string(_ node: Int32, is prefix: StaticString, followedBy rest: Int32) -> Bool {
            let length = prefix.utf8CodeUnitCount
            guard nodes[Int(rest)].kind == .string, stringLength(node) == length + stringLength(rest),
                matches(node, prefix.utf8Start, length, at: 0, whole: false)
            else { return false }
            return withUTF8(rest) { matches(node, $0.baseAddress, $0.count, at: length, whole: false) }
        }

        /// Whether the string `node` is the text of `first`, the byte `separator` and the text of
        /// `second` (`Patient/123`).
        public func string(_ node: Int32, joins first: Int32, _ separator: UInt8, _ second: Int32) -> Bool {
            guard nodes[Int(first)].kind == .string, nodes[Int(second)].kind == .string else { return false }
            let head = stringLength(first)
            guard stringLength(node) == head + 1 + stringLength(second),
                withUTF8(first, { matches(node, $0.baseAddress, $0.count, at: 0, whole: false) })
            else { return false }
            return withUTF8(node) { $0[head] == separator }
                && withUTF8(second) { matches(node, $0.baseAddress, $0.count, at: head + 1, whole: false) }
        }

        /// The length in bytes of the string `node` (0 for another kind).
        private func stringLength(_ node: Int32) -> Int {
            let found = nodes[Int(node)]
            guard found.kind == .string else { return 0 }
            return found.count > 0 ? decoded[Int(found.count) - 1].utf8.count : Int(found.end - found.start)
        }

        /// Whether the string `node` holds the `count` bytes at `expected` from byte `offset` on
        /// (and no more, when `whole`).
        private func matches(
            _ node: Int32, _ expected: UnsafePointer<UInt8>?, _ count: Int, at offset: Int, whole: Bool
        ) -> Bool {
            let found = nodes[Int(node)]
            guard found.kind == .string else { return false }
            if found.count > 0 {
                let text = decoded[Int(found.count) - 1].utf8
                guard whole ? text.count == offset + count : text.count >= offset + count else { return false }
                return text.dropFirst(offset).prefix(count).elementsEqual(
                    UnsafeBufferPointer(start: expected, count: count))
            }
            let length = Int(found.end - found.start)
            guard whole ? length == offset + count : length >= offset + count else { return false }
            guard count > 0, let expected else { return true }
            return memcmp(bytes.baseAddress! + Int(found.start) + offset, expected, count) == 0
        }

        /// The value of `node` when it is a number.
        public func number(_ node: Int32?) -> Double? {
            guard let node, nodes[Int(node)].kind == .number else { return nil }
            return nodes[Int(node)].number
        }

        /// The value of `node` when it is a boolean.
        public func bool(_ node: Int32?) -> Bool? {
            guard let node, nodes[Int(node)].kind == .bool else { return nil }
            return nodes[Int(node)].flag
        }
    }
}

extension JSONObjectView {
    /// This object's node on its tape.
    public var tapeNode: (tape: JSONTape, node: Int32) { (tape, node) }
}
