import Foundation

/// Edits of JSON objects held as `[String: Any]` (what `JSONSerialization` gives), for tests that
/// take a sample event and change one field.
public enum KeyPaths {
    /// Sets `value` at a nested key path such as `["encounter", "admitted_at"]`, creating objects on
    /// the way; `nil` (or `NSNull` from JSON) removes the key.
    public static func set(_ object: inout [String: Any], _ path: [String], _ value: Any?) {
        guard let first = path.first else { return }
        if path.count == 1 {
            object[first] = value is NSNull ? nil : value
            return
        }
        var inner = object[first] as? [String: Any] ?? [:]
        set(&inner, Array(path.dropFirst()), value)
        object[first] = inner
    }

    /// `set` with a dotted path: `"encounter.admitted_at"`.
    public static func set(_ object: inout [String: Any], dotted path: String, _ value: Any?) {
        set(&object, path.split(separator: ".").map(String.init), value)
    }

}
