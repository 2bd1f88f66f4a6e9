/// One node of a YAML document, with the place it was written.
///
/// Scalars are not typed here: `10`, `"10"`, `no` and `2026-01-01` all arrive as text together with
/// the style they were written in, and the layer that knows what a key means decides what its
/// value is. That keeps YAML 1.1's surprises (`no` becoming `false`, `010` becoming 8) out of
/// clinical rules.
public struct YAMLNode: Sendable {
    /// What the node holds.
    public enum Content: Sendable {
        /// A scalar: its text exactly as written (after YAML unescaping and folding) and its style.
        case scalar(YAMLScalar)
        /// A sequence of nodes, in order.
        case sequence([YAMLNode])
        /// A mapping, its entries in the order written. Keys are scalars and unique.
        case mapping([YAMLMappingEntry])
    }

    /// What the node holds.
    public var content: Content
    /// Where the node starts.
    public var mark: SourceMark
    /// The explicit tag, when the author wrote one (`!!str 10`), as libyaml resolved it.
    public var tag: String?

    /// Creates a node.
    public init(_ content: Content, mark: SourceMark, tag: String? = nil) {
        self.content = content
        self.mark = mark
        self.tag = tag
    }

    /// The scalar this node holds, or `nil` for a sequence or a mapping.
    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    /// The items of a sequence node, or `nil` for anything else.
    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    /// The entries of a mapping node, or `nil` for anything else.
    public var mapping: [YAMLMappingEntry]? {
        if case .mapping(let entries) = content { return entries }
        return nil
    }

    /// The value under `key` in a mapping node; `nil` when absent or when this is not a mapping.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.text == key }?.value
    }

    /// A word for the node's kind, for error messages: "a scalar", "a sequence", "a mapping".
    public var kindDescription: String {
        switch content {
        case .scalar: "a scalar"
        case .sequence: "a sequence"
        case .mapping: "a mapping"
        }
    }
}

/// A scalar's text and the style it was written in.
public struct YAMLScalar: Hashable, Sendable {
    /// How the scalar was written; only `plain` scalars may be read as numbers, booleans or null.
    public enum Style: Sendable, Hashable {
        /// Unquoted: `10`, `true`, `high`.
        case plain
        /// `'single quoted'`.
        case singleQuoted
        /// `"double quoted"`.
        case doubleQuoted
        /// A `|` block.
        case literal
        /// A `>` block.
        case folded
    }

    /// The text, after YAML's own unescaping and line folding.
    public var text: String
    /// How it was written.
    public var style: Style

    /// Creates a scalar.
    public init(text: String, style: Style) {
        self.text = text
        self.style = style
    }

    /// Whether this is a plain scalar whose text YAML reads as null (`~`, `null`, or nothing).
    public var isNull: Bool {
        style == .plain && (text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL")
    }
}

/// One `key: value` entry of a mapping; the key is always a scalar.
public struct YAMLMappingEntry: Sendable {
    /// The key's text and style.
    public var key: YAMLScalar
    /// Where the key was written.
    public var keyMark: SourceMark
    /// The value.
    public var value: YAMLNode

    /// Creates an entry.
    public init(key: YAMLScalar, keyMark: SourceMark, value: YAMLNode) {
        self.key = key
        self.keyMark = keyMark
        self.value = value
    }
}
