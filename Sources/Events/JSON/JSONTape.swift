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
        /// A boolean's value.
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
    let nodes: [Node]
    /// The text of the strings that had escapes.
    let decoded: [String]

    init(bytes: [UInt8], nodes: [Node], decoded: [String]) {
        self.bytes = bytes
        self.nodes = nodes
        self.decoded = decoded
    }

    /// The text of the string node `index`.
    func text(_ index: Int32) -> String {
        let node = nodes[Int(index)]
        if node.count > 0 { return decoded[Int(node.count) - 1] }
        return bytes.withUnsafeBufferPointer { buffer in
            String(decoding: UnsafeBufferPointer(rebasing: buffer[Int(node.start)..<Int(node.end)]), as: UTF8.self)
        }
    }

    static func equal(
        _ a: UnsafeBufferPointer<UInt8>, _ i: Int, _ b: UnsafeBufferPointer<UInt8>, _ j: Int, count: Int
    ) -> Bool {
        var offset = 0
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

/// The tape while it is written (a value type, so the parser's appends need no runtime
/// exclusivity checks); ``finish(bytes:)`` makes the immutable ``JSONTape``.
struct JSONTapeBuilder {
    var nodes: [JSONTape.Node] = []
    var decoded: [String] = []

    @discardableResult
    mutating func append(_ kind: JSONTape.Kind, flag: Bool = false, number: Double = 0) -> Int32 {
        let index = Int32(nodes.count)
        nodes.append(JSONTape.Node(kind: kind, flag: flag, next: index + 1, number: number))
        return index
    }

    mutating func appendString(start: Int, end: Int, decoded text: String? = nil) -> Int32 {
        let index = Int32(nodes.count)
        var node = JSONTape.Node(kind: .string, start: Int32(start), end: Int32(end), next: index + 1)
        if let text {
            decoded.append(text)
            node.count = Int32(decoded.count)
        }
        nodes.append(node)
        return index
    }

    /// Ends a container opened at `node`, now that its children are on the tape.
    mutating func close(_ node: Int32, count: Int32) {
        nodes[Int(node)].next = Int32(nodes.count)
        nodes[Int(node)].count = count
    }

    /// The text of the string node `index` (for messages).
    func text(_ index: Int32, in bytes: UnsafeBufferPointer<UInt8>) -> String {
        let node = nodes[Int(index)]
        if node.count > 0 { return decoded[Int(node.count) - 1] }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[Int(node.start)..<Int(node.end)]), as: UTF8.self)
    }

    /// Whether the object opened at `object` (still being read) has a key equal to the key node
    /// `key`, which was just appended.
    func hasEarlierKey(equalTo key: Int32, in object: Int32, bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let y = nodes[Int(key)]
        var index = object + 1
        while index < key {
            let x = nodes[Int(index)]
            if x.count > 0 || y.count > 0 {
                if text(index, in: bytes) == text(key, in: bytes) { return true }
            } else if x.end - x.start == y.end - y.start,
                JSONTape.equal(bytes, Int(x.start), bytes, Int(y.start), count: Int(x.end - x.start))
            {
                return true
            }
            index = nodes[Int(index + 1)].next
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
        let found: Int32? = key.withUTF8 { expected in
            tape.bytes.withUnsafeBufferPointer { bytes in
                tape.nodes.withUnsafeBufferPointer { nodes in
                    var index = node + 1
                    let end = nodes[Int(node)].next
                    let first = expected.first
                    while index < end {
                        let candidate = nodes[Int(index)]
                        if candidate.count > 0 {
                            if tape.decoded[Int(candidate.count) - 1].utf8.elementsEqual(expected) { return index + 1 }
                        } else if Int(candidate.end - candidate.start) == expected.count,
                            expected.isEmpty
                                || (bytes[Int(candidate.start)] == first
                                    && JSONTape.equal(bytes, Int(candidate.start), expected, 0, count: expected.count))
                        {
                            return index + 1
                        }
                        index = nodes[Int(index + 1)].next
                    }
                    return nil
                }
            }
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
