/// Control characters in text that goes into a log line, a syslog message or a terminal: written as
/// escapes, so no value (a file name, an event id) can forge a line or move a cursor.
public enum ControlCharacters {
    /// How an escaped control character other than `\n`, `\r` and `\t` is written.
    public enum Style: Sendable {
        /// `\u001b`, as JSON writes it (syslog messages).
        case json
        /// `\u{1B}`, as Swift writes it (the text log).
        case swift
    }

    /// Whether `scalar` is one: C0, DEL, C1, or a Unicode line or paragraph separator.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }

    /// `text` with every control character written as an escape (`\n`, `\r`, `\t`, else per `style`).
    public static func escaped(_ text: String, style: Style) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                guard isControl(scalar) else {
                    result.unicodeScalars.append(scalar)
                    continue
                }
                switch style {
                case .json:
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                case .swift:
                    result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                }
            }
        }
        return result
    }
}
