/// Durations as rule authors and operators write them: a number and a unit, `30d`, `8h`, `15m`,
/// `2w`, `10s`, `0.5s`.
public enum DurationText {
    /// The duration in seconds, or `nil` when the text is not one.
    public static func seconds(_ text: String) -> Double? {
        guard let unit = text.last, let size = Lexer.durationUnits[unit], let amount = Double(text.dropLast()),
            amount >= 0, text.dropLast().allSatisfy({ $0.isNumber || $0 == "." })
        else { return nil }
        return amount * size
    }
}
