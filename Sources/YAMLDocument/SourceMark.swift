/// A place in a source file: the file's name as the user gave it, and a 1-based line and column.
///
/// Every node of a parsed YAML document carries one, so that any later layer (a rule checker, a
/// config loader, a test runner) can point an author at the exact spot in the `file:line:column`
/// form that editors and CI annotate.
public struct SourceMark: Hashable, Sendable, CustomStringConvertible {
    /// The file as the user named it (a path, or a label such as `<stdin>`).
    public var file: String
    /// The line, counting from 1.
    public var line: Int
    /// The column in characters, counting from 1.
    public var column: Int

    /// Creates a mark; `line` and `column` count from 1.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, the form editors and compilers use.
    public var description: String { "\(file):\(line):\(column)" }
}
