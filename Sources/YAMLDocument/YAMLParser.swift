internal import CLibYAML

/// Turns YAML text into a tree of ``YAMLNode``s through the system's libyaml.
///
/// It refuses, with an error that points at the spot: syntax errors (at the place libyaml gives),
/// duplicate mapping keys (naming both places), aliases that would expand past a budget (a "billion
/// laughs" file is refused as soon as its expansion passes the budget, never expanded), nesting
/// deeper than a limit, and files that hold more than one document.
///
/// - Important: Aliases share the anchored node rather than copying it; the budget counts the
///   nodes a full expansion would produce, because any later walk over the tree visits them all.
public struct YAMLParser: Sendable {
    /// How many nodes all aliases in one document may expand to, together.
    public var aliasExpansionBudget: Int
    /// How deeply sequences and mappings may nest.
    public var maximumDepth: Int

    /// Creates a parser with limits generous for any hand-written file and fatal to abuse.
    public init(aliasExpansionBudget: Int = 100_000, maximumDepth: Int = 256) {
        self.aliasExpansionBudget = aliasExpansionBudget
        self.maximumDepth = maximumDepth
    }

    /// Parses one YAML document.
    ///
    /// - Parameters:
    ///   - text: The YAML text (UTF-8).
    ///   - file: The name to put in every mark and error, as the user would recognise it.
    /// - Returns: The root node, or `nil` when the text holds no document at all (empty, or only
    ///   comments).
    public func parse(_ text: String, file: String) throws(YAMLError) -> YAMLNode? {
        try parse(bytes: Array(text.utf8), file: file)
    }

    /// Parses one YAML document from a file's bytes, so that invalid UTF-8 is reported where it sits
    /// rather than silently replaced.
    public func parse(bytes: [UInt8], file: String) throws(YAMLError) -> YAMLNode? {
        // A trailing NUL keeps the buffer's address non-null for an empty text; libyaml reads only
        // the bytes before it.
        let terminated = bytes + [0]
        return try terminated.withUnsafeBufferPointer { (buffer) throws(YAMLError) -> YAMLNode? in
            var builder = TreeBuilder(file: file, limits: self, text: UnsafeBufferPointer(rebasing: buffer.dropLast()))
            return try builder.run()
        }
    }
}

/// Drives libyaml's event parser and assembles the events into nodes with an explicit stack, so
/// deep input cannot exhaust the call stack.
private struct TreeBuilder {
    private enum Frame {
        case sequence(mark: SourceMark, tag: String?, anchor: String?, items: [YAMLNode], size: Int)
        case mapping(
            mark: SourceMark, tag: String?, anchor: String?, entries: [YAMLMappingEntry],
            pendingKey: (YAMLScalar, SourceMark)?, keyMarks: [String: SourceMark], size: Int)
    }

    private let file: String
    private let limits: YAMLParser
    private let text: UnsafeBufferPointer<UInt8>
    private var stack: [Frame] = []
    /// Each anchor's node and the number of nodes it stands for when expanded.
    private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    private var expandedByAliases = 0
    private var root: YAMLNode?
    private var documents = 0

    init(file: String, limits: YAMLParser, text: UnsafeBufferPointer<UInt8>) {
        self.file = file
        self.limits = limits
        self.text = text
    }

