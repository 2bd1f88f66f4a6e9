/// A rules version for people: `sha256:` and the first 12 hex digits, enough to tell rule sets
/// apart (the full digest stays in the records and JSON).
public enum RulesVersion {
    /// `sha256:9fc8cc473405` from `sha256:9fc8cc4734…`; anything else as it is.
    public static func short(_ version: String) -> String {
        let prefix = "sha256:"
        guard version.hasPrefix(prefix), version.count > prefix.count + 12 else { return version }
        return String(version.prefix(prefix.count + 12))
    }
}
