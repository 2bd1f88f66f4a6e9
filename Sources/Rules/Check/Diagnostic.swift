public import YAMLDocument

/// A problem in a rule file (or a rule test file, or a config): where, how bad, and what to do.
///
/// Printed as `file:line:column: error: message`, then the source line with a caret under the
/// column, the form compilers use and editors jump to.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    /// How bad it is.
    public enum Severity: String, Sendable {
        /// The rule set is refused.
        case error
        /// Worth fixing; the rule set still loads.
        case warning
    }

    /// How bad it is.
    public var severity: Severity
    /// Where.
    public var mark: SourceMark
    /// What is wrong, and what to do about it.
    public var message: String
    /// The line of source the mark points into, when known.
    public var sourceLine: String?

    /// Creates a diagnostic.
    public init(_ severity: Severity, at mark: SourceMark, _ message: String, sourceLine: String? = nil) {
        self.severity = severity
        self.mark = mark
        self.message = message
        self.sourceLine = sourceLine
    }

    /// `file:line:column: severity: message`.
    public var description: String { "\(mark): \(severity.rawValue): \(message)" }

    /// The description, then the source line and a caret under the column.
    public var rendered: String {
        guard let sourceLine else { return description }
        let prefix = sourceLine.prefix(max(0, mark.column - 1)).map { $0 == "\t" ? "\t" : " " }.joined()
        return "\(description)\n    \(sourceLine)\n    \(prefix)^"
    }
}