    mutating func run() throws(YAMLError) -> YAMLNode? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw YAMLError(.syntax, at: mark(line: 0, column: 0), "libyaml could not start (out of memory)")
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        guard let base = text.baseAddress else { return nil }
        yaml_parser_set_input_string(&parser, base, text.count)
        var done = false
        while !done {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else {
                throw syntaxError(parser)
            }
            defer { yaml_event_delete(&event) }
            done = try handle(event)
        }
        return root
    }

    /// Handles one event; returns `true` at the end of the stream.
    private mutating func handle(_ event: yaml_event_t) throws(YAMLError) -> Bool {
        let start = mark(line: event.start_mark.line, column: event.start_mark.column)
        switch event.type {
        case YAML_STREAM_END_EVENT:
            return true
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                throw YAMLError(
                    .multipleDocuments, at: start,
                    "this file holds more than one YAML document (a second one starts here); keep one document per file"
                )
            }
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let scalar = YAMLScalar(text: string(data.value, data.length), style: style(data.style))
            let node = YAMLNode(.scalar(scalar), mark: start, tag: optionalString(data.tag))
            try complete(node, size: 1, anchor: optionalString(data.anchor))
        case YAML_ALIAS_EVENT:
            let name = optionalString(event.data.alias.anchor) ?? ""
            guard let anchored = anchors[name] else {
                throw YAMLError(
                    .unknownAlias, at: start, "alias *\(name) refers to no anchor &\(name) defined before it")
            }
            expandedByAliases = expandedByAliases.addingReportingOverflow(anchored.size).partialValue
            if expandedByAliases > limits.aliasExpansionBudget || expandedByAliases < 0 {
                throw YAMLError(
                    .aliasBudgetExceeded, at: start,
                    "aliases in this file would expand to more than \(limits.aliasExpansionBudget) nodes; the file is refused (is it a \"billion laughs\" file?)"
                )
            }
            var node = anchored.node
            node.mark = start
            try complete(node, size: anchored.size, anchor: nil)
        case YAML_SEQUENCE_START_EVENT:
            let data = event.data.sequence_start
            try push(
                .sequence(
                    mark: start, tag: optionalString(data.tag), anchor: optionalString(data.anchor), items: [], size: 1),
                at: start)
        case YAML_MAPPING_START_EVENT:
            let data = event.data.mapping_start
            try push(
                .mapping(
                    mark: start, tag: optionalString(data.tag), anchor: optionalString(data.anchor), entries: [],
                    pendingKey: nil, keyMarks: [:], size: 1), at: start)
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { break }
            switch frame {
            case .sequence(let mark, let tag, let anchor, let items, let size):
                try complete(YAMLNode(.sequence(items), mark: mark, tag: tag), size: size, anchor: anchor)
            case .mapping(let mark, let tag, let anchor, let entries, _, _, let size):
                try complete(YAMLNode(.mapping(entries), mark: mark, tag: tag), size: size, anchor: anchor)
            }
        default:
            break
        }
        return false
    }

    private mutating func push(_ frame: Frame, at start: SourceMark) throws(YAMLError) {
        guard stack.count < limits.maximumDepth else {
            throw YAMLError(.tooDeep, at: start, "nesting deeper than \(limits.maximumDepth) levels is refused")
        }
        stack.append(frame)
    }

    /// Attaches a finished node to its parent (or makes it the root) and records its anchor.
    private mutating func complete(_ node: YAMLNode, size: Int, anchor: String?) throws(YAMLError) {
        if let anchor { anchors[anchor] = (node, size) }
        guard let top = stack.popLast() else {
            root = node
            return
        }
        switch top {
        case .sequence(let mark, let tag, let anchorName, var items, let total):
            items.append(node)
            stack.append(.sequence(mark: mark, tag: tag, anchor: anchorName, items: items, size: total &+ size))
        case .mapping(let mark, let tag, let anchorName, var entries, let pendingKey, var keyMarks, let total):
            if let (key, keyMark) = pendingKey {
                entries.append(YAMLMappingEntry(key: key, keyMark: keyMark, value: node))
                stack.append(
                    .mapping(
                        mark: mark, tag: tag, anchor: anchorName, entries: entries, pendingKey: nil,
                        keyMarks: keyMarks, size: total &+ size))
            } else {
                guard let key = node.scalar else {
                    throw YAMLError(
                        .complexKey, at: node.mark, "a mapping key must be a scalar, not \(node.kindDescription)")
                }
                if let first = keyMarks[key.text] {
                    throw YAMLError(
                        .duplicateKey, at: node.mark,
                        "duplicate key \"\(key.text)\"; it was first given at line \(first.line), column \(first.column)",
                        related: first)
                }
                keyMarks[key.text] = node.mark
                stack.append(
                    .mapping(
                        mark: mark, tag: tag, anchor: anchorName, entries: entries, pendingKey: (key, node.mark),
                        keyMarks: keyMarks, size: total &+ size))
            }
        }
    }

    private func syntaxError(_ parser: yaml_parser_t) -> YAMLError {
        let problem = optionalCString(parser.problem) ?? "unreadable YAML"
        let at: SourceMark
        var message = "YAML syntax: \(problem)"
        if parser.error == YAML_READER_ERROR {
            at = markForByteOffset(parser.problem_offset)
            if parser.problem_value != -1 {
                message += " (byte 0x\(String(UInt32(bitPattern: parser.problem_value), radix: 16)))"
            }
        } else {
            at = mark(line: parser.problem_mark.line, column: parser.problem_mark.column)
            if let context = optionalCString(parser.context) {
                let contextMark = mark(line: parser.context_mark.line, column: parser.context_mark.column)
                message += " \(context) that starts at line \(contextMark.line), column \(contextMark.column)"
            }
        }
        return YAMLError(.syntax, at: at, message)
    }

    /// libyaml's reader errors give a byte offset, not a line: count lines and characters up to it.
    private func markForByteOffset(_ offset: Int) -> SourceMark {
        var line = 1
        var column = 1
        for byte in text.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return SourceMark(file: file, line: line, column: column)
    }

    private func mark(line: Int, column: Int) -> SourceMark {
        SourceMark(file: file, line: line + 1, column: column + 1)
    }

    private func style(_ style: yaml_scalar_style_t) -> YAMLScalar.Style {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, _ length: Int) -> String {
        guard let pointer else { return "" }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    private func optionalString(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    private func optionalCString(_ pointer: UnsafePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }
}
