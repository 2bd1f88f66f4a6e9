/// Where a value sits in a JSON document: `$.encounter.admitted_at`, `$.labs[2].value`.
///
/// Built only as deep as a reader descends into containers, and printed only when there is
/// something to report.
public indirect enum JSONPath: Sendable, Equatable, CustomStringConvertible {
    /// The document itself, `$`.
    case root
    /// A member of an object.
    case key(JSONPath, String)
    /// An element of an array.
    case index(JSONPath, Int)

    /// The path one member further down.
    public func appending(_ key: String) -> JSONPath { .key(self, key) }

    /// The path one element further down.
    public func appending(index: Int) -> JSONPath { .index(self, index) }

    /// `$.a.b[3]`, with keys that are not plain names written as `["a key"]`.
    public var description: String {
        switch self {
        case .root:
            return "$"
        case .index(let parent, let index):
            return "\(parent)[\(index)]"
        case .key(let parent, let key):
            let plain =
                !key.isEmpty
                && key.utf8.allSatisfy { byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                        || byte == 0x5F
                }
            return plain ? "\(parent).\(key)" : "\(parent)[\(JSONValue.quoted(key, limit: 60))]"
        }
    }
}
