/// HTML built as text, every value escaped on the way in: nothing from an event (a name, an id, a
/// reason) can become markup or script.
public struct HTML: Sendable, CustomStringConvertible {
    /// The markup.
    public private(set) var text: String

    /// Markup written in the code (trusted).
    public init(raw: String) { text = raw }

    public var description: String { text }

    /// `value` escaped for element content and quoted attribute values.
    public static func escape(_ value: String) -> String {
        // Most values hold nothing to escape: they are returned as they are.
        if !value.utf8.contains(where: {
            $0 < 0x20 || $0 == 0x7F || $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27
        }) {
            return value
        }
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default:
                // Control characters (but tab and newline) never reach the page.
                if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" || scalar.value == 0x7F {
                    result += "\u{FFFD}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }

    /// `value` as a URL query component.
    public static func query(_ value: String) -> String {
        var result = ""
        for byte in value.utf8 {
            if (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "%" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }
}
