/// A JSON value as the event file held it: the form `extensions` and inline test events take.
///
/// Objects keep their members in order; the reader that produced them has already refused
/// duplicate keys where the caller asked it to (the event decoder always does, because clinical
/// data must not be ambiguous).
public enum JSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A finite number. JSON does not tell integers apart; the event model decides.
    case number(Double)
    /// A string, valid Unicode.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object, its members in the order written.
    case object([JSONMember])

    /// Parses JSON text strictly (RFC 8259, duplicate keys refused); `nil` when it is not valid.
    public static func parse(_ bytes: [UInt8]) -> JSONValue? {
        try? JSONReader(maximumDepth: 64, rejectsDuplicateKeys: true).parse(bytes)
    }

    /// The value of `key` when this is an object that has it.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        for member in members where member.key == key { return member.value }
        return nil
    }

    /// A short account of the value for an error message: `"yesterday"`, `number 12.5`, `an object`.
    ///
    /// Strings are cut at 60 characters and their control characters escaped, so a hostile value
    /// cannot forge a line in a log or a report.
    public var briefDescription: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .number(let value): "number \(JSONValue.format(value))"
        case .string(let text): JSONValue.quoted(text, limit: 60)
        case .array(let items): items.isEmpty ? "an empty array" : "an array"
        case .object: "an object"
        }
    }

    /// A number as a person writes it: `12`, not `12.0`.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// A string in double quotes, control characters escaped, cut at `limit` characters.
    static func quoted(_ text: String, limit: Int) -> String {
        var result = "\""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit {
                result += "…"
                break
            }
            count += 1
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028
                    || scalar.value == 0x2029
                {
                    result += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}

/// One `"key": value` member of a JSON object.
public struct JSONMember: Sendable, Equatable {
    /// The key.
    public var key: String
    /// The value.
    public var value: JSONValue

    /// Creates a member.
    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}
