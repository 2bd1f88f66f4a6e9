/// Why a YAML text could not become a document, and where.
///
/// Its `description` is one `file:line:column: error: message` line, the form editors jump to.
public struct YAMLError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem it is, for code that reacts to some of them.
    public enum Kind: Sendable, Hashable {
        /// libyaml could not read, scan or parse the text.
        case syntax
        /// A mapping repeats a key; `relatedMark` is the first one.
        case duplicateKey
        /// Aliases would expand to more nodes than the budget allows ("billion laughs").
        case aliasBudgetExceeded
        /// An alias names an anchor that was not defined before it.
        case unknownAlias
        /// The file holds more than one document.
        case multipleDocuments
        /// Nesting goes deeper than the limit.
        case tooDeep
        /// A mapping key is a sequence or a mapping.
        case complexKey
    }

    /// What kind of problem it is.
    public var kind: Kind
    /// Where the problem is.
    public var mark: SourceMark
    /// What is wrong, and what to do about it, in a sentence.
    public var message: String
    /// Another place the message refers to, e.g. the first of two duplicate keys.
    public var relatedMark: SourceMark?

    /// Creates an error.
    public init(_ kind: Kind, at mark: SourceMark, _ message: String, related relatedMark: SourceMark? = nil) {
        self.kind = kind
        self.mark = mark
        self.message = message
        self.relatedMark = relatedMark
    }

    /// `file:line:column: error: message`.
    public var description: String { "\(mark): error: \(message)" }
}
