/// The acknowledgement an HL7 v2 sender waits for (original mode): `MSA-1` AA (accepted: stored),
/// AE (the message is in error: not stored, with an `ERR` segment saying why) or AR (rejected: it
/// could not be stored; send it again later).
public enum HL7Acknowledgement {
    public enum Code: String, Sendable {
        case accept = "AA"
        case error = "AE"
        case reject = "AR"
    }

    /// The ACK for `message` (its header, when it could be read), stamped `time` (HL7 DTM).
    public static func make(
        for message: HL7Message?, code: Code, text: String? = nil, controlID: String, time: String
    ) -> [UInt8] {
        let d = message?.delimiters ?? HL7Delimiters()
        let msh = message?.segment("MSH")
        func field(_ number: Int) -> String { msh.map { $0.raw(number) } ?? "" }
        let encoding = "\(d.component)\(d.repetition)\(d.escape)\(d.subcomponent)"
        let trigger = message?.messageType.trigger ?? ""
        let f = String(d.field)
        var segments = [
            [
                "MSH", encoding, field(5), field(6), field(3), field(4), time, "",
                "ACK" + (trigger.isEmpty ? "" : "\(d.component)\(trigger)\(d.component)ACK"), controlID,
                field(11).isEmpty ? "P" : field(11), field(12).isEmpty ? "2.5.1" : field(12),
            ].joined(separator: f),
            (["MSA", code.rawValue, message?.controlID ?? ""] + (text.map { [escape($0, d)] } ?? [])).joined(
                separator: f),
        ]
        if code != .accept, let text {
            // ERR-3 (HL7 table 0357): 207 application internal error for a rejection, 100-series
            // for a message in error; ERR-4 severity E; ERR-8 the text.
            let errorCode =
                code == .reject ? "207\(d.component)Application internal error" : "102\(d.component)Data type error"
            segments.append(
                ["ERR", "", "", errorCode + "\(d.component)HL70357", "E", "", "", "", escape(text, d)].joined(
                    separator: f))
        }
        return Array((segments.joined(separator: "\r") + "\r").utf8)
    }

    /// `text` with the delimiters escaped, and line breaks as spaces.
    static func escape(_ text: String, _ d: HL7Delimiters) -> String {
        var result = ""
        for character in text {
            switch character {
            case d.escape: result += "\(d.escape)E\(d.escape)"
            case d.field: result += "\(d.escape)F\(d.escape)"
            case d.component: result += "\(d.escape)S\(d.escape)"
            case d.subcomponent: result += "\(d.escape)T\(d.escape)"
            case d.repetition: result += "\(d.escape)R\(d.escape)"
            case "\r", "\n": result += " "
            default: result.append(character)
            }
        }
        return result
    }
}
